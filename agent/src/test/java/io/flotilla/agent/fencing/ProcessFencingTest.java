package io.flotilla.agent.fencing;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.ProcessDriver;
import io.flotilla.agent.driver.ProcessGroups;
import io.flotilla.agent.driver.ProcessIdentity;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The process driver's dead man's switch, with a real shim and watchdog: the test plays the agent
 * and writes the lease file itself.
 */
class ProcessFencingTest {
    private static final Duration LEASE = Duration.ofMillis(1000);
    /** The bound the design promises: a task outlives its lease by less than this. */
    private static final long KILL_MARGIN_MS = 300;

    @TempDir
    Path dataDir;

    private final ProcessDriver driver = new ProcessDriver(Clock.systemUTC());
    private final AtomicBoolean renewing = new AtomicBoolean(true);
    private Thread renewer;
    private TaskHandle handle;

    @AfterEach
    void cleanUp() throws Exception {
        renewing.set(false);
        if (renewer != null) {
            renewer.join();
        }
        if (handle != null) {
            ProcessGroups.killQuietly(handle.pid());
            handle.exit().get(10, TimeUnit.SECONDS);
        }
    }

    private Path leaseFile() {
        return Fencing.leaseFile(dataDir);
    }

    private void writeLease(long deadline) throws Exception {
        LeaseKeeper.write(leaseFile(), deadline);
    }

    /** Renews the lease every 100 ms (deadline = now + LEASE) until told to stop. */
    private void renewInBackground() {
        renewer = Thread.ofPlatform().daemon().start(() -> {
            while (renewing.get()) {
                try {
                    writeLease(System.currentTimeMillis() + LEASE.toMillis());
                    Thread.sleep(100);
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    private TaskHandle startFenced(String id) throws Exception {
        Task task = new Task(id, "svc", "db", 1, 1, "node-1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"),
                TaskTemplate.process(List.of("/bin/sh", "-c", "exec sleep 300")), Instant.now(), null, 0,
                TaskAllocation.NONE);
        TaskDirectory directory = TaskDirectory.of(dataDir, id);
        Files.createDirectories(directory.defaultWorkingDir());
        handle = driver.start(new TaskLaunch(task, new Assignment(List.of(), true, Map.of(), false), directory, task.spec().command(), Map.of("PATH", "/usr/bin:/bin"),
                directory.defaultWorkingDir(), Map.of(), List.of(), leaseFile()));
        return handle;
    }

    /** Polls every 5 ms until the process is gone; returns when it was first seen gone (epoch ms). */
    private static long awaitDeath(long pid, Duration atMost) throws InterruptedException {
        long end = System.currentTimeMillis() + atMost.toMillis();
        while (System.currentTimeMillis() < end) {
            if (ProcessIdentity.of(pid).isEmpty()) {
                return System.currentTimeMillis();
            }
            Thread.sleep(5);
        }
        throw new AssertionError("process " + pid + " still runs after " + atMost);
    }

    @Test
    void aRenewedLeaseKeepsTheTaskRunningAndAnExpiredOneKillsItWithinTheMargin() throws Exception {
        renewInBackground();
        TaskHandle task = startFenced("renewed");

        Thread.sleep(2 * LEASE.toMillis()); // twice the lease: only renewals keep it alive
        assertThat(ProcessIdentity.of(task.pid())).isPresent();

        renewing.set(false);
        renewer.join();
        long deadline = LeaseKeeper.read(leaseFile());
        long died = awaitDeath(task.pid(), LEASE.multipliedBy(3));
        assertThat(died - deadline).as("ms the task outlived its lease").isLessThan(KILL_MARGIN_MS);

        ExitStatus exit = task.exit().get(5, TimeUnit.SECONDS);
        assertThat(exit).isEqualTo(new ExitStatus.Signaled(9));
        TaskDirectory directory = TaskDirectory.of(dataDir, "renewed");
        assertThat(Fencing.fencedAt(directory)).contains(Instant.ofEpochMilli(deadline));
        assertThat(Files.readString(directory.shimLog())).contains("fenced: lease expired at");
    }

    @Test
    void withoutALeaseFileTheTaskIsFencedAtOnce() throws Exception {
        TaskHandle task = startFenced("nolease");

        assertThat(task.exit().get(2, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(9));
        assertThat(Fencing.fencedAt(TaskDirectory.of(dataDir, "nolease"))).contains(Instant.EPOCH);
    }

    @Test
    void aFrozenWatchdogKillsTheTaskOnWakingEvenIfTheLeaseWasRenewedMeanwhile() throws Exception {
        renewInBackground();
        TaskHandle task = startFenced("frozen");
        TaskDirectory directory = TaskDirectory.of(dataDir, "frozen");
        long shim = directory.readRecord().orElseThrow().shimPid();
        Thread.sleep(300);

        // The whole node freezes (shim + watchdog, and the task) while the agent side goes on renewing.
        ProcessGroups.signal(shim, "STOP");
        ProcessGroups.signal(task.pid(), "STOP");
        long frozenAt = System.currentTimeMillis();
        Thread.sleep(LEASE.toMillis() + 500);
        assertThat(LeaseKeeper.read(leaseFile())).isGreaterThan(frozenAt + LEASE.toMillis()); // renewed meanwhile
        ProcessGroups.signal(task.pid(), "CONT");
        ProcessGroups.signal(shim, "CONT");

        assertThat(task.exit().get(2, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(9));
        assertThat(Fencing.fencedAt(directory)).isPresent();
    }

    @Test
    void theWatchdogEndsWithItsTask() throws Exception {
        renewInBackground();
        TaskHandle task = startFenced("ends");
        TaskDirectory directory = TaskDirectory.of(dataDir, "ends");
        await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(directory.root().resolve(Fencing.WATCHDOG_PID_FILE)));
        long watchdog = Long.parseLong(Files.readString(directory.root().resolve(Fencing.WATCHDOG_PID_FILE)).strip());

        ProcessGroups.signal(task.pid(), "TERM");

        assertThat(task.exit().get(5, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(15));
        awaitDeath(watchdog, Duration.ofSeconds(2));
        assertThat(Fencing.fencedAt(directory)).isEmpty();
    }
}
