package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.ServiceUpdateStatus.State;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.UpdateConfig;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** Rolling updates with failure handling, rollback, and start-first drains, on the simulation harness. */
class RollingUpdateTest {
    private final ClusterSimulation sim = new ClusterSimulation().checkScopedReconcile();

    private static UpdateConfig config(int parallelism, String failureAction, Duration monitor, double ratio, String order) {
        return new UpdateConfig(parallelism, Duration.ZERO, failureAction, monitor, ratio, order);
    }

    private String deploy(ServiceSpec spec) {
        sim.addNode("n1");
        sim.addNode("n2");
        sim.addNode("n3");
        String id = sim.createService(spec);
        sim.converge();
        return id;
    }

    private Service service(String id) {
        return sim.state.service(id).orElseThrow();
    }

    private State updateState(String id) {
        return service(id).updateStatus().state();
    }

    /** Steps (with time passing) until nothing happens, as a leader loop with a 1 s tick would. */
    private void settle() {
        for (int i = 0; i < 30; i++) {
            sim.converge();
            sim.advance(Duration.ofSeconds(1));
        }
        sim.converge();
    }

    record FailureRow(String name, String failureAction, double maxFailureRatio, int crashingSlots, State expected,
                      int newVersionSlotsAtLeast) {
        @Override
        public String toString() {
            return name;
        }
    }

    static Stream<FailureRow> failureRows() {
        return Stream.of(
                new FailureRow("pause stops after the first failing batch", "pause", 0, 1, State.PAUSED, 1),
                new FailureRow("continue goes on through failures", "continue", 0, 4, State.COMPLETED, 4),
                new FailureRow("rollback restores the previous spec", "rollback", 0, 1, State.ROLLBACK_COMPLETED, 0),
                new FailureRow("a ratio above the failures lets it complete", "pause", 0.5, 1, State.COMPLETED, 4),
                new FailureRow("a ratio below the failures pauses", "pause", 0.25, 2, State.PAUSED, 2));
    }

