package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.FakeStore;
import io.flotilla.manager.TestManagers;
import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.model.Command;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.StatusReport;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * A status report is the node's heartbeat. While the log is busy (here: it never commits), a
 * report must still be answered at once and count as a heartbeat, so that no node is judged down
 * because the log is slow; its statuses wait in a bounded queue. A dispatcher that answers reports
 * only once they are committed fails here: the node falls silent and is judged down.
 */
class StatusReportsWhileTheLogIsBusyTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final FakeClock clock = new FakeClock();

    private FakeStore storeWithTask() {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.UpsertNode(TestManagers.node("n1")));
        s = StateMachine.apply(s, 2, new Command.CreateService("svc1", TestManagers.service("shop", "web", 1), clock.instant()));
        Service service = s.service("svc1").orElseThrow();
        s = StateMachine.apply(s, 3, new Command.CreateTasks(List.of(TestManagers.newTask("t1", service, 1, clock.instant()))));
        s = StateMachine.apply(s, 4, new Command.AssignTasks(List.of(new Command.Assignment("t1", "n1")), clock.instant()));
        return FakeStore.stalled(s);
    }

    @Test
    void reportsAreAnsweredAtOnceAndKeepTheNodeAliveWhileNothingCommits() throws Exception {
        FakeStore store = storeWithTask();
        Dispatcher dispatcher = new Dispatcher(store, clock, TIMEOUT);

        for (int second = 0; second < 10; second++) {
            CompletableFuture<Void> report = CompletableFuture.runAsync(() -> dispatcher.status(new StatusReport("n1",
                    List.of(new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, clock.instant(), "started"))))));
            report.get(2, java.util.concurrent.TimeUnit.SECONDS); // answered though the log never commits
            clock.advance(Duration.ofSeconds(1));
            assertThat(NodeLiveness.verdicts(store.state(), dispatcher.heartbeats(), clock.instant(), TIMEOUT))
                    .as("verdicts after %d s of reports that never commit", second + 1).isEmpty();
        }
        await().atMost(Duration.ofSeconds(5)).until(() ->
                store.submitted.stream().anyMatch(Command.UpdateTaskStatuses.class::isInstance));
        assertThat(store.submitted).filteredOn(Command.UpdateTaskStatuses.class::isInstance).singleElement()
                .satisfies(c -> assertThat(((Command.UpdateTaskStatuses) c).updates())
                        .extracting(Command.TaskStatusUpdate::taskId).containsOnly("t1"));
        assertThat(store.submitted).filteredOn(Command.SetNodeStates.class::isInstance)
                .as("a node not READY that reports is marked ready once, not once per report").hasSize(1);

        clock.advance(TIMEOUT.plusSeconds(1)); // then it falls silent: judged down as before
        assertThat(NodeLiveness.verdicts(store.state(), dispatcher.heartbeats(), clock.instant(), TIMEOUT)).isNotEmpty();
    }

    @Test
    void aFullQueueRefusesTheStatusesButStillCountsTheHeartbeat() throws Exception {
        FakeStore store = storeWithTask();
        Dispatcher dispatcher = new Dispatcher(store, clock, TIMEOUT);
        dispatcher.status(new StatusReport("n1", List.of(
                new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")))));
        List<Command.TaskStatusUpdate> flood = java.util.Collections.nCopies(StatusBatcher.MAX_QUEUED_UPDATES,
                new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")));
        clock.advance(TIMEOUT.plusSeconds(1));

        assertThatThrownBy(() -> dispatcher.status(new StatusReport("n1", flood)))
                .isInstanceOf(UnavailableException.class).hasMessageContaining("report again later");

        assertThat(NodeLiveness.verdicts(store.state(), dispatcher.heartbeats(), clock.instant(), TIMEOUT))
                .as("the refused report was still a heartbeat").isEmpty();
    }

    @Test
    void aTaskReportedAgainWhileQueuedKeepsOneStatus() throws Exception {
        FakeStore store = storeWithTask();
        Dispatcher dispatcher = new Dispatcher(store, clock, TIMEOUT);
        dispatcher.status(new StatusReport("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")))));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                store.submitted.stream().anyMatch(Command.UpdateTaskStatuses.class::isInstance)); // in flight, never committed

        for (int i = 0; i < 5; i++) { // the agent sees t1 behind, reports again: the entry in flight holds that already
            dispatcher.status(new StatusReport("n1", List.of(new Command.TaskStatusUpdate("t1",
                    TaskStatus.of(TaskState.RUNNING, clock.instant().plusSeconds(i), "started")))));
        }
        assertThat(dispatcher.statusUpdatesQueued()).as("one in flight, none queued").isEqualTo(1);

        for (String health : List.of("starting", "healthy", "unhealthy")) { // news: queued, replacing each other
            dispatcher.status(new StatusReport("n1", List.of(new Command.TaskStatusUpdate("t1",
                    new TaskStatus(TaskState.RUNNING, clock.instant(), "started", null, null, null, null, Map.of(), health)))));
        }
        await().atMost(Duration.ofSeconds(5)).until(() ->
                store.submitted.stream().filter(Command.UpdateTaskStatuses.class::isInstance).count() >= 2);
        Thread.sleep(200);
        assertThat(store.submitted).filteredOn(Command.UpdateTaskStatuses.class::isInstance)
                .as("the first status, then one entry with the newest: never one per report")
                .hasSizeLessThanOrEqualTo(3);
    }

    @Test
    void aReportOfWhatTheStateHoldsIsNotQueued() throws Exception {
        ClusterState s = storeWithTask().state();
        s = StateMachine.apply(s, 5, new Command.UpdateTaskStatuses("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")))));
        s = StateMachine.apply(s, 6, new Command.UpsertNode(TestManagers.node("n2")));
        FakeStore store = FakeStore.stalled(s);
        Dispatcher dispatcher = new Dispatcher(store, clock, TIMEOUT);

        dispatcher.status(new StatusReport("n1", List.of(
                new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.RUNNING, clock.instant().plusSeconds(30), "started")),
                new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.STARTING, clock.instant().plusSeconds(31), "late")),
                new Command.TaskStatusUpdate("t9", TaskStatus.of(TaskState.RUNNING, clock.instant(), "unknown task")))));
        dispatcher.status(new StatusReport("n2", List.of( // not n2's task
                new Command.TaskStatusUpdate("t1", TaskStatus.of(TaskState.FAILED, clock.instant(), "not mine")))));
        Thread.sleep(300);
        assertThat(dispatcher.statusUpdatesQueued()).isZero();
        assertThat(store.submitted).noneMatch(Command.UpdateTaskStatuses.class::isInstance);

        dispatcher.status(new StatusReport("n1", List.of(new Command.TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.FAILED, clock.instant(), "exited").withError("exit code 1")))));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                store.submitted.stream().anyMatch(Command.UpdateTaskStatuses.class::isInstance));
    }

    @Test
    void upToThreeEntriesAreCommittedAtOnceInOrder() throws Exception {
        ClusterState s = StateMachine.apply(ClusterState.EMPTY, 1, new Command.UpsertNode(TestManagers.node("n1")));
        s = StateMachine.apply(s, 2, new Command.CreateService("svc1", TestManagers.service("shop", "web", 4), clock.instant()));
        Service service = s.service("svc1").orElseThrow();
        List<Task> tasks = new java.util.ArrayList<>();
        List<Command.Assignment> assignments = new java.util.ArrayList<>();
        for (int slot = 1; slot <= 4; slot++) {
            tasks.add(TestManagers.newTask("t" + slot, service, slot, clock.instant()));
            assignments.add(new Command.Assignment("t" + slot, "n1"));
        }
        s = StateMachine.apply(s, 3, new Command.CreateTasks(tasks));
        s = StateMachine.apply(s, 4, new Command.AssignTasks(assignments, clock.instant()));
        s = StateMachine.apply(s, 5, new Command.SetNodeStates(List.of( // READY: only status entries are written
                new Command.NodeStateChange("n1", io.flotilla.model.NodeState.READY, "up")), clock.instant()));
        FakeStore store = FakeStore.stalled(s);
        List<CompletableFuture<ClusterState>> commits = store.commits;
        Dispatcher dispatcher = new Dispatcher(store, clock, TIMEOUT);
        for (int slot = 1; slot <= 4; slot++) {
            dispatcher.status(new StatusReport("n1", List.of(new Command.TaskStatusUpdate("t" + slot,
                    TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")))));
            int entries = Math.min(slot, StatusBatcher.MAX_IN_FLIGHT);
            await().atMost(Duration.ofSeconds(5)).until(() -> commits.size() == entries);
        }
        Thread.sleep(300);
        assertThat(commits).as("the fourth waits for room").hasSize(3);

        commits.getFirst().complete(s);
        await().atMost(Duration.ofSeconds(5)).until(() -> commits.size() == 4);
        assertThat(store.submitted).extracting(c -> ((Command.UpdateTaskStatuses) c).updates().getFirst().taskId())
                .containsExactly("t1", "t2", "t3", "t4");
    }
}
