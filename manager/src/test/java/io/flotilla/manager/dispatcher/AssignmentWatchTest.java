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

/** A long poll is answered when the polling node's set changes, not on every applied entry. */
class AssignmentWatchTest {
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
        dispatcher.hello(new AgentHello(TestManagers.node("n1")));
        dispatcher.hello(new AgentHello(TestManagers.node("n2")));
        ClusterState state = manager.submit(new Command.CreateService("svc1",
                TestManagers.service("shop", "web", 2), clock.instant())).get();
        Service service = state.service("svc1").orElseThrow();
        Task first = TestManagers.newTask("task1", service, 1, clock.instant());
        Task second = TestManagers.newTask("task2", service, 2, clock.instant());
        manager.submit(new Command.CreateTasks(List.of(first, second))).get();
        long seen = manager.submit(new Command.AssignTasks(List.of(new Command.Assignment("task1", "n1", Map.of()),
                new Command.Assignment("task2", "n2", Map.of())), clock.instant())).get().index();

        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<AssignmentSet> poll = CompletableFuture.supplyAsync(() -> poll(dispatcher, "n1", seen),
                    executor);
            // Entries that do not touch n1: another node's task, a node registering.
            manager.submit(running("task2")).get();
            dispatcher.hello(new AgentHello(TestManagers.node("n3")));
            Thread.sleep(300);
            assertThat(poll).isNotDone();
            assertThat(poll(dispatcher, "n2", seen).tasks()).extracting(Task::state).containsExactly(TaskState.RUNNING);

            long changed = manager.submit(running("task1")).get().index();
            AssignmentSet answer = poll.get(2, TimeUnit.SECONDS);
            assertThat(answer.index()).isGreaterThanOrEqualTo(changed);
            assertThat(answer.tasks()).extracting(Task::state).containsExactly(TaskState.RUNNING);
        }
    }

    @Test
    void aPollWithNothingNewEndsAfterItsWait() throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofMinutes(1)), clock, TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false));
        AssignmentSet hello = manager.dispatcher().hello(new AgentHello(TestManagers.node("n1")));
        long start = System.nanoTime();
        AssignmentSet answer = manager.dispatcher().assignments("n1", hello.index(), Duration.ofMillis(200));
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(190));
        assertThat(answer.tasks()).isEmpty();
    }

    private static Command running(String taskId) {
        return new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate(taskId,
                TaskStatus.of(TaskState.RUNNING, java.time.Instant.parse("2030-01-01T00:00:00Z"), "started"))));
    }

    private static AssignmentSet poll(Dispatcher dispatcher, String nodeId, long after) {
        try {
            return dispatcher.assignments(nodeId, after, Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
