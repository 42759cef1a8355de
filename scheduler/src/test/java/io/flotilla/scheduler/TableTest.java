package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Resources;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Table tests: one record per row. */
class TableTest {
    private static final Instant T0 = ClusterSimulation.T0;
    private static final Node NODE = new Node("node-1", new NodeSpec(NodeRole.MANAGER, NodeAvailability.ACTIVE,
            Map.of("zone", "a", "ssd", "true")), new NodeStatus(NodeState.READY, "alpha", "10.0.0.1",
            new Resources(2_000_000_000L, 1L << 30, 0), Set.of("process"), T0, null));

    record ConstraintRow(String constraint, boolean valid, boolean matches) {}

    static Stream<ConstraintRow> constraints() {
        return Stream.of(
                new ConstraintRow("node.id==node-1", true, true),
                new ConstraintRow("node.id!=node-1", true, false),
                new ConstraintRow("node.hostname==ALPHA", true, true),
                new ConstraintRow(" node.hostname != beta ", true, true),
                new ConstraintRow("node.role==manager", true, true),
                new ConstraintRow("node.role==worker", true, false),
                new ConstraintRow("node.labels.zone==a", true, true),
                new ConstraintRow("node.labels.zone!=a", true, false),
                new ConstraintRow("node.labels.rack==r1", true, false),
                new ConstraintRow("node.labels.rack!=r1", true, true),
                new ConstraintRow("node.labels.ssd==true", true, true),
                new ConstraintRow("engine.labels.x==y", false, false),
                new ConstraintRow("node.role=manager", false, false),
                new ConstraintRow("node.labels.==a", false, false),
                new ConstraintRow("node.role==", false, false));
    }

    @ParameterizedTest
    @MethodSource("constraints")
    void constraintParsingAndMatching(ConstraintRow row) {
        Constraint constraint = Constraint.parse(row.constraint());
        assertThat(constraint.valid()).as(String.valueOf(constraint.problem())).isEqualTo(row.valid());
        assertThat(constraint.matches(NODE)).isEqualTo(row.matches());
    }

    record BackoffRow(int restartCount, Duration delay, Duration expected) {}

    static Stream<BackoffRow> backoffs() {
        Duration five = Duration.ofSeconds(5);
        return Stream.of(
                new BackoffRow(1, five, Duration.ZERO),
                new BackoffRow(2, five, five),
                new BackoffRow(3, five, Duration.ofSeconds(10)),
                new BackoffRow(4, five, Duration.ofSeconds(20)),
                new BackoffRow(10, five, RestartPolicy.MAX_BACKOFF),
                new BackoffRow(1_000_000, five, RestartPolicy.MAX_BACKOFF),
                new BackoffRow(5, Duration.ZERO, Duration.ZERO),
                new BackoffRow(2, Duration.ofMinutes(10), RestartPolicy.MAX_BACKOFF));
    }

    @ParameterizedTest
    @MethodSource("backoffs")
    void backoffDoublesFromTheSecondRestartAndIsCapped(BackoffRow row) {
        assertThat(RestartSupervisor.backoff(row.restartCount(), row.delay())).isEqualTo(row.expected());
    }

    record RestartRow(String condition, TaskState ended, Integer exitCode, int restartCount, Integer maxAttempts,
                      Duration ran, boolean restart, int newCount, Duration backoff) {}

