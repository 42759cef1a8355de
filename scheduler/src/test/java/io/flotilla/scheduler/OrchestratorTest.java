package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;

class OrchestratorTest {
    private final ClusterSimulation sim = new ClusterSimulation().checkScopedReconcile();

    private String threeNodesAndService(ServiceSpec spec) {
        sim.addNode("n1");
        sim.addNode("n2");
        sim.addNode("n3");
        String id = sim.createService(spec);
        sim.converge();
        return id;
    }

    @Test
    void createsOneTaskPerSlotInOneBatchAndIsIdleOnceConverged() {
        sim.addNode("n1");
        String id = sim.createService(Specs.replicated("web", 3));
        List<Command> commands = sim.orchestrator.reconcile(sim.state, sim.now);
        assertThat(commands).hasSize(1).first().isInstanceOfSatisfying(Command.CreateTasks.class, c -> {
            assertThat(c.tasks()).extracting(Task::slot).containsExactly(1, 2, 3);
            assertThat(c.tasks()).allSatisfy(t -> {
                assertThat(t.state()).isEqualTo(TaskState.NEW);
                assertThat(t.serviceName()).isEqualTo("web");
                assertThat(t.serviceVersion()).isEqualTo(1);
                assertThat(t.restartCount()).isZero();
                assertThat(t.notBefore()).isNull();
                assertThat(t.createdAt()).isEqualTo(sim.now);
            });
        });
        sim.converge();
        assertThat(sim.running(id)).hasSize(3);
        assertThat(sim.orchestrator.reconcile(sim.state, sim.now)).isEmpty();
        assertThat(sim.scheduler.place(sim.state, sim.now)).isEmpty();
    }

    @Test
    void scaleDownShutsDownHighestSlots() {
        String id = threeNodesAndService(Specs.replicated("web", 3));
        sim.scale(id, 1);
        List<Command> commands = sim.orchestrator.reconcile(sim.state, sim.now);
        Command.SetDesiredStates stops = (Command.SetDesiredStates) commands.getFirst();
        List<Integer> slots = stops.changes().stream()
                .map(c -> sim.state.task(c.taskId()).orElseThrow().slot()).toList();
        assertThat(slots).containsExactlyInAnyOrder(2, 3);
        sim.converge();
        assertThat(sim.running(id)).extracting(Task::slot).containsExactly(1);
        // ended tasks of removed slots are reaped
        assertThat(sim.tasks(id)).extracting(Task::slot).containsExactly(1);
    }

