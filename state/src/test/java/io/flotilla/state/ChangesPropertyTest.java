package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.VolumeMount;
import java.time.Duration;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.stream.Stream;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random command sequences over a small cluster (three services, six tasks, three nodes, a
 * local volume, registrations, the cluster config), the change set of every command names exactly
 * what differs between the states before and after it: a differ over the tables, not over the
 * command. And the stamps the dispatcher reads move for every node whose set differs, and each
 * node's tasks, as the state's index keeps them, are its tasks as they are now.
 */
class ChangesPropertyTest {
    private static final List<String> SERVICES = List.of("s1", "s2", "s3");
    private static final List<String> TASKS = List.of("t1", "t2", "t3", "t4", "t5", "t6");
    private static final List<String> NODES = List.of("n1", "n2", "n3");

    @Property(tries = 300, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void theChangeSetNamesEveryDifferenceAndNothingElse(@ForAll("sequences") List<Command> commands) {
        ClusterState state = ClusterState.EMPTY;
        long index = 0;
        for (Command command : prelude()) {
            state = StateMachine.apply(state, ++index, command);
        }
        Set<String> seen = new java.util.TreeSet<>();
        for (Command command : commands) {
            StateMachine.Applied applied = StateMachine.applyWithChanges(state, ++index, command);
            assertDiffers(state, applied.changes(), applied.state(), command);
            state = applied.state();
            assertNodeIndexHoldsTheTasks(state);
            Changes changes = applied.changes();
            seen.add(changes.volumes().isEmpty() ? "" : "volumes");
            seen.add(changes.nodeStatuses().isEmpty() ? "" : "statuses");
            seen.add(changes.publishedPorts() ? "ports" : "");
            seen.add(changes.registrations().isEmpty() ? "" : "registrations");
        }
        seen.remove("");
        net.jqwik.api.statistics.Statistics.label("what the sequence changed").collect(String.join(" ", seen));
    }

    /** Each node's tasks, as the index keeps them (the tasks themselves), are the tasks assigned to it, as they are now. */
    private static void assertNodeIndexHoldsTheTasks(ClusterState state) {
        for (String node : NODES) {
            assertThat(state.tasksOfNode(node)).as("tasks of node %s", node)
                    .containsExactlyInAnyOrderElementsOf(state.tasks().stream().filter(t -> node.equals(t.nodeId())).toList());
        }
    }

    /** What a node's session says of the CA in {@code state}: the root, the rotation's root, whether the node is counted. */
    private static List<Object> caOf(ClusterState state, String nodeId) {
        io.flotilla.model.ClusterConfig config = state.cluster();
        io.flotilla.model.CaRotation rotation = config == null ? null : config.caRotation();
        return java.util.Arrays.asList(config == null ? null : config.caRoot(), rotation == null ? null : rotation.rootDigest(),
                rotation != null && rotation.renewed().contains(nodeId));
    }

    /** The differ: every id of every table, before and after, compared. */
    static void assertDiffers(ClusterState before, Changes changes, ClusterState after, Command command) {
        String as = command.getClass().getSimpleName();
        assertThat(changes.services()).as(as + ": services").isEqualTo(differing(
                ids(before.services(), after.services(), Service::id), before::service, after::service));
        Set<String> tasks = differing(ids(before.tasks(), after.tasks(), Task::id), before::task, after::task);
        assertThat(changes.tasks()).as(as + ": tasks").isEqualTo(tasks);
        assertThat(changes.nodes()).as(as + ": nodes").isEqualTo(differing(
                ids(before.nodes(), after.nodes(), Node::id), before::node, after::node));
        assertThat(changes.registrations()).as(as + ": registrations").isEqualTo(differing(
                ids(before.registrations().all(), after.registrations().all(), Registration::id),
                before.registrations()::get, after.registrations()::get));
        assertThat(changes.volumes()).as(as + ": volumes").isEqualTo(differing(
                ids(before.volumes(), after.volumes(), io.flotilla.model.Volume::name), before::volume, after::volume));
        assertThat(changes.cluster()).as(as + ": cluster").isEqualTo(!Objects.equals(before.cluster(), after.cluster()));

        Map<String, Set<Object>> slots = new HashMap<>();
        Set<String> nodeSets = new HashSet<>();
        for (String id : tasks) {
            Stream.of(before.task(id), after.task(id)).flatMap(Optional::stream).forEach(task -> {
                slots.computeIfAbsent(task.serviceId(), s -> new HashSet<>()).add(ClusterState.slotKey(task));
                if (task.nodeId() != null) {
                    nodeSets.add(task.nodeId());
                }
            });
        }
        assertThat(changes.slots()).as(as + ": slots").isEqualTo(slots);
        Set<String> named = new HashSet<>(changes.nodeTasks());
        named.addAll(changes.nodeStatuses());
        assertThat(named).as(as + ": nodes whose set changed").isEqualTo(nodeSets);
        for (String nodeId : nodeSets) {
            assertThat(after.stamps().nodeSetChangedSince(nodeId, before.index())).as(as + ": stamp of " + nodeId).isTrue();
        }
        boolean ports = false;
        for (Service then : before.services()) {
            ports |= !then.spec().ports().equals(after.service(then.id()).map(s -> s.spec().ports()).orElse(List.of()));
        }
        assertThat(changes.publishedPorts()).as(as + ": published ports").isEqualTo(ports);
        boolean specs = !ids(before.services(), after.services(), Service::id).stream().allMatch(id ->
                before.service(id).map(Service::spec).equals(after.service(id).map(Service::spec)));
        assertThat(changes.serviceSpecs()).as(as + ": service specs").isEqualTo(specs);
        for (String nodeId : NODES) {
            boolean session = specs || changes.nodes().contains(nodeId) || !caOf(before, nodeId).equals(caOf(after, nodeId));
            assertThat(after.stamps().nodeSessionChangedSince(nodeId, before.index())).as(as + ": session of " + nodeId)
                    .isEqualTo(session);
        }
        for (String nodeId : ports ? NODES : List.<String>of()) {
            assertThat(after.stamps().nodeTasksChangedSince(nodeId, before.index())).as(as + ": ports go into every set").isTrue();
        }
        if (!changes.isEmpty()) {
            return;
        }
        for (String nodeId : NODES) {
            assertThat(after.stamps().nodeSetChangedSince(nodeId, before.index())).as(as + ": nothing changed").isFalse();
            assertThat(after.stamps().nodeSessionChangedSince(nodeId, before.index())).as(as + ": no session change").isFalse();
        }
    }

    private static <T> Set<String> ids(java.util.Collection<T> before, java.util.Collection<T> after, Function<T, String> id) {
        Set<String> ids = new HashSet<>();
        before.forEach(item -> ids.add(id.apply(item)));
        after.forEach(item -> ids.add(id.apply(item)));
        return ids;
    }

    private static Set<String> differing(Set<String> ids, Function<String, Optional<?>> before,
                                         Function<String, Optional<?>> after) {
        Set<String> differing = new HashSet<>();
        for (String id : ids) {
            if (!before.apply(id).equals(after.apply(id))) {
                differing.add(id);
            }
        }
        return differing;
    }

    // ---- the commands: a small cluster, so that they often meet ----

    /** Every sequence starts on three services, each with two tasks, and three nodes. */
    static List<Command> prelude() {
        List<Command> prelude = new java.util.ArrayList<>(List.of(
                new Command.DeployStack("shop", List.of(spec("s1", 0, 2), spec("s2", 2, 2)),
                        Map.of("shop_s1", "s1", "shop_s2", "s2"), T0),
                new Command.CreateService("s3", spec("s3", 0, 2), T0)));
        NODES.forEach(id -> prelude.add(new Command.UpsertNode(node(id, NodeState.READY, "127.0.0.1"))));
        for (String id : TASKS) {
            prelude.add(new Command.CreateTasks(List.of(task(id, TASKS.indexOf(id) % 2 + 1))));
        }
        return prelude;
    }

    @Provide
    Arbitrary<List<Command>> sequences() {
        return Arbitraries.frequencyOf(net.jqwik.api.Tuple.of(3, command()), net.jqwik.api.Tuple.of(1, assign()),
                net.jqwik.api.Tuple.of(2, statuses())).list().ofMinSize(1).ofMaxSize(40);
    }

    private static Arbitrary<Command> command() {
        return Arbitraries.oneOf(List.of(deploy(), createTasks(), assign(), upsertNode(), statuses(),
                Arbitraries.of(SERVICES).map(id -> new Command.RemoveService(id, T0)),
                Arbitraries.of("shop", "other").map(stack -> new Command.RemoveStack(stack, T0)),
                Combinators.combine(Arbitraries.integers().between(0, 1), Arbitraries.integers().between(1, 3))
                        .as((variant, replicas) -> new Command.CreateService("s3", spec("s3", variant, replicas), T0)),
                Combinators.combine(Arbitraries.of(SERVICES), Arbitraries.integers().between(0, 3), Arbitraries.of(true, false))
                        .as((id, variant, force) -> new Command.UpdateService(id, spec(id, variant, 2), T0, force)),
                Combinators.combine(Arbitraries.of(SERVICES), Arbitraries.integers().between(1, 4))
                        .as((id, replicas) -> new Command.ScaleService(id, replicas, T0)),
                Combinators.combine(Arbitraries.of(SERVICES), Arbitraries.longs().between(1, 3))
                        .as((id, version) -> new Command.RollbackService(id, version, T0, "failed")),
                Combinators.combine(Arbitraries.of(SERVICES), Arbitraries.longs().between(1, 3))
                        .as((id, version) -> new Command.UpdateServiceStatus(id, version, ServiceUpdateStatus.updating(T0))),
                Arbitraries.of(SERVICES).map(id -> new Command.RebalanceService(id, T0)),
                Arbitraries.of(SERVICES).map(id -> new Command.RebalanceDone(id, T0)),
                Combinators.combine(Arbitraries.of(TASKS), Arbitraries.of(TaskState.RUNNING, TaskState.SHUTDOWN))
                        .as(Command.DesiredStateChange::new).list().ofMaxSize(3)
                        .map(changes -> new Command.SetDesiredStates(changes, T0)),
                Arbitraries.of(TASKS).list().ofMaxSize(3).map(Command.DeleteTasks::new),
                upsertNode().list().ofMaxSize(3).map(list -> new Command.UpsertNodes(list.stream().map(c -> c.node()).toList())),
                Combinators.combine(Arbitraries.of(NODES), Arbitraries.of(NodeState.READY, NodeState.DOWN))
                        .as((id, state) -> new Command.NodeStateChange(id, state, "verdict")).list().ofMaxSize(3)
                        .map(changes -> new Command.SetNodeStates(changes, T0)),
                Combinators.combine(Arbitraries.of(NODES), Arbitraries.of(NodeAvailability.values()))
                        .as((id, availability) -> new Command.UpdateNodeSpec(id, new NodeSpec(null, availability, Map.of()))),
                Combinators.combine(Arbitraries.of(NODES), Arbitraries.of(NodeAvailability.values()))
                        .as((id, availability) -> new Command.PatchNodeSpec(id, new io.flotilla.model.NodeSpecPatch(null,
                                availability, Map.of("k", "v"), List.of()), T0)),
                Arbitraries.of(NODES).map(Command.RemoveNode::new),
                Arbitraries.of("wt1", "wt2").map(token -> new Command.SetClusterConfig(new ClusterConfig("c1", token, "mt"))),
                Arbitraries.of("d1", "d2").map(digest -> new Command.StartCaRotation(new io.flotilla.model.CaRotation(
                        "root-" + digest, "key", "cross", "previous", digest, null, T0))),
                Combinators.combine(Arbitraries.of(NODES), Arbitraries.of("d1", "d2"))
                        .as(Command.CaCertificateIssued::new),
                registration().list().ofMaxSize(3).map(Command.RegisterEndpoints::new),
                Arbitraries.of("r1", "r2", "r3").list().ofMaxSize(2)
                        .map(ids -> new Command.DeregisterEndpoints(ids, "expired", T0)),
                Arbitraries.of("shop_data", "nope").list().ofMaxSize(2).map(names -> new Command.RemoveVolumes(names, T0))));
    }

    private static Arbitrary<Command> deploy() {
        return Combinators.combine(Arbitraries.integers().between(0, 3), Arbitraries.integers().between(0, 3),
                Arbitraries.integers().between(0, 3)).as((which, variant, replicas) -> {
                    List<ServiceSpec> specs = Stream.of("s1", "s2").filter(id -> (which & (id.equals("s1") ? 1 : 2)) != 0)
                            .map(id -> spec(id, variant, replicas)).toList();
                    return new Command.DeployStack("shop", specs, Map.of("shop_s1", "s1", "shop_s2", "s2"), T0);
                });
    }

    private static Arbitrary<Command> createTasks() {
        return Combinators.combine(Arbitraries.of(TASKS), Arbitraries.integers().between(1, 3))
                .as(ChangesPropertyTest::task).list().ofMinSize(1).ofMaxSize(3).uniqueElements(Task::id)
                .map(Command.CreateTasks::new);
    }

    /** Task {@code id} (t1, t2 of s1; t3, t4 of s2; t5, t6 of s3) in {@code slot}, new. */
    private static Task task(String id, int slot) {
        String serviceId = SERVICES.get(TASKS.indexOf(id) / 2);
        return new Task(id, serviceId, name(serviceId), slot, 1, null, TaskState.RUNNING,
                TaskStatus.of(TaskState.NEW, T0, "new"), spec(serviceId, 0, 1).task(), T0, null, 0, TaskAllocation.NONE);
    }

    private static Node node(String id, NodeState state, String address) {
        return new Node(id, new NodeSpec(null, null, Map.of()), new NodeStatus(state, id, address, null, Set.of("process"), T0, null));
    }

    private static Arbitrary<Command> assign() {
        return Combinators.combine(Arbitraries.of(TASKS), Arbitraries.of(NODES))
                .as((task, node) -> new Command.Assignment(task, node)).list().ofMaxSize(3)
                .map(assignments -> new Command.AssignTasks(assignments, T0));
    }

    private static Arbitrary<Command> statuses() {
        return Combinators.combine(Arbitraries.of(TASKS), Arbitraries.of(TaskState.class), Arbitraries.integers().between(0, 5))
                .as((task, state, second) -> new Command.TaskStatusUpdate(task,
                        TaskStatus.of(state, T0.plusSeconds(second), "report")))
                .list().ofMaxSize(3).flatMap(updates -> Arbitraries.of("n1", "n2", "n3", "any")
                        .map(reporter -> new Command.UpdateTaskStatuses(reporter.equals("any") ? null : reporter, updates)));
    }

    private static Arbitrary<Command.UpsertNode> upsertNode() {
        return Combinators.combine(Arbitraries.of(NODES), Arbitraries.of(NodeState.READY, NodeState.DOWN),
                Arbitraries.of("127.0.0.1", "127.0.0.2")).as((id, state, address) -> new Command.UpsertNode(node(id, state, address)));
    }

    private static Arbitrary<Registration> registration() {
        return Combinators.combine(Arbitraries.of("r1", "r2", "r3", "t1"), Arbitraries.of("ext_a", "ext_b"),
                Arbitraries.of("worker:w1", "worker:w2")).as((id, service, owner) -> new Registration(id, service, null,
                        "10.0.0.1", Map.of("http", 80), List.of(), Map.of(), Duration.ofSeconds(30), T0, owner));
    }

    private static String name(String serviceId) {
        return serviceId.equals("s3") ? "other_s3" : "shop_" + serviceId;
    }

    /**
     * Service {@code id}'s spec, in one of four variants: the base (s1 with a local volume), another
     * image, published ports, other labels.
     */
    private static ServiceSpec spec(String id, int variant, int replicas) {
        VolumeMount[] volumes = id.equals("s1") ? new VolumeMount[] {new VolumeMount("volume", "shop_data", "/data", false)}
                : new VolumeMount[0];
        ServiceSpec base = new ServiceSpec(name(id), id.equals("s3") ? "other" : "shop", null, replicas,
                VolumeStateTest.template(volumes), List.of(), List.of(), Map.of(), null, null);
        return switch (variant) {
            case 1 -> base.withTask(base.task().withImage("busybox"));
            case 2 -> base.withPorts(List.of(new PortSpec("http", 80, 8080, "tcp", PortSpec.INGRESS, null)));
            case 3 -> base.withLabels(Map.of("tier", "web"));
            default -> base;
        };
    }
}