    static Stream<RestartRow> restarts() {
        Duration brief = Duration.ofSeconds(1);
        Duration five = Duration.ofSeconds(5);
        return Stream.of(
                new RestartRow("any", TaskState.COMPLETE, 0, 0, null, brief, true, 1, Duration.ZERO),
                new RestartRow("any", TaskState.FAILED, 1, 1, null, brief, true, 2, five),
                new RestartRow("any", TaskState.FAILED, 1, 2, null, brief, true, 3, Duration.ofSeconds(10)),
                new RestartRow("on-failure", TaskState.COMPLETE, 0, 0, null, brief, false, 0, null),
                new RestartRow("on-failure", TaskState.COMPLETE, 2, 0, null, brief, true, 1, Duration.ZERO),
                new RestartRow("on-failure", TaskState.REJECTED, null, 0, null, brief, true, 1, Duration.ZERO),
                new RestartRow("none", TaskState.FAILED, 1, 0, null, brief, false, 0, null),
                new RestartRow("none", TaskState.ORPHANED, null, 3, null, brief, true, 3, Duration.ZERO),
                new RestartRow("none", TaskState.SHUTDOWN, null, 0, null, brief, true, 0, Duration.ZERO),
                new RestartRow("any", TaskState.FAILED, 1, 3, 3, brief, false, 0, null),
                new RestartRow("any", TaskState.FAILED, 1, 2, 3, brief, true, 3, Duration.ofSeconds(10)),
                new RestartRow("any", TaskState.FAILED, 1, 3, 3, Duration.ofSeconds(11), true, 1, Duration.ZERO),
                new RestartRow("any", TaskState.FAILED, 1, 3, 0, brief, true, 4, Duration.ofSeconds(20)));
    }

    @ParameterizedTest
    @MethodSource("restarts")
    void restartDecisions(RestartRow row) {
        ServiceSpec spec = Specs.restart(Specs.replicated("web", 1), row.condition(), Duration.ofSeconds(5),
                row.maxAttempts(), null);
        Instant ended = T0.plus(row.ran());
        Task task = new Task("t1", "s1", "web", 1, 1, "n1", TaskState.RUNNING,
                new TaskStatus(row.ended(), ended, "x", null, row.exitCode(), null, null, Map.of(), null), spec.task(),
                T0, null, row.restartCount(), TaskAllocation.NONE);
        Instant now = ended.plusSeconds(1);
        RestartDecision decision = RestartSupervisor.decide(task, now);
        assertThat(decision.restart()).as(decision.reason()).isEqualTo(row.restart());
        if (row.restart()) {
            assertThat(decision.restartCount()).isEqualTo(row.newCount());
            assertThat(decision.notBefore()).isEqualTo(row.backoff().isZero() ? null : now.plus(row.backoff()));
        }
    }

    record FilterRow(PlacementFilter filter, ServiceSpec spec, NodeStatus status, NodeAvailability availability,
                     boolean passes, String explanation) {}