    /**
     * 4 replicas, parallelism 1, stop-first; the first {@code crashingSlots} slots' first attempt at v2
     * crashes at once (a restart then succeeds).
     */
    @ParameterizedTest(name = "{0}")
    @MethodSource("failureRows")
    void failureActions(FailureRow row) {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 4),
                config(1, row.failureAction(), Duration.ofSeconds(5), row.maxFailureRatio(), "stop-first"));
        spec = Specs.restart(spec, "any", Duration.ZERO, null, null);
        String id = deploy(spec);
        sim.crashOnStart = t -> t.serviceVersion() == 2 && t.slot() <= row.crashingSlots() && t.restartCount() == 0;
        sim.updateService(id, Specs.image(spec, "web:v2"));
        settle();
        assertThat(updateState(id)).isEqualTo(row.expected());
        long newSlots = sim.tasks(id).stream().filter(t -> t.serviceVersion() == 2).map(Task::slot).distinct().count();
        assertThat(newSlots).isGreaterThanOrEqualTo(row.newVersionSlotsAtLeast());
        if (row.expected() == State.PAUSED) {
            assertThat(service(id).updateStatus().message()).startsWith("update paused: task web.").contains("failed");
            assertThat(newSlots).isEqualTo(row.newVersionSlotsAtLeast()); // no batch after the pause
        }
        if (row.expected() == State.ROLLBACK_COMPLETED) {
            assertThat(service(id).spec().task().image()).isNull();
            assertThat(service(id).version()).isEqualTo(3);
            assertThat(sim.running(id)).hasSize(4).allMatch(t -> t.spec().image() == null);
        }
        assertThat(sim.running(id)).hasSize(4);
    }

    /**
     * stop-first, parallelism 1, and the old tasks take their time to end (an agent drains a task
     * with ports for 1 s before its stop signal): the next batch starts once the new task runs, not
     * once the old one has ended; a fenced service's next batch still waits for the old task's end.
     */
    @Test
    void batchesDoNotWaitForDrainingTasksUnlessFenced() {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 4), config(1, "pause", Duration.ZERO, 0, "stop-first"));
        String id = deploy(spec);
        sim.agentsStopTasks = false;
        sim.updateService(id, Specs.image(spec, "web:v2"));
        settle();
        assertThat(sim.running(id)).filteredOn(t -> t.serviceVersion() == 2).hasSize(4);
        assertThat(sim.tasks(id)).filteredOn(t -> t.serviceVersion() == 1 && !t.state().isTerminal()).hasSize(4)
                .allMatch(t -> t.desiredState() == io.flotilla.model.TaskState.SHUTDOWN); // all still draining
        sim.agentsStopTasks = true;
        settle();
        assertThat(updateState(id)).isEqualTo(State.COMPLETED);
        assertThat(sim.active(id)).hasSize(4).allMatch(t -> t.serviceVersion() == 2);

        ServiceSpec fenced = Specs.update(StatefulPlacementTest.withVolume(Specs.replicated("db", 4), StatefulPlacementTest.GLUSTER),
                config(1, "pause", Duration.ZERO, 0, "stop-first"));
        String db = sim.createService(fenced);
        settle();
        sim.agentsStopTasks = false;
        sim.updateService(db, Specs.image(fenced, "db:v2"));
        settle();
        assertThat(sim.tasks(db).stream().filter(t -> t.serviceVersion() == 2).map(Task::slot).distinct().count())
                .as("slots a fenced update reached while its first old task still runs").isEqualTo(1);
    }

    @Test
    void rollbackKeepsTheTasksTheFailedUpdateNeverReached() {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 3), config(1, "rollback", Duration.ofSeconds(5), 0, "stop-first"));
        String id = deploy(spec);
        Set<String> untouched = Set.of(sim.activeInSlot(id, 2).id(), sim.activeInSlot(id, 3).id());
        sim.crashOnStart = t -> t.serviceVersion() == 2;
        sim.updateService(id, Specs.image(spec, "web:bad"));
        settle();
        assertThat(updateState(id)).isEqualTo(State.ROLLBACK_COMPLETED);
        assertThat(service(id).updateStatus().message()).startsWith("rollback completed (update rolled back: task web.1 ");
        assertThat(sim.running(id).stream().map(Task::id).collect(Collectors.toSet())).containsAll(untouched).hasSize(3);
        assertThat(sim.orchestrator.reconcile(sim.state, sim.now)).isEmpty();
    }

    @Test
    void aFailureDuringRollbackPausesIt() {
        ServiceSpec spec = Specs.rollback(Specs.update(Specs.replicated("web", 2),
                config(1, "rollback", Duration.ofSeconds(5), 0, "stop-first")), config(1, "pause", Duration.ofSeconds(5), 0, "stop-first"));
        String id = deploy(spec);
        sim.crashOnStart = t -> t.serviceVersion() >= 2;
        sim.updateService(id, Specs.image(spec, "web:bad"));
        settle();
        assertThat(updateState(id)).isEqualTo(State.ROLLBACK_PAUSED);
        assertThat(service(id).updateStatus().message()).startsWith("rollback paused: ");
    }

    @Test
    void aTaskThatFailsAfterTheMonitorWindowIsNotAnUpdateFailure() {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 1), config(1, "pause", Duration.ofSeconds(5), 0, "stop-first"));
        String id = deploy(spec);
        sim.updateService(id, Specs.image(spec, "web:v2"));
        sim.converge();
        sim.advance(Duration.ofSeconds(3));
        sim.fail(sim.activeInSlot(id, 1), 1); // ran 3 s < monitor 5 s: a failure
        sim.converge();
        assertThat(updateState(id)).isEqualTo(State.PAUSED);

        sim.updateService(id, Specs.image(spec, "web:v3"));
        sim.converge();
        sim.advance(Duration.ofSeconds(6));
        sim.fail(sim.activeInSlot(id, 1), 1); // ran 6 s > monitor: the update had succeeded
        settle();
        assertThat(updateState(id)).isEqualTo(State.COMPLETED);
    }

    @Test
    void manualRollbackSwapsSpecsAndReplacesTasks() {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 2), config(0, "pause", Duration.ZERO, 0, "stop-first"));
        String id = deploy(spec);
        sim.updateService(id, Specs.image(spec, "web:v2"));
        settle();
        assertThat(updateState(id)).isEqualTo(State.COMPLETED);
        sim.apply(new Command.RollbackService(id, 1, sim.now, "stale")); // decided on version 1: ignored
        assertThat(service(id).version()).isEqualTo(2);
        sim.apply(new Command.RollbackService(id, 2, sim.now, "manually requested rollback"));
        assertThat(service(id).version()).isEqualTo(3);
        assertThat(service(id).spec().task().image()).isNull();
        assertThat(service(id).previousSpec().task().image()).isEqualTo("web:v2");
        assertThat(updateState(id)).isEqualTo(State.ROLLBACK_STARTED);
        settle();
        assertThat(updateState(id)).isEqualTo(State.ROLLBACK_COMPLETED);
        assertThat(sim.running(id)).hasSize(2).allMatch(t -> t.spec().image() == null);
    }

    @Test
    void aNewTaskCountsAsUpdatedOnlyWhenHealthy() {
        TaskTemplate t = Specs.replicated("web", 2).task();
        TaskTemplate checked = new TaskTemplate(t.driver(), t.image(), t.command(), t.entrypoint(), t.environment(),
                t.workingDir(), t.user(), t.hostname(), t.labels(),
                new HealthcheckSpec(List.of("CMD", "true"), null, null, 0, null, null), t.volumes(), t.resources(),
                t.restartPolicy(), t.placement(), t.stopSignal(), t.stopGracePeriod(), t.init(), t.readOnly(),
                t.capAdd(), t.capDrop(), t.tmpfs(), t.ulimits(), t.pullPolicy(), t.networks());
        ServiceSpec spec = Specs.update(Specs.replicated("web", 2).withTask(checked),
                config(1, "pause", Duration.ofSeconds(1), 0, "stop-first"));
        String id = deploy(spec);
        sim.healthOnStart = "starting";
        sim.updateService(id, Specs.image(spec, "web:v2"));
        settle();
        assertThat(sim.tasks(id).stream().filter(x -> x.serviceVersion() == 2)).hasSize(1); // one batch, waiting
        assertThat(updateState(id)).isEqualTo(State.UPDATING);
    }

    @Test
    void drainStartFirstStartsTheReplacementBeforeStoppingTheDrainedTask() {
        ServiceSpec spec = Specs.update(Specs.replicated("web", 3), config(1, "pause", null, 0, "start-first"));
        String id = deploy(spec);
        Task onN1 = sim.running(id).stream().filter(x -> x.nodeId().equals("n1")).findFirst().orElseThrow();
        sim.agentsStartTasks = false;
        sim.setAvailability("n1", NodeAvailability.DRAIN);
        sim.converge();
        Task old = sim.state.task(onN1.id()).orElseThrow();
        assertThat(old.desiredState()).isEqualTo(io.flotilla.model.TaskState.RUNNING); // still serving
        assertThat(sim.active(id)).filteredOn(x -> x.slot() == onN1.slot()).hasSize(2);
        sim.agentsStartTasks = true;
        sim.converge();
        assertThat(sim.state.task(onN1.id()).orElseThrow().state()).isEqualTo(io.flotilla.model.TaskState.SHUTDOWN);
        assertThat(sim.running(id)).hasSize(3).noneMatch(x -> x.nodeId().equals("n1"));
    }

    @Test
    void drainStopFirstStopsTheDrainedTaskAtOnce() {
        String id = deploy(Specs.replicated("web", 3));
        Task onN1 = sim.running(id).stream().filter(x -> x.nodeId().equals("n1")).findFirst().orElseThrow();
        sim.agentsStartTasks = false;
        sim.setAvailability("n1", NodeAvailability.DRAIN);
        sim.step();
        assertThat(sim.state.task(onN1.id()).orElseThrow().desiredState()).isEqualTo(io.flotilla.model.TaskState.SHUTDOWN);
    }
}
