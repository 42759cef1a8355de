package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.ServiceSummary;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateSnapshot;
import java.io.IOException;
import java.io.OutputStream;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;

/**
 * The user-facing endpoints: state, stacks, services, tasks, nodes. Reads answer from the local
 * applied state; writes decide a command, submit it and answer once it is applied (durable in
 * the Raft log).
 */
final class ClusterEndpoints {
    static final Duration DEFAULT_WAIT = Duration.ofSeconds(10);

    private final String nodeId;
    private final ClusterStore store;
    private final InstantSource clock;
    private final Supplier<String> ids;
    private final LogStreamer logs;
    private final Supplier<String> leaderId;
    /** Seals a deploy's own secrets and configs; one without the key refuses a deploy that has some. */
    private volatile io.flotilla.manager.files.FileVault vault = new io.flotilla.manager.files.FileVault(() -> null);

    ClusterEndpoints(String nodeId, ClusterStore store, InstantSource clock, Supplier<String> ids, LogStreamer logs,
                     Supplier<String> leaderId) {
        this.nodeId = nodeId;
        this.store = store;
        this.clock = clock;
        this.ids = ids;
        this.logs = logs;
        this.leaderId = leaderId;
    }

    InfoResponse info() {
        String version = ClusterEndpoints.class.getPackage().getImplementationVersion();
        return new InfoResponse(nodeId, store.state().index(), store.isLeader(), leaderId.get(),
                version == null ? "dev" : version);
    }

    StateSnapshot state(ApiRequest request) throws InterruptedException {
        if (request.param("waitIndex") == null) {
            return withoutTokens(store.state());
        }
        long after = request.longParam("waitIndex", -1);
        return withoutTokens(store.awaitIndex(after, request.waitParam("wait", DEFAULT_WAIT)));
    }

    /** The state as the API shows it: never with the join tokens (see {@code GET /v1/cluster/join-token}). */
    private static StateSnapshot withoutTokens(ClusterState state) {
        StateSnapshot full = StateSnapshot.of(state);
        return new StateSnapshot(full.index(), full.services(), full.tasks(), full.nodes(), null);
    }

    List<StackSummary> stacks() {
        ClusterState state = store.state();
        return state.stacks().stream().map(name -> new StackSummary(name, state.servicesOfStack(name).size())).toList();
    }

    void files(io.flotilla.manager.files.FileVault fileVault) {
        this.vault = fileVault;
    }

    ChangeResult deployStack(ApiRequest request, String name) throws IOException, InterruptedException {
        DeployRequest body = request.body(DeployRequest.class);
        ClusterState before = store.state();
        Command.DeployStack deploy = StackDeployment.plan(before, name, body.stack(), ids, clock.instant());
        List<Command.FileVersion> versions = StackFiles.plan(before, body.stack(), body.files(), vault, ids);
        deploy = new Command.DeployStack(deploy.stack(), deploy.services(), deploy.newServiceIds(), deploy.at(),
                deploy.networks(), deploy.externalNetworks(), deploy.newNetworkIds(), body.stack().files(), versions);
        ClusterState after = Submissions.await(store.submit(deploy));
        StackFiles.requireApplied(after, name, versions);
        vault.retain(StackFiles.ids(after)); // the contents of objects the deploy removed leave the cache
        for (io.flotilla.model.NetworkSpec network : deploy.networks()) {
            if (!after.networks().holdsName(network.name())) { // apply made nothing: the pool ran out, or a race
                throw ApiException.invalid("stack " + name + " not deployed: network " + network.name()
                        + " could not be made (" + java.util.Objects.requireNonNullElse(after.networks().refusal(network),
                        "no free subnet in the cluster's network pool") + ")");
            }
        }
        int created = deploy.newServiceIds().size();
        int removed = (int) before.servicesOfStack(name).stream()
                .filter(s -> after.service(s.id()).isEmpty()).count();
        return new ChangeResult(after.index(), "stack " + name + " deployed: " + created + " created, "
                + (deploy.services().size() - created) + " updated, " + removed + " removed");
    }

    ChangeResult removeStack(String name) throws InterruptedException {
        int services = store.state().servicesOfStack(name).size();
        if (services == 0) {
            throw Absence.stack(store, name);
        }
        ClusterState after = Submissions.await(store.submit(new Command.RemoveStack(name, clock.instant())));
        vault.retain(StackFiles.ids(after));
        return new ChangeResult(after.index(), "stack " + name + " removed: " + services + " services");
    }

    List<ServiceSummary> services(ApiRequest request) {
        return ServiceSummaries.list(store.state(), request.param("stack"));
    }

    ServiceAnswer service(String ref) {
        ClusterState state = store.state();
        return ServiceAnswer.of(state, find(state, ref));
    }

    ChangeResult scale(ApiRequest request, String ref) throws IOException, InterruptedException {
        ScaleRequest body = request.body(ScaleRequest.class);
        Service service = find(store.state(), ref);
        if (body.replicas() == null || body.replicas() < 0) {
            throw ApiException.invalid("replicas must be a number >= 0, got " + body.replicas());
        }
        if (service.spec().mode() == ServiceMode.GLOBAL) {
            throw ApiException.invalid("service " + service.spec().name() + " is global: it cannot be scaled");
        }
        ClusterState after = Submissions.await(store.submit(
                new Command.ScaleService(service.id(), body.replicas(), clock.instant())));
        return new ChangeResult(after.index(), "service " + service.spec().name() + " scaled to " + body.replicas());
    }

    List<TaskAnswer> serviceTasks(String ref) {
        ClusterState state = store.state();
        Service service = find(state, ref);
        return TaskAnswer.of(state, state.tasksOfService(service.id()).stream().sorted(ServiceSummaries.TASK_ORDER).toList());
    }

    /** Streams the service's logs; the response headers are sent by {@code start} before the first byte. */
    void serviceLogs(ApiRequest request, String ref, ResponseStarter start) throws IOException, InterruptedException {
        ClusterState state = store.state();
        Service service = find(state, ref);
        int tail = (int) request.longParam("tail", -1);
        boolean follow = request.booleanParam("follow");
        List<Task> tasks = state.tasksOfService(service.id()).stream()
                .filter(t -> t.nodeId() != null)
                .sorted(ServiceSummaries.TASK_ORDER)
                .toList();
        try (OutputStream out = start.start()) {
            logs.stream(tasks, tail, follow, out);
        }
    }

    List<TaskAnswer> tasks(ApiRequest request) {
        ClusterState state = store.state();
        String stack = request.param("stack");
        String serviceRef = request.param("service");
        List<Task> tasks;
        if (serviceRef != null) {
            tasks = state.tasksOfService(find(state, serviceRef).id());
        } else {
            tasks = List.copyOf(state.tasks());
        }
        if (stack != null) {
            tasks = tasks.stream().filter(t -> state.service(t.serviceId())
                    .map(s -> stack.equals(s.spec().stack()))
                    .orElse(t.serviceName() != null && t.serviceName().startsWith(stack + "_"))).toList();
        }
        return TaskAnswer.of(state, tasks.stream().sorted(ServiceSummaries.TASK_ORDER).toList());
    }

    List<Node> nodes() {
        return store.state().nodes().stream().sorted(Comparator.comparing(Node::id)).toList();
    }

    private static Service find(ClusterState state, String ref) {
        return state.findService(ref).orElseThrow(() -> ApiException.notFound("no such service: " + ref));
    }

    /** Sends a streaming response's headers and hands out its body. */
    @FunctionalInterface
    interface ResponseStarter {
        OutputStream start() throws IOException;
    }
}
