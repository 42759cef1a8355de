package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The dependency check of a node's poll keeps, per node, the services of its tasks while its tasks
 * stamp stays. It must still see what changes the node's dependencies: a new task that requires a
 * service, a service whose {@code depends_on} changed (no task changes), a task that ended.
 */
class DependencyChangesMemoTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final EndpointRegistry registry = new EndpointRegistry();
    private ClusterState state = ClusterState.EMPTY;

    private ClusterState apply(Command command) {
        ClusterState before = state;
        StateMachine.Applied applied = StateMachine.applyWithChanges(state, state.index() + 1, command);
        state = applied.state();
        registry.applied(before, applied.changes(), state);
        return state;
    }

    /** A change of billing_api's endpoints (a self-registration), at a new index. */
    private long billingChanges(int port) {
        apply(new Command.RegisterEndpoints(List.of(new Registration("b1", "billing_api", null, "10.0.0.9",
                Map.of("http", port), List.of(), Map.of(), Duration.ofSeconds(30), T0, null))));
        return state.index();
    }

    @Test
    void seesNewTasksServiceChangesAndEndedTasks() {
        Node node = TestManagers.node("n1");
        apply(new Command.UpsertNode(node));
        apply(new Command.CreateService("web", TestManagers.service("shop", "web", 2), T0));
        Service web = state.service("web").orElseThrow();
        apply(new Command.CreateTasks(List.of(TestManagers.newTask("w1", web, 1, T0))));
        apply(new Command.AssignTasks(List.of(new Command.Assignment("w1", "n1")), T0));
        AssignmentWatch.DependencyChanges changes = TaskDependencies.following(registry);

        long before = state.index();
        billingChanges(80);
        assertThat(changes.changedSince(state, "n1", before)).as("web depends on nothing").isFalse();

        // A task whose template requires billing_api joins the node.
        ServiceSpec apiSpec = TestManagers.service("shop", "api", 1);
        apiSpec = apiSpec.withTask(apiSpec.task().withDiscovery(new DiscoverySpec(List.of("billing_api"),
                new DiscoverySpec.OnDependencyChange.Restart())));
        apply(new Command.CreateService("api", apiSpec, T0));
        apply(new Command.CreateTasks(List.of(TestManagers.newTask("a1", state.service("api").orElseThrow(), 1, T0))));
        apply(new Command.AssignTasks(List.of(new Command.Assignment("a1", "n1")), T0));
        before = state.index();
        assertThat(changes.changedSince(state, "n1", before)).isFalse();
        billingChanges(81);
        assertThat(changes.changedSince(state, "n1", before)).as("a1 requires billing_api").isTrue();

        // a1 ends: billing_api no longer concerns n1.
        apply(new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate("a1",
                TaskStatus.of(TaskState.FAILED, T0.plusSeconds(1), "exited")))));
        before = state.index();
        billingChanges(82);
        assertThat(changes.changedSince(state, "n1", before)).as("a1 ended").isFalse();

        // web's depends_on changes, its tasks do not: the node's stamp stays, the check must still see it.
        ServiceSpec webSpec = state.service("web").orElseThrow().spec();
        apply(new Command.RegisterEndpoints(List.of(new Registration("d1", "shop_db", null, "10.0.0.5",
                Map.of("pg", 5432), List.of(), Map.of(), Duration.ofSeconds(30), T0, null))));
        apply(new Command.UpdateService("web", webSpec.withDependsOn(List.of(new DependencySpec("db", null, true))),
                T0, false));
        before = state.index();
        apply(new Command.RegisterEndpoints(List.of(new Registration("d1", "shop_db", null, "10.0.0.6",
                Map.of("pg", 5432), List.of(), Map.of(), Duration.ofSeconds(30), T0, null))));
        assertThat(changes.changedSince(state, "n1", before)).as("web now depends on shop_db").isTrue();
        assertThat(state.node("n1").orElseThrow().status().state()).isNotEqualTo(NodeState.DOWN);
    }
}
