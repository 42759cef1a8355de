package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Resources;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.UpdateConfig;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;

/** Rebalance moves, and the rolling update's capacity property. */
class RebalanceTest {
    private final ClusterSimulation sim = new ClusterSimulation().checkScopedReconcile();

    private Map<String, Integer> perNode(String serviceId) {
        Map<String, Integer> counts = new TreeMap<>();
        sim.running(serviceId).forEach(t -> counts.merge(t.nodeId(), 1, Integer::sum));
        return counts;
    }

    /** Steps with a second passing each time, checking the running count never drops below {@code floor}. */
    private void runFor(String serviceId, int seconds, int floor) {
        for (int i = 0; i < seconds * 2; i++) {
            sim.step();
            assertThat(sim.running(serviceId).size()).as("running during the moves").isGreaterThanOrEqualTo(floor);
            sim.advance(Duration.ofMillis(500));
        }
    }

    @Test
    void rebalanceSpreadsTasksOverNodesThatJoinedWithoutDroppingCapacity() {
        sim.addNode("n1");
        sim.addNode("n2");
        ServiceSpec spec = Specs.update(Specs.replicated("web", 4), 1, Duration.ZERO, "stop-first");
        String id = sim.createService(spec);
        sim.converge();
        assertThat(perNode(id)).isEqualTo(Map.of("n1", 2, "n2", 2));
        sim.addNode("n3");
        sim.addNode("n4");
        runFor(id, 30, 4);
        assertThat(perNode(id)).as("no automatic moves without the label").isEqualTo(Map.of("n1", 2, "n2", 2));

        sim.apply(new Command.RebalanceService(id, sim.now));
        runFor(id, 30, 4);
        assertThat(perNode(id)).isEqualTo(Map.of("n1", 1, "n2", 1, "n3", 1, "n4", 1));
        assertThat(sim.state.service(id).orElseThrow().rebalanceRequestedAt()).as("request cleared").isNull();
        assertThat(sim.orchestrator.reconcile(sim.state, sim.now)).isEmpty();
    }

    @Test
    void rebalanceEvensOutSpreadGroupsFirst() {
        sim.addNode("a1", Map.of("zone", "a"), Resources.NONE);
        sim.addNode("a2", Map.of("zone", "a"), Resources.NONE);
        String id = sim.createService(Specs.placement(Specs.replicated("web", 4), List.of(), List.of("node.labels.zone"), null));
        sim.converge();
        sim.addNode("b1", Map.of("zone", "b"), Resources.NONE);
        sim.apply(new Command.RebalanceService(id, sim.now));
        runFor(id, 30, 4);
        Map<String, Integer> counts = perNode(id);
        assertThat(counts.get("b1")).isEqualTo(2); // zone b gets half, on its only node
        assertThat(counts.getOrDefault("a1", 0) + counts.getOrDefault("a2", 0)).isEqualTo(2);
        assertThat(counts).containsEntry("a1", 1).containsEntry("a2", 1);
    }

    @Test
    void automaticRebalanceWaitsUntilTheNewNodeIsSteady() {
        sim.addNode("n1");
        ServiceSpec spec = Specs.labels(Specs.replicated("web", 2), Map.of(Rebalancer.AUTO_LABEL, "auto"));
        String id = sim.createService(spec);
        sim.converge();
        sim.addNode("n2");
        sim.converge();
        assertThat(perNode(id)).isEqualTo(Map.of("n1", 2)); // the node is READY for less than 10 s
        sim.advance(Rebalancer.DEBOUNCE);
        runFor(id, 5, 2);
        assertThat(perNode(id)).isEqualTo(Map.of("n1", 1, "n2", 1));
    }

    @Test
    void nothingToMoveWhenMaxReplicasPerNodeForbidsIt() {
        sim.addNode("n1");
        sim.addNode("n2");
        String id = sim.createService(Specs.placement(Specs.replicated("web", 3), List.of(), List.of(), 2));
        sim.converge();
        sim.apply(new Command.RebalanceService(id, sim.now));
        sim.converge();
        assertThat(sim.state.service(id).orElseThrow().rebalanceRequestedAt()).isNull();
        assertThat(sim.running(id)).hasSize(3);
    }

    /**
     * A rolling update never lowers the ready count below replicas − parallelism (stop-first) or
     * below replicas (start-first), and completes within a bounded number of steps.
     */
    @Property(tries = 60)
    void rollingUpdatesKeepCapacityAndComplete(@ForAll @IntRange(min = 1, max = 6) int replicas,
                                               @ForAll @IntRange(min = 1, max = 3) int parallelism,
                                               @ForAll boolean startFirst, @ForAll @IntRange(min = 1, max = 4) int nodes) {
        ClusterSimulation sim = new ClusterSimulation();
        for (int i = 1; i <= nodes; i++) {
            sim.addNode("n" + i);
        }
        UpdateConfig config = new UpdateConfig(parallelism, Duration.ofSeconds(1), "pause", Duration.ofSeconds(2), 0,
                startFirst ? "start-first" : "stop-first");
        ServiceSpec spec = Specs.update(Specs.replicated("web", replicas), config);
        String id = sim.createService(spec);
        sim.converge();
        sim.updateService(id, Specs.image(spec, "web:v2"));
        int floor = startFirst ? replicas : Math.max(0, replicas - parallelism);
        int steps = 0;
        while (sim.state.service(id).orElseThrow().updateStatus().state() != ServiceUpdateStatus.State.COMPLETED) {
            assertThat(++steps).as("steps to complete").isLessThan(40 * replicas + 40);
            sim.step();
            long ready = sim.running(id).stream().filter(t -> t.desiredState() == io.flotilla.model.TaskState.RUNNING
                    || ServiceReconciler.isReady(t)).count();
            assertThat(ready).as("ready tasks during the update").isGreaterThanOrEqualTo(floor);
            sim.advance(Duration.ofMillis(500));
        }
        assertThat(sim.running(id)).hasSize(replicas).allMatch((Task t) -> t.serviceVersion() == 2);
    }
}
