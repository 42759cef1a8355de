package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeState;
import io.flotilla.model.Resources;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;

/**
 * Deterministic simulation over random seeds (Kafka's RaftEventSimulationTest style): random
 * scale changes, redeploys, node additions, removals, drains, outages, task failures and time
 * steps, with the leader loop running in between. {@link ClusterSimulation#apply} checks after
 * every command that task states only move forward and that no node is oversubscribed; here we
 * check slot uniqueness throughout, and after convergence that exactly the wanted tasks run and
 * that reconcile and place have nothing left to say.
 */
class ReconcilePropertyTest {

    @Property(tries = 150)
    void randomHistoriesConvergeToTheWantedTasks(@ForAll long seed, @ForAll @IntRange(min = 5, max = 40) int events) {
        Random random = new Random(seed);
        // half the histories with a tiny bound on creations per pass: deferred slots must be carried, never lost
        ClusterSimulation sim = new ClusterSimulation(random.nextBoolean() ? 1 + random.nextInt(3)
                : Orchestrator.MAX_CREATES_PER_PASS).checkScopedReconcile();
        List<String> nodes = new ArrayList<>();
        int nodeCounter = 0;
        for (int i = 0; i < 3; i++) {
            nodes.add(sim.addNode("n" + (++nodeCounter), Map.of("zone", "z" + (i % 2)),
                    new Resources(8_000_000_000L, 8L << 30, 0)).id());
        }
        // failure_action continue: random task failures must not pause the updates this property expects to finish
        String web = sim.createService(Specs.update(Specs.reserve(Specs.placement(Specs.replicated("web", 3), List.of(),
                random.nextBoolean() ? List.of("node.labels.zone") : List.of(), null), new Resources(500_000_000L, 1L << 30, 0)),
                new io.flotilla.model.UpdateConfig(1, Duration.ZERO, "continue", null, 0, null)));
        String job = sim.createService(Specs.restart(Specs.replicated("job", 2), RestartPolicy.ON_FAILURE,
                Duration.ofSeconds(2), 3, null));
        String agent = sim.createService(Specs.global("agent"));
        // stateful, per-slot node-local volumes: bound to nodes that go down, drain and disappear
        String db = sim.createService(Specs.update(StatefulPlacementTest.stateful(2, random.nextBoolean()
                ? io.flotilla.model.ServiceSpec.ON_NODE_LOSS_RECREATE : null), 1, Duration.ZERO,
                random.nextBoolean() ? "start-first" : "stop-first"));
        int image = 1;
        for (int event = 0; event < events; event++) {
            switch (random.nextInt(10)) {
                case 0 -> sim.scale(web, random.nextInt(8));
                case 1 -> {
                    String target = random.nextBoolean() ? web : db;
                    sim.updateService(target, Specs.image(sim.state.service(target).orElseThrow().spec(), "v" + (++image)));
                }
                case 2 -> nodes.add(sim.addNode("n" + (++nodeCounter), Map.of("zone", "z" + random.nextInt(3)),
                        new Resources(8_000_000_000L, 8L << 30, 0)).id());
                case 3 -> {
                    if (nodes.size() > 1) {
                        sim.removeNode(nodes.remove(random.nextInt(nodes.size())));
                    }
                }
                case 4 -> sim.nodeDown(nodes.get(random.nextInt(nodes.size())));
                case 5 -> sim.setAvailability(nodes.get(random.nextInt(nodes.size())),
                        NodeAvailability.values()[random.nextInt(3)]);
                case 6, 7 -> {
                    List<Task> running = sim.state.tasks().stream().filter(t -> t.state() == TaskState.RUNNING)
                            .sorted(ServiceReconciler.AGE).toList();
                    if (!running.isEmpty()) {
                        Task victim = running.get(random.nextInt(running.size()));
                        if (random.nextBoolean()) {
                            sim.fail(victim, 1);
                        } else {
                            sim.end(victim, TaskState.COMPLETE, random.nextInt(2));
                        }
                    }
                }
                default -> sim.advance(Duration.ofSeconds(random.nextInt(30)));
            }
            for (int i = random.nextInt(4); i >= 0; i--) {
                sim.step();
                assertAtMostOneActivePerSlot(sim);
                assertFencedSlotsRunOneTask(sim, db);
            }
        }
        // heal: every known node comes back and is usable, then let time pass beyond any backoff
        for (String node : nodes) {
            if (sim.state.node(node).orElseThrow().status().state() != NodeState.READY) {
                sim.nodeUp(node);
            }
            sim.setAvailability(node, NodeAvailability.ACTIVE);
        }
        for (int round = 0; round < 12; round++) {
            sim.converge();
            assertAtMostOneActivePerSlot(sim);
            sim.advance(RestartPolicy.MAX_BACKOFF.plusSeconds(1));
        }
        sim.converge();

        assertThat(sim.orchestrator.reconcile(sim.state, sim.now)).as("reconcile on converged state").isEmpty();
        assertThat(sim.scheduler.place(sim.state, sim.now)).as("place on converged state").isEmpty();
        for (Service service : sim.state.services()) {
            List<Task> running = sim.running(service.id());
            assertThat(running).as("running tasks are wanted").allMatch(t -> t.desiredState() == TaskState.RUNNING);
            if (service.spec().mode() == ServiceMode.GLOBAL) {
                assertThat(running).extracting(Task::nodeId).containsExactlyInAnyOrderElementsOf(nodes);
            } else if (service.id().equals(db)) {
                assertThat(running.size()).isLessThanOrEqualTo(service.spec().replicas());
                for (Task task : running) {
                    String volume = "shop_data-" + task.slot();
                    assertThat(sim.state.volume(volume).orElseThrow().nodeId()).as("%s runs where its volume is", volume)
                            .isEqualTo(task.nodeId());
                }
            } else if (service.id().equals(web)) {
                assertThat(running).hasSize(service.spec().replicas());
                assertThat(running).allMatch(t -> t.serviceVersion() == service.version());
            } else {
                assertThat(running.size()).isLessThanOrEqualTo(service.spec().replicas());
            }
        }
        assertThat(sim.state.tasks()).allMatch(t -> t.desiredState() != TaskState.RUNNING
                || !t.state().isTerminal() || t.serviceId().equals(job), "only finished job slots keep ended tasks wanted");
        assertThat(agent).isNotNull();
    }

    /** A fenced slot never has two tasks that may run (assigned or beyond, not ended), whatever is desired. */
    private static void assertFencedSlotsRunOneTask(ClusterSimulation sim, String serviceId) {
        Map<Integer, Integer> perSlot = new HashMap<>();
        for (Task task : sim.state.tasksOfService(serviceId)) {
            if (!task.state().isTerminal() && task.state().compareTo(TaskState.ASSIGNED) >= 0) {
                perSlot.merge(task.slot(), 1, Integer::sum);
            }
        }
        assertThat(perSlot.values()).as("tasks that may run per fenced slot").allMatch(count -> count <= 1);
    }

    private static void assertAtMostOneActivePerSlot(ClusterSimulation sim) {
        Map<String, Integer> perSlot = new HashMap<>();
        for (Task task : sim.state.tasks()) {
            if (task.desiredState() == TaskState.RUNNING && !task.state().isTerminal()) {
                String key = task.serviceId() + "/" + (task.slot() > 0 ? task.slot() : task.nodeId());
                perSlot.merge(key, 1, Integer::sum);
            }
        }
        assertThat(perSlot.values()).as("active tasks per slot").allMatch(count -> count <= 1);
    }

}
