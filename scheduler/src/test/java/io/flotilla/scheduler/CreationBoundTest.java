package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A pass creates at most a bounded number of tasks; the slots it leaves empty are deferred, and
 * the control loop carries them into the next scope. A deploy bigger than the bound then takes
 * several passes of bounded entries, and a loop that passes scopes (only the first pass is full)
 * still fills every slot. Dropping the carry, or the bound, fails here.
 */
class CreationBoundTest {
    private static final int BOUND = 10;

    @Test
    void aBigDeployIsCreatedInBoundedPassesAndConverges() {
        ClusterSimulation sim = new ClusterSimulation(BOUND).checkScopedReconcile();
        for (int i = 1; i <= 4; i++) {
            sim.addNode("n" + i);
        }
        String web = sim.createService(Specs.replicated("web", 35));

        sim.step();
        assertThat(creates(sim.lastDecisions)).isEqualTo(BOUND);
        sim.converge();

        assertThat(sim.running(web)).hasSize(35);
        assertThat(sim.log).filteredOn(Command.CreateTasks.class::isInstance)
                .allSatisfy(c -> assertThat(((Command.CreateTasks) c).tasks()).hasSizeLessThanOrEqualTo(BOUND));
        assertThat(sim.active(web)).extracting(t -> t.slot()).doesNotHaveDuplicates();
    }

    @Test
    void deferredSlotsAreNamedInSlotOrderAndAServiceWithManyAsARange() {
        ClusterSimulation sim = new ClusterSimulation(BOUND);
        sim.addNode("n1");
        String small = sim.createService(Specs.replicated("small", 25));
        String big = sim.createService(Specs.replicated("big", Orchestrator.WALK_THRESHOLD + 100));

        Orchestrator orchestrator = new Orchestrator(() -> "t", BOUND);
        Orchestrator.Pass pass = orchestrator.pass(sim.state, sim.now, ReconcileScope.all());

        Command.CreateTasks created = (Command.CreateTasks) pass.commands().getLast();
        String first = small.compareTo(big) < 0 ? small : big;
        assertThat(created.tasks()).extracting(t -> t.serviceId()).containsOnly(first);
        assertThat(created.tasks()).extracting(t -> t.slot()).containsExactly(1, 2, 3, 4, 5, 6, 7, 8, 9, 10);
        assertThat(pass.deferred().slots().get(small)).hasSize(15).contains(ClusterState.slotKey(11, null));
        assertThat(pass.deferred().wholeServices()).isEmpty();
        assertThat(pass.deferred().slotsFrom()).containsExactly(java.util.Map.entry(big, 1));
        assertThat(pass.deferred().slots()).doesNotContainKey(big);
    }

    /**
     * A deploy much bigger than the bound: after the first (full) pass, each scoped pass walks the
     * slots it fills and those that changed, not the whole service. Carrying the service whole
     * (as before) makes every pass visit all 5,000 slots, and fails here.
     */
    @Test
    void aCarriedRangeCostsTheSlotsAPassFillsNotTheWholeService() {
        int bound = 100;
        int replicas = 5_000;
        ClusterSimulation sim = new ClusterSimulation(bound);
        sim.addNode("n1");
        String web = sim.createService(Specs.replicated("web", replicas));
        Orchestrator orchestrator = new Orchestrator(new java.util.function.Supplier<>() {
            private int next;

            @Override
            public String get() {
                return "range-" + (++next);
            }
        }, bound);
        ChangeTracker tracker = new ChangeTracker();
        ReconcileScope scope = tracker.drain(); // everything
        long maxVisitedAfterFirst = 0;
        for (int pass = 0; pass < replicas / bound + 5; pass++) {
            Orchestrator.Pass decided = orchestrator.pass(sim.state, sim.now, scope);
            if (pass > 0) {
                maxVisitedAfterFirst = Math.max(maxVisitedAfterFirst, decided.slotsVisited());
            }
            tracker.carry(decided.deferred());
            for (Command command : decided.commands()) {
                applyTracked(sim, tracker, command);
            }
            scope = tracker.drain();
        }
        assertThat(sim.state.tasksOfService(web)).hasSize(replicas)
                .extracting(t -> t.slot()).doesNotHaveDuplicates();
        // the slots created by the last pass (changed) + the ones it fills + the one it stops at
        assertThat(maxVisitedAfterFirst).isLessThanOrEqualTo(2L * bound + 1);
    }

    /**
     * A range carried across passes while tasks fail and a node goes down in the middle: after every
     * step the scoped pass (changed slots + the carried range) decides exactly what a full pass decides.
     */
    @Test
    void aCarriedRangeDecidesWhatAFullPassDecidesWhileSlotsChange() {
        ClusterSimulation sim = new ClusterSimulation(100).checkScopedReconcile();
        for (int i = 1; i <= 4; i++) {
            sim.addNode("n" + i);
        }
        String web = sim.createService(Specs.replicated("web", Orchestrator.WALK_THRESHOLD + 100));
        String api = sim.createService(Specs.replicated("api", 1_200));
        for (int i = 0; i < 14; i++) { // web filled, api in the middle of its range
            sim.step();
        }
        sim.fail(sim.running(web).getFirst(), 1);
        assertThat(sim.running(api)).isNotEmpty().hasSizeLessThan(1_200);
        sim.fail(sim.running(api).getLast(), 1);
        sim.step();
        sim.nodeDown("n2");
        sim.step();
        sim.scale(api, 1_300);
        sim.converge();
        assertThat(sim.active(web)).hasSize(Orchestrator.WALK_THRESHOLD + 100).extracting(t -> t.slot()).doesNotHaveDuplicates();
        assertThat(sim.active(api)).hasSize(1_300);
    }

    /** The leader loop's way: one full pass, then only scopes from the change feed plus what was deferred. */
    @Test
    void scopedPassesWithTheCarryFillEverySlot() {
        ClusterSimulation sim = new ClusterSimulation(BOUND);
        for (int i = 1; i <= 3; i++) {
            sim.addNode("n" + i);
        }
        String web = sim.createService(Specs.replicated("web", 47));
        Orchestrator orchestrator = new Orchestrator(new java.util.function.Supplier<>() {
            private int next;

            @Override
            public String get() {
                return "loop-" + (++next);
            }
        }, BOUND);
        ChangeTracker tracker = new ChangeTracker();
        ReconcileScope scope = tracker.drain(); // everything
        for (int pass = 0; pass < 20; pass++) {
            Orchestrator.Pass decided = orchestrator.pass(sim.state, sim.now, scope);
            tracker.carry(decided.deferred());
            for (Command command : decided.commands()) {
                applyTracked(sim, tracker, command);
            }
            for (Command command : sim.scheduler.place(sim.state, sim.now)) {
                applyTracked(sim, tracker, command);
            }
            scope = tracker.drain();
        }
        assertThat(sim.state.tasksOfService(web)).hasSize(47)
                .allSatisfy(t -> assertThat(t.state()).isEqualTo(TaskState.ASSIGNED));
    }

    private static void applyTracked(ClusterSimulation sim, ChangeTracker tracker, Command command) {
        sim.apply(command);
        tracker.applied(sim.lastChanges, sim.state);
    }

    private static int creates(List<Command> commands) {
        return commands.stream().filter(Command.CreateTasks.class::isInstance)
                .mapToInt(c -> ((Command.CreateTasks) c).tasks().size()).sum();
    }
}
