package io.flotilla.agent;

import static io.flotilla.agent.TestTasks.NODE;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.driver.ProcessIdentity;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.agent.volume.GlusterDefaults;
import io.flotilla.agent.volume.MountTable;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import io.flotilla.model.api.Assignment;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Volumes and fencing through a whole agent with real process tasks (run as root: the process
 * driver mounts in the task's own mount namespace) and a fake manager.
 */
class AgentVolumesTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(20);
    private static final Assignment FENCED = new Assignment(List.of(), true, Map.of(), false);

    @TempDir
    Path dataDir;
    @TempDir
    Path scratch;

    private FakeManagerChannel manager;
    private Agent agent;

    @BeforeEach
    void startAgent() {
        manager = new FakeManagerChannel(NODE);
        agent = newAgent();
        agent.start();
    }

    @AfterEach
    void stopEverything() {
        agent.close();
        TestTasks.killAll(dataDir);
    }

    private Agent newAgent() {
        AgentConfig config = new AgentConfig(NODE, "host-1", "127.0.0.1", dataDir, null, Set.of("process"),
                Duration.ofMillis(100), GlusterDefaults.NONE);
        return new Agent(config, manager, Clock.systemUTC());
    }

    private TaskStatus awaitState(String taskId, TaskState state) {
        await().atMost(TIMEOUT).until(() -> manager.latest(taskId).map(TaskStatus::state).orElse(null) == state);
        return manager.latest(taskId).orElseThrow();
    }

    private static Task task(String id, String script, List<VolumeMount> volumes, Map<String, String> dependencyAddresses) {
        TaskTemplate template = new TaskTemplate(TaskTemplate.PROCESS, null, List.of("/bin/sh", "-c", script), List.of(),
                Map.of(), null, null, null, Map.of(), null, volumes, null, null, null, null, null, false, false,
                List.of(), List.of(), List.of(), Map.of(), null, List.of());
        return TestTasks.task(id, template, dependencyAddresses);
    }

    @Test
    void aProcessTaskSeesItsVolumesAtTheirTargetsInItsOwnMountNamespace() throws Exception {
        Path absolute = scratch.resolve("srv/data");
        Path hostFile = scratch.resolve("config.txt");
        Files.writeString(hostFile, "from the host\n");
        Path report = scratch.resolve("report.txt");
        String script = """
                echo one > data/ledger.log
                echo two > "$ABS/second.log"
                { cat conf/config.txt
                  if echo x > conf/new 2>/dev/null; then echo ro-writable; else echo ro-refused; fi
                  stat -f -c %T scratch
                  ls anon | wc -l
                } > "$REPORT.tmp" && mv "$REPORT.tmp" "$REPORT"
                exec sleep 300
                """;
        Task task = task("vol", script, List.of(
                        new VolumeMount("volume", "shop_data", "data", false, VolumeOptions.DEFAULT),
                        new VolumeMount("volume", "shop_other", absolute.toString(), false, VolumeOptions.DEFAULT),
                        new VolumeMount("bind", scratch.toString(), "conf", true),
                        new VolumeMount("tmpfs", null, "scratch", false),
                        new VolumeMount("volume", null, "anon", false)),
                Map.of());
        task = new Task(task.id(), task.serviceId(), task.serviceName(), task.slot(), task.serviceVersion(),
                task.nodeId(), task.desiredState(), task.status(),
                task.spec().withEnvironment(Map.of("ABS", absolute.toString(), "REPORT", report.toString())),
                task.createdAt(), task.notBefore(), task.restartCount(), task.allocation());
        manager.assign(task);

        awaitState("vol", TaskState.RUNNING);
        await().atMost(TIMEOUT).until(() -> Files.exists(report));
        assertThat(dataDir.resolve("volumes/shop_data/_data/ledger.log")).hasContent("one");
        assertThat(dataDir.resolve("volumes/shop_other/_data/second.log")).hasContent("two");
        assertThat(Files.readAllLines(report)).containsExactly("from the host", "ro-refused", "tmpfs", "0");
        // The host's mount table is untouched: the targets are empty mount points here.
        assertThat(MountTable.isMounted(absolute)).isFalse();
        assertThat(absolute).isEmptyDirectory();
        assertThat(dataDir.resolve("tasks/vol/work/data")).isEmptyDirectory();
    }

    @Test
    void aStatefulTaskUsesItsSlotsOwnVolume() {
        manager.assign(Map.of("slot", new Assignment(List.of(), false, Map.of(), true, 1, "web-1.web.flotilla")),
                task("slot", "printf '%s %s' \"$FLOTILLA_SLOT\" \"$FLOTILLA_SLOT_NAME\" > data/who; exec sleep 300",
                        List.of(new VolumeMount("volume", "shop_data", "data", false, VolumeOptions.DEFAULT)),
                        Map.of()));

        awaitState("slot", TaskState.RUNNING);
        await().atMost(TIMEOUT).until(() -> Files.exists(dataDir.resolve("volumes/shop_data-1/_data/who")));
        await().atMost(TIMEOUT).untilAsserted(() -> assertThat(dataDir.resolve("volumes/shop_data-1/_data/who"))
                .hasContent("1 web-1.web.flotilla"));
        assertThat(dataDir.resolve("volumes/shop_data")).doesNotExist();
    }

    @Test
    void aVolumeThatCannotBeMountedRejectsTheTask() {
        VolumeOptions gluster = new VolumeOptions(VolumeOptions.GLUSTERFS, Map.of("volume", "gv0"), Map.of(), false);
        manager.assign(task("nogluster", "exec sleep 300",
                List.of(new VolumeMount("volume", "shop_data", "/data", false, gluster)), Map.of()));

        TaskStatus rejected = awaitState("nogluster", TaskState.REJECTED);

        assertThat(rejected.error()).isEqualTo("cannot mount volume shop_data (glusterfs): no GlusterFS servers: set"
                + " driver_opts.servers on the volume, or start the node with --gluster-servers (or"
                + " FLOTILLA_GLUSTER_SERVERS)");
    }

    @Test
    void aFencedTaskRunsWhileTheManagersRenewTheLeaseAndIsFencedWhenTheyStop() throws Exception {
        manager.leaseMillis = 1000;
        manager.assign(Map.of("fenced", FENCED), task("fenced", "exec sleep 300", List.of(), Map.of()));
        TaskStatus running = awaitState("fenced", TaskState.RUNNING);
        Thread.sleep(2000); // twice the lease: the heartbeats' answers keep it alive
        assertThat(ProcessIdentity.of(running.pid())).isPresent();

        manager.setDown(true); // cut off: no answer, no renewal
        await().atMost(TIMEOUT).until(() -> ProcessIdentity.of(running.pid()).isEmpty());
        long deadline = LeaseKeeper.read(Fencing.leaseFile(dataDir));
        manager.setDown(false);

        TaskStatus fenced = awaitState("fenced", TaskState.FAILED);
        assertThat(fenced.error()).isEqualTo("fenced: node lost its lease with the managers at "
                + java.time.Instant.ofEpochMilli(deadline));
        assertThat(fenced.exitCode()).isEqualTo(137);
    }

    @Test
    void aFencedTaskIsFencedWhenItsAgentIsGoneAndTheNextAgentReportsIt() throws Exception {
        manager.leaseMillis = 1000;
        manager.assign(Map.of("orphan", FENCED), task("orphan", "exec sleep 300", List.of(), Map.of()));
        TaskStatus running = awaitState("orphan", TaskState.RUNNING);

        agent.close(); // the agent is gone; its task's watchdog is not
        long closedAt = System.currentTimeMillis();
        await().atMost(TIMEOUT).pollInterval(Duration.ofMillis(10)).until(() -> ProcessIdentity.of(running.pid()).isEmpty());
        long deadline = LeaseKeeper.read(Fencing.leaseFile(dataDir));
        assertThat(System.currentTimeMillis() - deadline).as("ms past the lease").isLessThan(300 + 100);
        assertThat(deadline - closedAt).isLessThanOrEqualTo(1000);

        agent = newAgent();
        agent.start();
        TaskStatus fenced = awaitState("orphan", TaskState.FAILED);
        assertThat(fenced.error()).startsWith("fenced: node lost its lease with the managers at ");
    }

    @Test
    void aFencedTaskIsRejectedWhenTheManagerGrantsNoLease() {
        manager.leaseMillis = 0;
        manager.assign(Map.of("nolease", FENCED), task("nolease", "exec sleep 300", List.of(), Map.of()));

        TaskStatus rejected = awaitState("nolease", TaskState.REJECTED);

        assertThat(rejected.error()).startsWith("cannot start a fenced task: this node holds no lease with the managers");
    }
}
