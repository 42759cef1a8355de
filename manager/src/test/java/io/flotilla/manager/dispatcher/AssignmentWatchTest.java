package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.state.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A long poll is answered when the polling node's set changes, not on every applied entry; at once
 * when what the node must run changed, after {@link #STATUS_DELAY} when only a status did.
 */
class AssignmentWatchTest {
    private static final Duration STATUS_DELAY = Duration.ofMillis(1_000);
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private final FakeClock clock = new FakeClock();

    @AfterEach
    void closeAll() {
        managers.close();
    }

    @Test
    void answersAPollOnlyWhenItsNodeChanged() throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofMinutes(1)), clock,
                TaskLogSource.NONE, TestManagers.tuning().withOrchestration(false));
        Dispatcher dispatcher = manager.dispatcher();
        long seen = twoTasksOnTwoNodes(manager);
        AssignmentWatch watch = new AssignmentWatch(manager.store(), STATUS_DELAY);

        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            long start = System.nanoTime();
            CompletableFuture<ClusterState> poll = CompletableFuture.supplyAsync(() -> poll(watch, "n1", seen), executor);
            // Entries that do not touch n1: another node's task, a node registering.
            manager.submit(running("task2")).get();
            dispatcher.hello(new AgentHello(TestManagers.node("n3")), true);
            Thread.sleep(300);
            assertThat(poll).isNotDone();

            // n1's own report applied: a status-only change, answered once the poll waited STATUS_DELAY.
            long changed = manager.submit(running("task1")).get().index();
            Thread.sleep(200);
            assertThat(poll).isNotDone();
            ClusterState answer = poll.get(5, TimeUnit.SECONDS);
            assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(STATUS_DELAY);
            assertThat(answer.index()).isGreaterThanOrEqualTo(changed);
            assertThat(AssignmentSets.of(answer, "n1").tasks()).extracting(Task::state).containsExactly(TaskState.RUNNING);
        }
    }

    @Test
    void aChangeToWhatTheNodeMustRunAnswersAtOnce() throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofMinutes(1)), clock,
                TaskLogSource.NONE, TestManagers.tuning().withOrchestration(false));
        long seen = twoTasksOnTwoNodes(manager);
        AssignmentWatch watch = new AssignmentWatch(manager.store(), Duration.ofSeconds(30));

        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            // A status-only change first (not due for 30 s), then the task is asked to stop: at once.
            long running = manager.submit(running("task1")).get().index();
            CompletableFuture<ClusterState> poll = CompletableFuture.supplyAsync(() -> poll(watch, "n1", seen), executor);
            Thread.sleep(300);
            assertThat(poll).isNotDone();
            long stop = manager.submit(new Command.SetDesiredStates(List.of(new Command.DesiredStateChange("task1", TaskState.SHUTDOWN)), clock.instant())).get().index();
            assertThat(poll.get(2, TimeUnit.SECONDS).index()).isGreaterThanOrEqualTo(stop);

            // A task that ends (the manager orphans it, or the node reports it failed) leaves the set: at once too.
            CompletableFuture<ClusterState> next = CompletableFuture.supplyAsync(() -> poll(watch, "n2", running), executor);
            Thread.sleep(300);
            assertThat(next).isNotDone();
            long ended = manager.submit(new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate("task2",
                    TaskStatus.of(TaskState.ORPHANED, java.time.Instant.parse("2030-01-01T00:00:01Z"), "orphaned")))))
                    .get().index();
            assertThat(next.get(2, TimeUnit.SECONDS).index()).isGreaterThanOrEqualTo(ended);
        }
    }

    /** Creates one service with task1 on n1 and task2 on n2; returns the index after the assignment. */
    private long twoTasksOnTwoNodes(Manager manager) throws Exception {
        Dispatcher dispatcher = manager.dispatcher();
        dispatcher.hello(new AgentHello(TestManagers.node("n1")), true);
        dispatcher.hello(new AgentHello(TestManagers.node("n2")), true);
        ClusterState state = manager.submit(new Command.CreateService("svc1",
                TestManagers.service("shop", "web", 2), clock.instant())).get();
        Service service = state.service("svc1").orElseThrow();
        Task first = TestManagers.newTask("task1", service, 1, clock.instant());
        Task second = TestManagers.newTask("task2", service, 2, clock.instant());
        manager.submit(new Command.CreateTasks(List.of(first, second))).get();
        return manager.submit(new Command.AssignTasks(List.of(new Command.Assignment("task1", "n1"),
                new Command.Assignment("task2", "n2")), clock.instant())).get().index();
    }

    @Test
    void aPollWithNothingNewEndsAfterItsWait() throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofMinutes(1)), clock, TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false));
        AssignmentSet hello = manager.dispatcher().hello(new AgentHello(TestManagers.node("n1")), true);
        long start = System.nanoTime();
        AssignmentSet answer = manager.dispatcher().assignments("n1", hello.index(), Duration.ofMillis(200));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
        assertThat(answer.tasks()).isEmpty();
    }

    private static Command running(String taskId) {
        return new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate(taskId,
                TaskStatus.of(TaskState.RUNNING, java.time.Instant.parse("2030-01-01T00:00:00Z"), "started"))));
    }

    private static ClusterState poll(AssignmentWatch watch, String nodeId, long after) {
        try {
            return watch.await(nodeId, after, Duration.ofSeconds(10));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
