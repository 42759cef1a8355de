package io.flotilla.manager.loops;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.TestManagers;
import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.scheduler.Fencing;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.ReconcileScope;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The leader core stepped by hand, each step's commands applied before the next, as its drivers do. */
class LeaderCoreTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final FakeClock clock = new FakeClock();
    private final Instant t0 = clock.instant();
    private int ids;
    private ClusterState state = ClusterState.EMPTY;
    private final List<LeaderCore.Phase> phases = new ArrayList<>();

    private LeaderCore core(boolean orchestrate) {
        return new LeaderCore(new DispatchRules(TIMEOUT, TIMEOUT, Fencing.DEFAULT_LEASE, t0),
                new Orchestrator(() -> "task" + ++ids), new Scheduler(), clock, orchestrate);
    }

    private void apply(Command command) {
        state = StateMachine.apply(state, state.index() + 1, command);
    }

    /** Steps through one pass at {@code now}, applying what each step decides; the phases that decided are in {@link #phases}. */
    private void pass(LeaderCore core, Instant now, ReconcileScope changed) {
        phases.clear();
        LeaderCore.Step step;
        do {
            step = core.step(state, now, changed);
            changed = ReconcileScope.nothing();
            if (!step.commands().isEmpty()) {
                phases.add(step.phase());
            }
            step.commands().forEach(this::apply);
        } while (!step.passDone());
    }

    private void readyNodeAndService(LeaderCore core) {
        apply(new Command.UpsertNode(core.rules().hello(state, TestManagers.node("n1"), id -> false, true, t0)));
        apply(new Command.CreateService("svc1", TestManagers.service("shop", "web", 2), t0));
    }

    @Test
    void aPassReconcilesThenPlacesEachOnTheStateTheStepBeforeMade() {
        LeaderCore core = core(true);
        readyNodeAndService(core);

        pass(core, t0, ReconcileScope.all());
        assertThat(phases).containsExactly(LeaderCore.Phase.RECONCILE, LeaderCore.Phase.PLACE);
        assertThat(state.tasksOfNode("n1")).hasSize(2);

        pass(core, t0, ReconcileScope.nothing());
        assertThat(phases).as("converged: a pass of one step that decides nothing").isEmpty();
    }

    @Test
    void livenessComesFirstAndIsAllThereIsWithoutOrchestration() {
        LeaderCore core = core(false);
        readyNodeAndService(core);

        pass(core, t0.plus(TIMEOUT), ReconcileScope.all());
        assertThat(phases).isEmpty();
        pass(core, t0.plus(TIMEOUT).plusMillis(1), ReconcileScope.all());
        assertThat(phases).containsExactly(LeaderCore.Phase.LIVENESS);
        assertThat(state.node("n1").orElseThrow().status().state()).isEqualTo(NodeState.DOWN);
        assertThat(state.tasks()).as("no reconcile").isEmpty();
    }

    @Test
    void whatNoScopeNamesIsFoundByTheFullPassEveryThirtySecondsOrAfterLeading() {
        LeaderCore core = core(true);
        readyNodeAndService(core);
        pass(core, t0, ReconcileScope.all());
        apply(new Command.DeleteTasks(List.of(state.tasksOfService("svc1").getFirst().id()))); // unreported

        Instant later = t0.plus(LeaderCore.FULL_PASS_INTERVAL).minusMillis(1);
        core.rules().poll(state, "n1", later);
        pass(core, later, ReconcileScope.nothing());
        assertThat(state.tasksOfService("svc1")).as("scoped: the empty slot is not looked at").hasSize(1);

        later = t0.plus(LeaderCore.FULL_PASS_INTERVAL);
        core.rules().poll(state, "n1", later);
        pass(core, later, ReconcileScope.nothing());
        assertThat(state.tasksOfService("svc1")).as("the full pass refills it").hasSize(2);

        apply(new Command.DeleteTasks(List.of(state.tasksOfService("svc1").getFirst().id())));
        later = later.plusSeconds(1);
        core.lead(later);
        pass(core, later, ReconcileScope.nothing());
        assertThat(state.tasksOfService("svc1")).as("a new leader looks at everything").hasSize(2);
        assertThat(state.node("n1").orElseThrow().status().state()).as("within its grace").isEqualTo(NodeState.READY);
    }
}
