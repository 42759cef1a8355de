package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The control loop's passes cost what changed, not what exists: with one big converged service
 * among others, a pass over the changes since the last one visits only the changed slots. A
 * return to walking every slot of every service on every pass (quadratic work for a big deploy)
 * fails here.
 */
class IncrementalReconcileTest {
    private static final int BIG = 5_000;

    private final ClusterSimulation sim = new ClusterSimulation();
    private final ChangeTracker tracker = new ChangeTracker();

    @Test
    void aChangedTaskCostsOneSlotNotTheWholeService() {
        for (int i = 1; i <= 20; i++) {
            sim.addNode("n" + i);
        }
        String big = sim.createService(Specs.replicated("big", BIG));
        for (int i = 0; i < 10; i++) {
            sim.createService(Specs.replicated("small" + i, 3));
        }
        sim.converge();
        assertThat(sim.state.tasks()).hasSize(BIG + 30);

        Orchestrator orchestrator = new Orchestrator(() -> "replacement");
        Orchestrator.Pass full = orchestrator.pass(sim.state, sim.now, ReconcileScope.all());
        assertThat(full.commands()).isEmpty();
        assertThat(full.slotsVisited()).isEqualTo(BIG + 30);
        tracker.drain(); // the first scope is everything: start from here

        Task victim = sim.state.tasksOfSlot(big, ClusterState.slotKey(1234, null)).getFirst();
        sim.fail(victim, 1);
        tracker.applied(sim.lastChanges, sim.state);

        ReconcileScope scope = tracker.drain();
        Orchestrator.Pass pass = orchestrator.pass(sim.state, sim.now, scope);
        assertThat(pass.slotsVisited()).as("slots visited for one failed task").isEqualTo(1);
        assertThat(pass.commands()).isEqualTo(orchestrator.reconcile(sim.state, sim.now));
        assertThat(pass.commands()).anySatisfy(c -> assertThat(c).isInstanceOf(Command.CreateTasks.class));

        assertThat(orchestrator.pass(sim.state, sim.now, tracker.drain()).slotsVisited())
                .as("nothing changed since: nothing visited").isZero();
    }

    @Test
    void aNodeChangeCostsTheSlotsOfItsTasks() {
        for (int i = 1; i <= 10; i++) {
            sim.addNode("n" + i);
        }
        sim.createService(Specs.replicated("big", 1_000));
        sim.converge();
        tracker.drain();

        int onNode = sim.state.tasksOfNode("n3").size();
        sim.apply(new Command.RemoveNode("n3"));
        tracker.applied(sim.lastChanges, sim.state);

        Orchestrator orchestrator = new Orchestrator(() -> "replacement");
        Orchestrator.Pass pass = orchestrator.pass(sim.state, sim.now, tracker.drain());
        assertThat(pass.slotsVisited()).isEqualTo(onNode);
        assertThat(pass.commands()).isEqualTo(orchestrator.reconcile(sim.state, sim.now));
        Command.UpdateTaskStatuses orphans = (Command.UpdateTaskStatuses) pass.commands().getFirst();
        assertThat(orphans.updates()).hasSize(onNode)
                .allSatisfy(u -> assertThat(u.status().state()).isEqualTo(TaskState.ORPHANED));
    }

    @Test
    void theSchedulerTakesABoundedBatchFromTheIndexOfUnplacedTasks() {
        sim.addNode("n1");
        sim.createService(Specs.replicated("big", 1_000));
        List<Command> created = sim.orchestrator.reconcile(sim.state, sim.now);
        created.forEach(sim::apply);
        assertThat(sim.state.unplacedTasks()).hasSize(1_000);

        List<Command> placed = new Scheduler(true, 300).place(sim.state, sim.now);
        Command.AssignTasks assign = (Command.AssignTasks) placed.getFirst();
        assertThat(assign.assignments()).hasSize(300);
        ClusterState after = StateMachine.apply(sim.state, sim.state.index() + 1, assign);
        assertThat(after.unplacedTasks()).hasSize(700);
        assertThat(List.copyOf(after.unplacedTasks())).isSortedAccordingTo(ClusterState.PLACEMENT_ORDER);
    }
}
