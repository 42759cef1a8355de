package io.flotilla.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A status told again ({@link TaskRunner#reportStatus}, when the manager shows an older state)
 * races with the runner moving on (a rotation's "written", a health change): the last status the
 * listener hears must be the runner's own, never a stale copy told after the newer one. A stale
 * last word once left the manager showing a rotated secret's old version for good.
 */
class StatusReportOrderTest {
    @TempDir
    Path dataDir;

    @Test
    void aStatusToldAgainNeverOvertakesANewerOne() throws Exception {
        AtomicReference<TaskStatus> lastHeard = new AtomicReference<>();
        TaskRunnerContext context = new TaskRunnerContext("node-1", "127.0.0.1", dataDir, Map.of(),
                new PortAllocator("127.0.0.1"), Map.of(), Clock.systemUTC(), (id, status) -> {
                    Thread.yield(); // as a reporter that takes its own lock: widens the window a stale copy needs
                    lastHeard.set(status);
                });
        Task task = new Task("t1", "svc-t1", "web", 1, 1, "node-1", TaskState.RUNNING,
                TaskStatus.of(TaskState.RUNNING, Instant.now(), "running"),
                TaskTemplate.process(List.of("/bin/true")), Instant.now(), null, 0, TaskAllocation.NONE);
        TaskRecord record = new TaskRecord(task, Assignment.NONE, null, null, 1L, 1L, Map.of(), null, Instant.now());
        TaskRunner runner = TaskRunner.adopted(record, new StillRunning(), context);

        for (int round = 0; round < 200; round++) {
            CountDownLatch go = new CountDownLatch(1);
            AtomicBoolean moved = new AtomicBoolean();
            int r = round;
            Thread mover = Thread.ofPlatform().start(() -> {
                await(go);
                for (int i = 0; i < 50; i++) {
                    runner.runsStill("round " + r + " change " + i, null);
                }
                moved.set(true);
            });
            Thread teller = Thread.ofPlatform().start(() -> {
                await(go);
                while (!moved.get()) { // telling still when the last change comes
                    runner.reportStatus();
                }
            });
            go.countDown();
            mover.join();
            teller.join();
            assertThat(lastHeard.get()).as("round %d", round).isEqualTo(runner.status());
        }
    }

    private static void await(CountDownLatch latch) {
        try {
            latch.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** A task that runs until the test ends; nothing is ever sent to a process. */
    private static final class StillRunning implements TaskHandle {
        @Override
        public long pid() {
            return 0;
        }

        @Override
        public CompletableFuture<ExitStatus> exit() {
            return new CompletableFuture<>();
        }

        @Override
        public void signal(String signal) {}

        @Override
        public void killAll() {}
    }
}