    static Stream<FilterRow> filters() {
        ServiceSpec plain = Specs.replicated("web", 1);
        NodeStatus ready = NODE.status();
        NodeStatus down = ready.withState(NodeState.DOWN, T0, "lost");
        NodeStatus noDrivers = new NodeStatus(NodeState.READY, "alpha", "a", Resources.NONE, Set.of(), T0, null);
        NodeStatus unmeasured = new NodeStatus(NodeState.READY, "alpha", "a", Resources.NONE, Set.of("process"), T0, null);
        ServiceSpec docker = plain.withTask(plain.task().withImage("nginx"));
        docker = docker.withTask(new io.flotilla.model.TaskTemplate("docker", "nginx", List.of(), null, null, null,
                null, null, null, null, null, null, null, null, null, null, false, false, null, null, null, null, null, null));
        ServiceSpec bigMemory = Specs.reserve(plain, new Resources(0, 2L << 30, 0));
        ServiceSpec bigCpu = Specs.reserve(plain, new Resources(3_000_000_000L, 0, 0));
        return Stream.of(
                new FilterRow(new PlacementFilter.NodeAvailable(), plain, ready, NodeAvailability.ACTIVE, true, "1 node not available"),
                new FilterRow(new PlacementFilter.NodeAvailable(), plain, down, NodeAvailability.ACTIVE, false, "1 node not available"),
                new FilterRow(new PlacementFilter.NodeAvailable(), plain, ready, NodeAvailability.PAUSE, false, "1 node not available"),
                new FilterRow(new PlacementFilter.NodeAvailable(), plain, ready, NodeAvailability.DRAIN, false, "1 node not available"),
                new FilterRow(new PlacementFilter.DriverAvailable(), plain, noDrivers, NodeAvailability.ACTIVE, true, "driver not available on 1 node"),
                new FilterRow(new PlacementFilter.DriverAvailable(), docker, noDrivers, NodeAvailability.ACTIVE, false, "driver not available on 1 node"),
                new FilterRow(new PlacementFilter.DriverAvailable(), docker, ready, NodeAvailability.ACTIVE, false, "driver not available on 1 node"),
                new FilterRow(new PlacementFilter.ConstraintsMatch(), Specs.placement(plain, List.of("node.labels.zone==b"), List.of(), null),
                        ready, NodeAvailability.ACTIVE, false, "scheduling constraints not satisfied on 1 node"),
                new FilterRow(new PlacementFilter.EnoughMemory(), bigMemory, ready, NodeAvailability.ACTIVE, false, "insufficient memory on 1 node"),
                new FilterRow(new PlacementFilter.EnoughMemory(), bigMemory, unmeasured, NodeAvailability.ACTIVE, true, "insufficient memory on 1 node"),
                new FilterRow(new PlacementFilter.EnoughCpu(), bigCpu, ready, NodeAvailability.ACTIVE, false, "insufficient cpu on 1 node"),
                new FilterRow(new PlacementFilter.EnoughCpu(), plain, ready, NodeAvailability.ACTIVE, true, "insufficient cpu on 1 node"));
    }

    @ParameterizedTest
    @MethodSource("filters")
    void filtersCheckAndExplain(FilterRow row) {
        Node node = new Node("node-1", new NodeSpec(NodeRole.WORKER, row.availability(), NODE.spec().labels()), row.status());
        PlacementRequest request = PlacementRequest.of("s1", row.spec(), row.spec().task());
        assertThat(row.filter().check(request, new NodeUsage(node))).isEqualTo(row.passes());
        assertThat(row.filter().explain(1)).isEqualTo(row.explanation());
    }

    record ReasonRow(List<Integer> failingFilters, String reason) {}

    static Stream<ReasonRow> reasons() {
        return Stream.of(
                new ReasonRow(List.of(), "no suitable node (no nodes in the cluster)"),
                new ReasonRow(List.of(6), "no suitable node (insufficient memory on 1 node)"),
                new ReasonRow(List.of(6, 0), "no suitable node (1 node not available; insufficient memory on 1 node)"),
                new ReasonRow(List.of(2, 2, 4), "no suitable node (scheduling constraints not satisfied on 2 nodes; "
                        + "host-mode port already in use on 1 node)"),
                new ReasonRow(List.of(1), "no suitable node (the docker driver is not available on 1 node)"));
    }

    @ParameterizedTest
    @MethodSource("reasons")
    void pendingReasonsAreStableSwarmKitStyleTexts(ReasonRow row) {
        PlacementFailures failures = new PlacementFailures();
        row.failingFilters().forEach(failures::count);
        PlacementRequest dockerTask = new PlacementRequest("s1", "web", "docker", List.of(),
                io.flotilla.model.Resources.NONE, null, java.util.Set.of(), List.of());
        assertThat(failures.reason(dockerTask)).isEqualTo(row.reason());
    }

    record EnvRow(String shortName, String prefix) {}

    static Stream<EnvRow> envPrefixes() {
        return Stream.of(new EnvRow("db", "DB"), new EnvRow("shop-db.v2", "SHOP_DB_V2"), new EnvRow("Cache_1", "CACHE_1"));
    }

    @ParameterizedTest
    @MethodSource("envPrefixes")
    void dependencyEnvironmentPrefix(EnvRow row) {
        assertThat(Dependencies.envPrefix(row.shortName())).isEqualTo(row.prefix());
    }
}
