package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.Network;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.api.NetworkInfo;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;

/**
 * Networks: {@code GET /v1/networks}, {@code GET|DELETE /v1/networks/{name}} and {@code POST
 * /v1/networks} ({@code network ls|inspect|rm|create}). A stack's networks come and go with its
 * deploy ({@link StackDeployment}); these make and remove the ones a stack may use as external.
 * Every refusal is checked here before anything is proposed, and apply checks the same again
 * (a no-op), so a refused request changes nothing.
 */
final class NetworkEndpoints {
    private final ClusterStore store;
    private final InstantSource clock;
    private final Supplier<String> ids;

    NetworkEndpoints(ClusterStore store, InstantSource clock, Supplier<String> ids) {
        this.store = store;
        this.clock = clock;
        this.ids = ids;
    }

    List<NetworkInfo> list() {
        ClusterState state = store.state();
        return state.networks().all().stream().map(network -> info(state, network)).toList();
    }

    NetworkInfo inspect(String name) {
        ClusterState state = store.state();
        return info(state, find(state, name));
    }

    /** 201 with the network as made; 409 when the name is taken, 400 when the spec is refused. */
    ApiServer.Answer create(ApiRequest request) throws IOException, InterruptedException {
        NetworkSpec spec = request.body(NetworkSpec.class);
        if (spec == null) {
            throw ApiException.invalid("the body must hold a network: {\"name\": ...}");
        }
        if (spec.stack() != null) {
            throw ApiException.invalid("network " + spec.name() + " names stack " + spec.stack()
                    + ": a stack's networks are made by its deploy");
        }
        refuse(store.state(), spec);
        ClusterState after = Submissions.await(store.submit(new Command.CreateNetwork(ids.get(), spec, clock.instant())));
        Network made = after.networks().get(spec.name()).orElse(null);
        if (made == null || made.spec().stack() != null) {
            refuse(after, spec); // another request took the name or the subnet meanwhile
            throw ApiException.invalid("network " + spec.name() + " could not be made: the pool has no free subnet");
        }
        return new ApiServer.Answer(201, info(after, made));
    }

    /** 204; 409 while a service is on it or when a stack owns it. */
    ApiServer.Answer remove(String name) throws InterruptedException {
        ClusterState state = store.state();
        refuseRemoval(state, state.networks().get(name).orElseThrow(() -> Absence.of(store, "network", name)));
        ClusterState after = Submissions.await(store.submit(new Command.RemoveNetwork(name, clock.instant())));
        after.networks().get(name).ifPresent(network -> refuseRemoval(after, network));
        return new ApiServer.Answer(204, null);
    }

    private static void refuse(ClusterState state, NetworkSpec spec) {
        String refusal = state.networks().refusal(spec);
        if (refusal != null) {
            throw state.networks().holdsName(spec.name()) ? ApiException.conflict(refusal) : ApiException.invalid(refusal);
        }
    }

    private static void refuseRemoval(ClusterState state, Network network) {
        if (network.spec().stack() != null) {
            throw ApiException.conflict("network " + network.name() + " belongs to stack " + network.spec().stack()
                    + ": it is removed with the stack (stack rm " + network.spec().stack() + ")");
        }
        List<String> services = new ArrayList<>();
        for (Service service : state.services()) {
            if (service.spec().task().networkNames().contains(network.name())) {
                services.add(service.spec().name());
            }
        }
        if (!services.isEmpty()) {
            services.sort(null);
            throw ApiException.conflict("network " + network.name() + " is in use by service "
                    + String.join(", ", services) + " (remove those services, or their stacks, first)");
        }
    }

    private static Network find(ClusterState state, String name) {
        return state.networks().get(name).orElseThrow(() -> ApiException.notFound("no such network: " + name));
    }

    private static NetworkInfo info(ClusterState state, Network network) {
        List<NetworkInfo.TaskEndpoint> tasks = new ArrayList<>();
        for (Map.Entry<String, String> held : state.networks().taskAddressesOn(network.name()).entrySet()) {
            Task task = state.task(held.getKey()).orElse(null);
            if (task != null) {
                tasks.add(new NetworkInfo.TaskEndpoint(task.id(), task.displayName(), task.serviceName(), task.nodeId(),
                        held.getValue()));
            }
        }
        return NetworkInfo.of(network, tasks);
    }
}
