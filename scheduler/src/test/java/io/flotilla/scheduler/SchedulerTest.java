package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class SchedulerTest {
    private static final long GB = 1L << 30;
    private final ClusterSimulation sim = new ClusterSimulation();

    @Test
    void spreadsReplicasOverNodesInOneBatch() {
        sim.addNode("n1");
        sim.addNode("n2");
        sim.addNode("n3");
        String id = sim.createService(Specs.replicated("web", 6));
        sim.orchestrator.reconcile(sim.state, sim.now).forEach(sim::apply);
        List<Command> placed = sim.scheduler.place(sim.state, sim.now);
        assertThat(placed).hasSize(1);
        Command.AssignTasks assign = (Command.AssignTasks) placed.getFirst();
        assertThat(assign.assignments()).hasSize(6);
        assertThat(assign.assignments().stream().collect(java.util.stream.Collectors.groupingBy(
                Command.Assignment::nodeId, java.util.stream.Collectors.counting())))
                .containsOnly(Map.entry("n1", 2L), Map.entry("n2", 2L), Map.entry("n3", 2L));
        placed.forEach(sim::apply);
        assertThat(sim.active(id)).allMatch(t -> t.state() == TaskState.ASSIGNED);
    }

    @Test
    void spreadPreferenceBalancesOverLabelValuesFirst() {
        sim.addNode("a1", Map.of("zone", "a"), Resources.NONE);
        sim.addNode("a2", Map.of("zone", "a"), Resources.NONE);
        sim.addNode("b1", Map.of("zone", "b"), Resources.NONE);
        String id = sim.createService(Specs.placement(Specs.replicated("web", 4), List.of(), List.of("node.labels.zone"), null));
        sim.converge();
        Map<String, Long> byZone = sim.running(id).stream().collect(java.util.stream.Collectors.groupingBy(
                t -> sim.state.node(t.nodeId()).orElseThrow().spec().labels().get("zone"),
                java.util.stream.Collectors.counting()));
        assertThat(byZone).containsOnly(Map.entry("a", 2L), Map.entry("b", 2L));
    }

    @Test
    void unplaceableTaskGetsAPendingReasonOnceNotOnEveryTick() {
        sim.addNode("n1", Map.of(), new Resources(4_000_000_000L, 2 * GB, 0));
        sim.addNode("n2", Map.of(), new Resources(4_000_000_000L, 8 * GB, 0));
        sim.setAvailability("n2", io.flotilla.model.NodeAvailability.PAUSE);
        String id = sim.createService(Specs.reserve(Specs.replicated("db", 1), new Resources(0, 4 * GB, 0)));
        sim.converge();
        Task task = sim.activeInSlot(id, 1);
        assertThat(task.state()).isEqualTo(TaskState.PENDING);
        assertThat(task.status().error())
                .isEqualTo("no suitable node (1 node not available; insufficient memory on 1 node)");
        sim.advance(Duration.ofSeconds(30));
        assertThat(sim.scheduler.place(sim.state, sim.now)).isEmpty();
        sim.setAvailability("n2", io.flotilla.model.NodeAvailability.ACTIVE);
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).nodeId()).isEqualTo("n2");
    }

    @Test
    void reservationsAccumulateWithinOnePlaceCall() {
        sim.addNode("n1", Map.of(), new Resources(0, 3 * GB, 0));
        String id = sim.createService(Specs.reserve(Specs.replicated("db", 4), new Resources(0, GB, 0)));
        sim.converge();
        assertThat(sim.running(id)).hasSize(3);
        assertThat(sim.active(id)).filteredOn(t -> t.state() == TaskState.PENDING).singleElement()
                .satisfies(t -> assertThat(t.status().error()).isEqualTo("no suitable node (insufficient memory on 1 node)"));
    }

    @Test
    void maxReplicasPerNodeAndHostPortsLimitTasksPerNode() {
        sim.addNode("n1");
        sim.addNode("n2");
        String capped = sim.createService(Specs.placement(Specs.replicated("capped", 3), List.of(), List.of(), 1));
        String ported = sim.createService(Specs.hostPort(Specs.replicated("ported", 3), 8080));
        sim.converge();
        assertThat(sim.running(capped)).extracting(Task::nodeId).containsExactlyInAnyOrder("n1", "n2");
        assertThat(sim.activeInSlot(capped, 3).status().error())
                .isEqualTo("no suitable node (max replicas per node reached on 2 nodes)");
        assertThat(sim.running(ported)).extracting(Task::nodeId).containsExactlyInAnyOrder("n1", "n2");
        assertThat(sim.activeInSlot(ported, 3).status().error())
                .isEqualTo("no suitable node (host-mode port already in use on 2 nodes)");
    }

    @Test
    void constraintsAndDriversRestrictNodes() {
        sim.addNode("n1", Map.of("zone", "a"), Resources.NONE);
        sim.addNode("n2", Map.of("zone", "b"), Resources.NONE);
        String id = sim.createService(Specs.placement(Specs.replicated("web", 2), List.of("node.labels.zone==a"), List.of(), null));
        sim.converge();
        assertThat(sim.running(id)).extracting(Task::nodeId).containsOnly("n1");
        ServiceSpec wasm = Specs.replicated("wasm", 1);
        String other = sim.createService(wasm.withTask(new io.flotilla.model.TaskTemplate("wasm", null, List.of(), null,
                null, null, null, null, null, null, null, null, null, null, null, null, false, false, null, null, null,
                null, null, null)));
        sim.converge();
        assertThat(sim.activeInSlot(other, 1).status().error()).isEqualTo("no suitable node (the wasm driver is not available on 2 nodes)");
    }

    @Test
    void waitsForDependenciesThenInjectsTheirAddresses() {
        sim.addNode("n1");
        sim.healthOnStart = "starting";
        ServiceSpec backend = Specs.ports(Specs.stacked("shop", "backend", 2), "http", "admin");
        backend = backend.withTask(backend.task().withHealthcheck(new HealthcheckSpec(List.of("CMD", "true"), null, null,
                0, null, null)));
        ServiceSpec web = Specs.dependsOn(Specs.stacked("shop", "web", 2), "backend", DependencySpec.HEALTHY);
        String webId = sim.createService(web);
        sim.converge();
        assertThat(sim.activeInSlot(webId, 1).status().error())
                .isEqualTo("waiting for dependency shop_backend (service not found)");
        String backendId = sim.createService(backend);
        sim.converge();
        assertThat(sim.running(backendId)).hasSize(2);
        assertThat(sim.activeInSlot(webId, 1).status().error())
                .isEqualTo("waiting for dependency shop_backend (no healthy task yet)");
        Task healthy = sim.activeInSlot(backendId, 1);
        sim.apply(new Command.UpdateTaskStatuses(healthy.nodeId(), List.of(new Command.TaskStatusUpdate(healthy.id(),
                new io.flotilla.model.TaskStatus(TaskState.RUNNING, sim.now, "healthy", null, null, 1L, null,
                        healthy.status().hostPorts(), "healthy")))));
        sim.converge();
        Task webTask = sim.activeInSlot(webId, 1);
        assertThat(webTask.state()).isEqualTo(TaskState.RUNNING);
        assertThat(webTask.allocation().fenced()).isFalse();
        assertThat(webTask.allocation().dependencyAddresses()).containsOnly(
                Map.entry("BACKEND_HOST", "10.0.0.1"),
                Map.entry("BACKEND_PORT", healthy.status().hostPorts().get("http").toString()),
                Map.entry("BACKEND_PORT_HTTP", healthy.status().hostPorts().get("http").toString()),
                Map.entry("BACKEND_PORT_ADMIN", healthy.status().hostPorts().get("admin").toString()));
    }

    @Test
    void completedSuccessfullyDependencyWaitsForExitZero() {
        sim.addNode("n1");
        String migrate = sim.createService(Specs.restart(Specs.stacked("shop", "migrate", 1), "none", null, null, null));
        String web = sim.createService(Specs.dependsOn(Specs.stacked("shop", "web", 1), "migrate", DependencySpec.COMPLETED));
        sim.converge();
        assertThat(sim.activeInSlot(web, 1).status().error())
                .isEqualTo("waiting for dependency shop_migrate (no successfully completed task yet)");
        sim.end(sim.activeInSlot(migrate, 1), TaskState.COMPLETE, 0);
        sim.converge();
        assertThat(sim.activeInSlot(web, 1).state()).isEqualTo(TaskState.RUNNING);
        assertThat(sim.activeInSlot(web, 1).allocation()).isEqualTo(TaskAllocation.NONE);
    }
}
