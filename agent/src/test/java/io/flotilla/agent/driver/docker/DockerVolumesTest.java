package io.flotilla.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.Adoption;
import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.agent.logs.DiskTaskLogSource;
import io.flotilla.agent.volume.GlusterDefaults;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.agent.volume.VolumeDrivers;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import io.flotilla.model.api.Assignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Named volumes as bind mounts, and the fenced container's watchdog, against the real daemon. */
class DockerVolumesTest {
    private static final Duration LEASE = Duration.ofMillis(1000);
    private static DockerDaemon daemon;

    @TempDir
    Path data;
    private final String node = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private final AtomicBoolean renewing = new AtomicBoolean(true);
    private Thread renewer;
    private DockerDriver driver;

    @AfterAll
    static void closeDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    @BeforeEach
    void startDriver() {
        if (daemon == null) {
            daemon = DockerTestEnvironment.require();
        }
        driver = newDriver();
    }

    @AfterEach
    void cleanUp() throws Exception {
        renewing.set(false);
        if (renewer != null) {
            renewer.join();
        }
        if (driver != null) {
            driver.close();
        }
        if (daemon != null) {
            DockerTestEnvironment.removeContainers(daemon, node);
        }
    }

    private DockerDriver newDriver() {
        return new DockerDriver(DockerDaemon.connect().orElseThrow(), node, "127.0.0.1", data, InstantSource.system(),
                new DiskTaskLogSource(data));
    }

    private void renewInBackground() {
        renewer = Thread.ofPlatform().daemon().start(() -> {
            while (renewing.get()) {
                try {
                    Files.createDirectories(Fencing.leaseFile(data).getParent());
                    Files.writeString(data.resolve("lease.new"), (System.currentTimeMillis() + LEASE.toMillis()) + "\n");
                    Files.move(data.resolve("lease.new"), Fencing.leaseFile(data),
                            java.nio.file.StandardCopyOption.ATOMIC_MOVE, java.nio.file.StandardCopyOption.REPLACE_EXISTING);
                    Thread.sleep(100);
                } catch (Exception e) {
                    return;
                }
            }
        });
    }

    private TaskHandle start(Task task) throws Exception {
        return start(task, Assignment.NONE);
    }

    private TaskHandle start(Task task, Assignment assignment) throws Exception {
        TaskDirectory directory = TaskDirectory.of(data, task.id());
        Files.createDirectories(directory.root());
        var mounts = new TaskVolumes(VolumeDrivers.standard(data, GlusterDefaults.NONE)).acquire(task, assignment, directory);
        directory.writeRecord(TaskRecord.prepared(task, assignment, Map.of(), directory.defaultWorkingDir().toString()));
        return driver.start(new TaskLaunch(task, assignment, directory, List.of(), Map.of(), directory.defaultWorkingDir(),
                Map.of(), mounts, assignment.fenced() ? Fencing.leaseFile(data) : null));
    }

    private static final Assignment FENCED = new Assignment(List.of(), true, Map.of(), false);

    private static Task task(String id, String script, List<VolumeMount> volumes, Map<String, String> injected) {
        TaskTemplate template = new TaskTemplate(TaskTemplate.DOCKER, DockerTasks.IMAGE, List.of("sh", "-c", script),
                List.of(), Map.of(), null, null, null, Map.of(), null, volumes, null, null, null, null,
                Duration.ofSeconds(1), false, false, List.of(), List.of(), List.of(), Map.of(), null, List.of());
        return DockerTasks.task(id, template, injected);
    }

    @Test
    void aNamedVolumeIsABindMountOfTheDriversDirectory() throws Exception {
        TaskHandle handle = start(task("vol", "echo hello > /data/greeting && cat /data/seed",
                List.of(new VolumeMount("volume", "teststack_data", "/data", false, VolumeOptions.DEFAULT)), Map.of()));

        // The seed file was not there: cat fails, but the write went to the host directory.
        handle.exit().get(15, TimeUnit.SECONDS);
        assertThat(data.resolve("volumes/teststack_data/_data/greeting")).hasContent("hello");
        var inspect = daemon.client().inspectContainerCmd(handle.containerId()).exec();
        assertThat(inspect.getHostConfig().getMounts()).singleElement().satisfies(mount -> {
            assertThat(mount.getType().name()).isEqualTo("BIND");
            assertThat(mount.getSource()).isEqualTo(data.resolve("volumes/teststack_data/_data").toString());
        });
    }

    @Test
    void aFencedContainerIsKilledOnceTheLeaseIsNoLongerRenewed() throws Exception {
        renewInBackground();
        TaskHandle handle = start(task("fenced", "exec sleep 300", List.of(), Map.of()), FENCED);
        Thread.sleep(2 * LEASE.toMillis());
        assertThat(handle.exit()).isNotDone();

        renewing.set(false);
        renewer.join();
        long deadline = LeaseKeeper.read(Fencing.leaseFile(data));
        ExitStatus exit = handle.exit().get(10, TimeUnit.SECONDS);
        long ended = System.currentTimeMillis();

        assertThat(exit).isEqualTo(new ExitStatus.Signaled(9));
        assertThat(ended - deadline).as("ms the container outlived its lease").isLessThan(1500);
        assertThat(Fencing.fencedAt(TaskDirectory.of(data, "fenced"))).contains(Instant.ofEpochMilli(deadline));
    }

    @Test
    void anAdoptedFencedContainerGetsAWatchdogAgainWhenItsOwnIsGone() throws Exception {
        renewInBackground();
        Task task = task("adopted", "exec sleep 300", List.of(), Map.of());
        start(task, FENCED);
        TaskDirectory directory = TaskDirectory.of(data, "adopted");
        await().atMost(Duration.ofSeconds(5)).until(() -> ContainerWatchdog.running(directory).isPresent());
        ProcessHandle first = ContainerWatchdog.running(directory).orElseThrow();
        driver.close(); // the agent goes away: the watchdog stays
        assertThat(first.isAlive()).isTrue();
        first.destroyForcibly(); // ... until something kills it
        first.onExit().get(5, TimeUnit.SECONDS);

        driver = newDriver();
        Adoption adoption = driver.adopt(directory, directory.readRecord().orElseThrow());
        assertThat(adoption).isInstanceOf(Adoption.StillRunning.class);
        await().atMost(Duration.ofSeconds(5)).until(() -> ContainerWatchdog.running(directory).isPresent());

        renewing.set(false);
        renewer.join();
        TaskHandle handle = ((Adoption.StillRunning) adoption).handle();
        assertThat(handle.exit().get(10, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(9));
        assertThat(Fencing.fencedAt(directory)).isPresent();
    }
}