    @Test
    void failedTaskIsReplacedInItsSlotFirstAtOnceThenWithBackoff() {
        String id = threeNodesAndService(Specs.restart(Specs.replicated("web", 1), "any", Duration.ofSeconds(4), null, null));
        Task first = sim.activeInSlot(id, 1);
        sim.fail(first, 1);
        sim.step();
        Task second = sim.activeInSlot(id, 1);
        assertThat(second.restartCount()).isEqualTo(1);
        assertThat(second.notBefore()).isNull();
        assertThat(sim.state.task(first.id()).orElseThrow().desiredState()).isEqualTo(TaskState.SHUTDOWN);
        sim.converge();
        sim.fail(sim.activeInSlot(id, 1), 1);
        sim.step();
        Task third = sim.activeInSlot(id, 1);
        assertThat(third.restartCount()).isEqualTo(2);
        assertThat(third.notBefore()).isEqualTo(third.createdAt().plusSeconds(4));
        assertThat(third.state()).isEqualTo(TaskState.PENDING);
        assertThat(third.status().error()).isEqualTo("waiting 4s before restart (backoff)");
        sim.converge(); // nothing to do until the backoff has passed: no churn
        assertThat(sim.activeInSlot(id, 1).state()).isEqualTo(TaskState.PENDING);
        sim.advance(Duration.ofSeconds(4));
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).state()).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void onFailureDoesNotRestartASuccessfulExitAndNeverRefillsTheSlot() {
        String id = threeNodesAndService(Specs.restart(Specs.replicated("job", 2), "on-failure", Duration.ZERO, null, null));
        sim.end(sim.activeInSlot(id, 1), TaskState.COMPLETE, 0);
        sim.converge();
        assertThat(sim.active(id)).extracting(Task::slot).containsExactly(2);
        assertThat(sim.orchestrator.reconcile(sim.state, sim.now)).isEmpty();
        sim.end(sim.activeInSlot(id, 2), TaskState.COMPLETE, 3);
        sim.converge();
        assertThat(sim.activeInSlot(id, 2).restartCount()).isEqualTo(1);
    }

    @Test
    void maxAttemptsStopsRestartingAndLeavesTheSlotEmpty() {
        String id = threeNodesAndService(Specs.restart(Specs.replicated("web", 1), "any", Duration.ZERO, 2, null));
        for (int i = 0; i < 2; i++) {
            sim.fail(sim.activeInSlot(id, 1), 1);
            sim.converge();
        }
        assertThat(sim.activeInSlot(id, 1).restartCount()).isEqualTo(2);
        sim.fail(sim.activeInSlot(id, 1), 1);
        sim.converge();
        assertThat(sim.active(id)).isEmpty();
        sim.advance(Duration.ofHours(1));
        assertThat(sim.orchestrator.reconcile(sim.state, sim.now)).isEmpty();
    }

    @Test
    void aTaskThatRanLongerThanTheWindowResetsTheCounter() {
        String id = threeNodesAndService(Specs.restart(Specs.replicated("web", 1), "any", Duration.ofSeconds(1), 2,
                Duration.ofSeconds(30)));
        sim.fail(sim.activeInSlot(id, 1), 1);
        sim.converge();
        sim.fail(sim.activeInSlot(id, 1), 1);
        sim.advance(Duration.ofSeconds(5));
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).restartCount()).isEqualTo(2);
        sim.advance(Duration.ofMinutes(1)); // runs for a minute, longer than the window
        sim.fail(sim.activeInSlot(id, 1), 1);
        sim.converge();
        Task replacement = sim.activeInSlot(id, 1);
        assertThat(replacement.restartCount()).isEqualTo(1);
        assertThat(replacement.notBefore()).isNull();
    }

    @Test
    void orphanedTasksAreReplacedEvenWithRestartConditionNone() {
        String id = threeNodesAndService(Specs.restart(Specs.replicated("web", 3), "none", Duration.ZERO, null, null));
        String lostNode = sim.activeInSlot(id, 1).nodeId();
        sim.nodeDown(lostNode);
        sim.converge();
        assertThat(sim.running(id)).hasSize(3).noneMatch(t -> t.nodeId().equals(lostNode));
    }

    @Test
    void tasksOnARemovedNodeAreOrphanedAndReplaced() {
        String id = threeNodesAndService(Specs.replicated("web", 3));
        String gone = sim.activeInSlot(id, 2).nodeId();
        sim.removeNode(gone);
        sim.converge();
        assertThat(sim.running(id)).hasSize(3).noneMatch(t -> t.nodeId().equals(gone));
    }

    @Test
    void drainMovesReplicatedTasksOff() {
        String id = threeNodesAndService(Specs.replicated("web", 3));
        sim.setAvailability("n1", NodeAvailability.DRAIN);
        sim.converge();
        assertThat(sim.running(id)).hasSize(3).noneMatch(t -> t.nodeId().equals("n1"));
    }

    @Test
    void globalServiceRunsOnEveryEligibleNodeAndFollowsNodes() {
        sim.addNode("n1");
        sim.addNode("n2");
        String id = sim.createService(Specs.global("agent"));
        sim.converge();
        assertThat(sim.running(id)).extracting(Task::nodeId).containsExactlyInAnyOrder("n1", "n2");
        assertThat(sim.running(id)).allMatch(t -> t.slot() == 0);
        sim.addNode("n3");
        sim.converge();
        assertThat(sim.running(id)).extracting(Task::nodeId).containsExactlyInAnyOrder("n1", "n2", "n3");
        sim.setAvailability("n2", NodeAvailability.DRAIN);
        sim.converge();
        assertThat(sim.running(id)).extracting(Task::nodeId).containsExactlyInAnyOrder("n1", "n3");
        sim.removeNode("n3");
        sim.converge();
        assertThat(sim.active(id)).extracting(Task::nodeId).containsExactly("n1");
        assertThat(sim.orchestrator.reconcile(sim.state, sim.now)).isEmpty();
    }

    @Test
    void globalServiceRespectsConstraintsAndKeepsTasksOfADownNode() {
        sim.addNode("n1");
        sim.addNode("n2");
        String id = sim.createService(Specs.placement(Specs.global("agent"), List.of("node.hostname!=host-n2"), List.of(), null));
        sim.converge();
        assertThat(sim.running(id)).extracting(Task::nodeId).containsExactly("n1");
        sim.nodeDown("n1");
        sim.converge();
        assertThat(sim.active(id)).isEmpty(); // orphaned, not replaced while the node is down
        sim.nodeUp("n1");
        sim.converge();
        assertThat(sim.running(id)).extracting(Task::nodeId).containsExactly("n1");
    }

    @Test
    void rollingUpdateStopFirstReplacesOneAtATimeAfterDelay() {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 3), 1, Duration.ofSeconds(10), "stop-first");
        String id = threeNodesAndService(spec);
        sim.updateService(id, Specs.image(spec, "web:v2"));
        sim.step(); // batch 1: slot 1
        assertThat(sim.active(id)).filteredOn(t -> t.serviceVersion() == 2).extracting(Task::slot).containsExactly(1);
        sim.converge(); // new task running, but delay not passed: no second batch
        assertThat(sim.running(id)).filteredOn(t -> t.serviceVersion() == 2).hasSize(1);
        assertThat(sim.running(id)).hasSize(3);
        sim.advance(Duration.ofSeconds(10));
        sim.converge();
        assertThat(sim.running(id)).filteredOn(t -> t.serviceVersion() == 2).hasSize(2);
        sim.advance(Duration.ofSeconds(10));
        sim.converge();
        assertThat(sim.running(id)).hasSize(3).allMatch(t -> t.serviceVersion() == 2);
        assertThat(sim.state.service(id).orElseThrow().updateStatus().state())
                .isEqualTo(io.flotilla.model.ServiceUpdateStatus.State.UPDATING); // monitor (5 s) not over yet
        sim.advance(Duration.ofSeconds(5));
        sim.converge();
        assertThat(sim.state.service(id).orElseThrow().updateStatus().state())
                .isEqualTo(io.flotilla.model.ServiceUpdateStatus.State.COMPLETED);
        assertThat(sim.orchestrator.reconcile(sim.state, sim.now.plus(Duration.ofHours(1)))).isEmpty();
    }

    @Test
    void rollingUpdateStartFirstKeepsTheOldTaskUntilTheNewOneRuns() {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 2), 0, Duration.ZERO, "start-first");
        String id = threeNodesAndService(spec);
        sim.agentsStartTasks = false;
        sim.updateService(id, Specs.image(spec, "web:v2"));
        sim.converge();
        assertThat(sim.running(id)).hasSize(2).allMatch(t -> t.serviceVersion() == 1);
        assertThat(sim.active(id)).hasSize(4);
        sim.agentsStartTasks = true;
        sim.converge();
        assertThat(sim.running(id)).hasSize(2).allMatch(t -> t.serviceVersion() == 2);
        assertThat(sim.active(id)).hasSize(2);
    }

    @Test
    void tasksOfARemovedServiceAreDeletedOnceEnded() {
        String id = threeNodesAndService(Specs.replicated("web", 2));
        sim.apply(new Command.RemoveService(id, sim.now));
        sim.converge();
        assertThat(sim.state.tasks()).isEmpty();
    }

    @Test
    void keepsAtMostFiveEndedTasksPerSlot() {
        String id = threeNodesAndService(Specs.restart(Specs.replicated("web", 1), RestartPolicy.ANY, Duration.ZERO, null, null));
        for (int i = 0; i < 9; i++) {
            sim.fail(sim.activeInSlot(id, 1), 1);
            sim.converge();
            sim.advance(Duration.ofMinutes(10));
        }
        assertThat(sim.tasks(id)).filteredOn(t -> t.state().isTerminal()).hasSize(5);
        assertThat(sim.active(id)).hasSize(1);
    }
}
