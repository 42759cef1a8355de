package io.flotilla.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Endpoint;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EndpointRegistryTest {

    @Test
    void aTaskIsAnEndpointOnlyWhileRunningHealthyAndOnAReadyNode() {
        Registries r = new Registries(100);
        r.apply(new Command.UpsertNode(new Node("n1", new NodeSpec(null, null, Map.of()),
                new NodeStatus(NodeState.READY, "h", "10.0.0.1", null, Set.of("process"), Registries.T0, null))));
        ServiceSpec spec = ServiceSpec.process("shop_backend", 1, List.of("sleep", "1"));
        spec = new ServiceSpec(spec.name(), "shop", null, 1, spec.task().withHealthcheck(
                new HealthcheckSpec(List.of("CMD", "true"), Duration.ofSeconds(1), null, 3, null, null)),
                List.of(new PortSpec("http", 8080, null, null, null)), List.of(), Map.of("zone", "a"), null, null);
        r.apply(new Command.CreateService("s1", spec, Registries.T0));
        Task task = new Task("t1", "s1", "shop_backend", 1, 1, null, TaskState.RUNNING,
                TaskStatus.of(TaskState.PENDING, Registries.T0, "pending"), spec.task(), Registries.T0, null, 0, TaskAllocation.NONE);
        r.apply(new Command.CreateTasks(List.of(task)));
        r.apply(new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), Registries.T0));
        TaskStatus running = new TaskStatus(TaskState.RUNNING, Registries.T0.plusSeconds(1), "started", null, null, 42L,
                null, Map.of("http", 31000), "starting");
        r.apply(new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1", running))));
        assertThat(r.registry.endpoints("shop_backend")).as("running but still starting").isEmpty();

        r.apply(healthUpdate(running, "healthy", 2));
        assertThat(r.registry.endpoints("shop_backend")).singleElement().satisfies(e -> {
            assertThat(e.address()).isEqualTo("10.0.0.1");
            assertThat(e.ports()).containsEntry("http", 31000);
            assertThat(e.tags()).containsExactly("zone=a");
            assertThat(e.stack()).isEqualTo("shop");
            assertThat(e.nodeId()).isEqualTo("n1");
        });

        r.apply(healthUpdate(running, "unhealthy", 3));
        assertThat(r.registry.endpoints("shop_backend")).as("failed healthcheck").isEmpty();
        r.apply(healthUpdate(running, "healthy", 4));
        assertThat(r.registry.endpoints("shop_backend")).hasSize(1);

        r.apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("n1", NodeState.DOWN, "silent")),
                Registries.T0));
        assertThat(r.registry.endpoints("shop_backend")).as("node down").isEmpty();
        r.apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("n1", NodeState.READY, "back")),
                Registries.T0));
        assertThat(r.registry.endpoints("shop_backend")).hasSize(1);

        r.apply(new Command.SetDesiredStates(List.of(new Command.DesiredStateChange("t1", TaskState.SHUTDOWN)),
                Registries.T0));
        assertThat(r.registry.endpoints("shop_backend")).as("asked to stop").isEmpty();
        assertThat(r.registry.knows("shop_backend")).isTrue();
    }

    private static Command healthUpdate(TaskStatus running, String health, int second) {
        TaskStatus status = new TaskStatus(TaskState.RUNNING, Registries.T0.plusSeconds(second), "started", null, null,
                42L, null, running.hostPorts(), health);
        return new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1", status)));
    }

    @Test
    void registrationsComeAndGoWithChangesAtTheirIndexes() {
        Registries r = new Registries(100);
        List<EndpointChange> seen = new ArrayList<>();
        r.registry.subscribe("pay", -1, start -> assertThat(start.snapshot()).isEmpty(), seen::add);
        r.register(Registries.registration("a", "pay", "10.0.0.1", 80));
        r.register(Registries.registration("b", "pay", "10.0.0.2", 80), Registries.registration("c", "other", "10.0.0.3", 80));
        r.deregister("a");
        r.deregister("nope");
        assertThat(seen).extracting(EndpointChange::index).containsExactly(1L, 2L, 3L);
        assertThat(seen.get(2).removed()).containsExactly("a");
        assertThat(r.registry.endpoints("pay")).extracting(Endpoint::id).containsExactly("b");
        assertThat(r.registry.services()).containsEntry("pay", 1).containsEntry("other", 1);
        assertThat(r.registry.index()).isEqualTo(4);
    }

    @Test
    void aResumeFromAnIndexBeforeTheHistoryWindowIsAReset() {
        Registries r = new Registries(2);
        for (int i = 0; i < 5; i++) {
            r.register(Registries.registration("e" + i, "pay", "10.0.0." + (i + 1), 80));
        }
        var starts = new ArrayList<EndpointRegistry.Start>();
        r.registry.subscribe("pay", 1, starts::add, change -> { });
        assertThat(starts.getFirst().reset()).isTrue();
        assertThat(starts.getFirst().snapshot()).hasSize(5);
        starts.clear();
        r.registry.subscribe("pay", 3, starts::add, change -> { });
        assertThat(starts.getFirst().reset()).isFalse();
        assertThat(starts.getFirst().changes()).extracting(EndpointChange::index).containsExactly(4L, 5L);
    }

    @Test
    void aResetFromASnapshotTellsSubscribersTheDifference() {
        Registries r = new Registries(10);
        r.register(Registries.registration("a", "pay", "10.0.0.1", 80));
        List<EndpointChange> seen = new ArrayList<>();
        r.registry.subscribe("pay", -1, start -> { }, seen::add);
        Registries other = new Registries(10);
        other.register(Registries.registration("b", "pay", "10.0.0.2", 80));
        other.register(Registries.registration("c", "pay", "10.0.0.3", 80));
        r.registry.reset(other.state);
        assertThat(seen).singleElement().satisfies(change -> {
            assertThat(change.removed()).containsExactly("a");
            assertThat(change.upserted()).extracting(Endpoint::id).containsExactly("b", "c");
        });
        assertThat(r.registry.endpoints("pay")).hasSize(2);
    }
}
