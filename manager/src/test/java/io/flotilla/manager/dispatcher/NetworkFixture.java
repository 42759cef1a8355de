package io.flotilla.manager.dispatcher;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Two stacks with overlay networks, built through apply as the log would: {@code shop} with
 * {@code shop_front} and {@code shop_back}, {@code blog} with {@code blog_default}, and three ready
 * nodes. Services of shop: {@code web} (front, port 80), {@code api} (front and back, alias
 * {@code backend} on back, port 8080), {@code db} (back, dnsrr, stateful), {@code worker} (back, no
 * ports), {@code cache} (back, a health check); of blog: {@code web}.
 */
final class NetworkFixture {
    static final Instant T0 = Instant.parse("2026-12-01T00:00:00Z");
    static final String FRONT = "shop_front";
    static final String BACK = "shop_back";
    static final String BLOG = "blog_default";

    private ClusterState state = ClusterState.EMPTY;
    private long index;

    NetworkFixture() {
        for (String id : List.of("n1", "n2", "n3")) {
            apply(new Command.UpsertNode(node(id)));
        }
        deploy("shop", List.of(net(FRONT, "shop"), net(BACK, "shop")),
                service("shop", "web", ServiceSpec.VIP, List.of(80), Map.of(), null, new NetworkAttachment(FRONT)),
                service("shop", "api", ServiceSpec.VIP, List.of(8080), Map.of(), null, new NetworkAttachment(FRONT),
                        new NetworkAttachment(BACK, List.of("backend"))),
                service("shop", "db", ServiceSpec.DNSRR, List.of(5432), Map.of(ServiceSpec.STATEFUL_LABEL, "true"), null,
                        new NetworkAttachment(BACK)),
                service("shop", "worker", ServiceSpec.VIP, List.of(), Map.of(), null, new NetworkAttachment(BACK)),
                service("shop", "cache", ServiceSpec.VIP, List.of(6379), Map.of(),
                        new HealthcheckSpec(List.of("CMD", "true"), Duration.ofSeconds(1), Duration.ofSeconds(1), 3,
                                Duration.ZERO, Duration.ZERO), new NetworkAttachment(BACK)));
        deploy("blog", List.of(net(BLOG, "blog")),
                service("blog", "web", ServiceSpec.VIP, List.of(80), Map.of(), null, new NetworkAttachment(BLOG)));
    }

    /** A ready node whose underlay address is {@code 127.0.0.1<n>} (data only: nothing is sent to it). */
    static Node node(String id) {
        Node plain = TestManagers.node(id);
        return new Node(id, new NodeSpec(null, null, null), new NodeStatus(NodeState.READY, plain.status().hostname(),
                "127.0.0.1" + id.substring(1), Resources.NONE, Set.of("process"), T0, null));
    }

    static NetworkSpec net(String name, String stack) {
        return new NetworkSpec(name, stack, false, false, Map.of(), null, null);
    }

    static ServiceSpec service(String stack, String name, String endpointMode, List<Integer> ports,
                               Map<String, String> labels, HealthcheckSpec healthcheck, NetworkAttachment... networks) {
        ServiceSpec plain = TestManagers.service(stack, name, 1);
        List<PortSpec> portSpecs = new ArrayList<>();
        ports.forEach(port -> portSpecs.add(new PortSpec("p" + port, port, null, null, null)));
        var task = plain.task().withNetworks(List.of(networks), null);
        if (healthcheck != null) {
            task = task.withHealthcheck(healthcheck);
        }
        return new ServiceSpec(plain.name(), stack, plain.mode(), 1, task, portSpecs, List.of(), labels, null, null,
                endpointMode);
    }

    void deploy(String stack, List<NetworkSpec> networks, ServiceSpec... services) {
        Map<String, String> ids = new HashMap<>();
        for (ServiceSpec spec : services) {
            ids.put(spec.name(), spec.name());
        }
        Map<String, String> networkIds = new HashMap<>();
        networks.forEach(n -> networkIds.put(n.name(), "id-" + n.name()));
        apply(new Command.DeployStack(stack, List.of(services), ids, T0, networks, List.of(), networkIds));
    }

    ClusterState apply(Command command) {
        state = StateMachine.apply(state, ++index, command);
        return state;
    }

    ClusterState state() {
        return state;
    }

    /** Task {@code taskId} of service {@code serviceName} (its id) made, in slot {@code slot}, and assigned to {@code nodeId}. */
    NetworkFixture task(String taskId, String serviceName, int slot, String nodeId) {
        Service service = state.service(serviceName).orElseThrow();
        apply(new Command.CreateTasks(List.of(TestManagers.newTask(taskId, service, slot, T0))));
        apply(new Command.AssignTasks(List.of(new Command.Assignment(taskId, nodeId, null)), T0));
        return this;
    }

    /** Task {@code taskId} reported in {@code taskState} by its node, with {@code health} (null: none). */
    NetworkFixture status(String taskId, TaskState taskState, String health) {
        String nodeId = state.task(taskId).orElseThrow().nodeId();
        TaskStatus status = new TaskStatus(taskState, T0.plusSeconds(index), taskState.name().toLowerCase(), null,
                null, null, null, Map.of(), health);
        apply(new Command.UpdateTaskStatuses(nodeId, List.of(new Command.TaskStatusUpdate(taskId, status))));
        return this;
    }

    NetworkFixture running(String... taskIds) {
        for (String taskId : taskIds) {
            status(taskId, TaskState.RUNNING, null);
        }
        return this;
    }
}
