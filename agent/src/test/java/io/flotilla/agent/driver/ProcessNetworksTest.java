package io.flotilla.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskNetwork;
import io.flotilla.network.Commands;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Process tasks on overlay networks, on the real kernel: each runs in its own network namespace,
 * attached to the bridges of a "node" that is a namespace of this test's own ({@value #NODE}, with
 * {@code fl-br-9001} and {@code fl-br-9002} on 198.18.200.0/25 and 198.18.200.128/25, checked to be
 * on no interface or route of the machine, and with no other interface: nothing leaves it). The
 * tasks print their addresses and resolver and ping their gateway, inside that namespace only.
 * Needs root and iproute2, as CI has them: fails, never skips, without.
 */
class ProcessNetworksTest {
    static final String NODE = "flag-node";
    static final TaskNetwork FRONT = new TaskNetwork("agtest_front", 9001, "198.18.200.0/25", "198.18.200.1", false,
            "198.18.200.5");
    static final TaskNetwork BACK = new TaskNetwork("agtest_back", 9002, "198.18.200.128/25", "198.18.200.129", true,
            "198.18.200.133");

    @TempDir
    Path data;
    /** Started by a test: killed and their namespaces removed after it, whether it passed or not. */
    private final List<Map.Entry<Task, TaskHandle>> started = new java.util.ArrayList<>();

    @AfterEach
    void stopTheTasks() {
        for (Map.Entry<Task, TaskHandle> entry : started) {
            entry.getValue().killAll();
            networks().leave(entry.getKey().id());
        }
    }

    @BeforeAll
    static void makeTheNode() throws Exception {
        assertThat(ProcessNetworks.missingPrivilege()).as("process tasks on networks need root and iproute2").isNull();
        tearDownTheNode();
        assertThat(sh("ip -4 -o route show match 198.18.200.1").lines()).as("198.18.200.0/24 must be unused here")
                .allMatch(line -> line.startsWith("default "));
        sh("ip netns add " + NODE);
        for (TaskNetwork network : List.of(FRONT, BACK)) {
            sh("ip -n " + NODE + " link add " + network.bridge() + " mtu 1450 type bridge");
            sh("ip -n " + NODE + " addr add " + network.gateway() + "/" + network.prefixLength() + " dev " + network.bridge());
            sh("ip -n " + NODE + " link set dev " + network.bridge() + " up");
        }
    }

    @AfterAll
    static void tearDownTheNode() throws Exception {
        if (sh("ip netns list").lines().anyMatch(line -> line.split(" ")[0].equals(NODE))) {
            sh("ip netns del " + NODE);
        }
    }

    private static ProcessNetworks networks() {
        return new ProcessNetworks(Commands.inNamespace(NODE), Path.of("/etc/netns"), "corp");
    }

    private static Task task(String script, String networkMode) {
        String id = "pn" + UUID.randomUUID().toString().replace("-", "").substring(0, 23);
        return new Task(id, "svc", "agtest_web", 1, 1, "node-1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"),
                TaskTemplate.process(List.of("/bin/sh", "-c", script)).withNetworks(List.of(), networkMode),
                Instant.now(), null, 0, TaskAllocation.NONE);
    }

    private TaskHandle start(ProcessDriver driver, Task task, Assignment assignment, List<HostMount> mounts)
            throws Exception {
        TaskDirectory directory = TaskDirectory.of(data, task.id());
        Files.createDirectories(directory.defaultWorkingDir());
        TaskHandle handle = driver.start(new TaskLaunch(task, assignment, directory, task.spec().command(),
                Map.of("PATH", "/usr/sbin:/usr/bin:/sbin:/bin"), directory.defaultWorkingDir(), Map.of(), mounts, null));
        started.add(Map.entry(task, handle));
        return handle;
    }

    private String output(Task task) throws Exception {
        return Files.readString(TaskDirectory.of(data, task.id()).outputLog());
    }

    @Test
    void aTaskOnTwoNetworksRunsInItsNamespaceAtItsAddressesWithItsResolverAndTheNamespaceGoesWithIt() throws Exception {
        String scratch = data.resolve("scratch").toString();
        Task task = task("readlink /proc/self/ns/net; ip -4 -o addr; ip route; cat /etc/resolv.conf;"
                + " ping -n -c1 -W2 198.18.200.1 >/dev/null && echo gateway-answers; stat -f -c fs=%T " + scratch, null);
        Task plain = task("readlink /proc/self/ns/net", null);
        ProcessDriver driver = new ProcessDriver(Clock.systemUTC(), networks(), null);
        Assignment assignment = Assignment.NONE.withNetworks(List.of(FRONT, BACK), "agtest");

        TaskHandle handle = start(driver, task, assignment,
                List.of(new HostMount(HostMount.Type.TMPFS, null, scratch, false, null, null)));
        assertThat(handle.exit().get(20, TimeUnit.SECONDS)).as(output(task)).isEqualTo(new ExitStatus.Exited(0));
        TaskHandle plainHandle = start(driver, plain, Assignment.NONE, List.of());
        assertThat(plainHandle.exit().get(20, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Exited(0));

        String output = output(task);
        assertThat(output).contains("inet 198.18.200.5/25", "inet 198.18.200.133/25",
                "default via 198.18.200.1 dev eth0", "nameserver 198.18.200.1", "search agtest.corp",
                "gateway-answers", "fs=tmpfs");
        String hostNet = Files.readSymbolicLink(Path.of("/proc/self/ns/net")).toString();
        assertThat(output.lines().findFirst().orElseThrow()).as("its own network namespace").isNotEqualTo(hostNet);
        assertThat(output(plain).strip()).as("a task without networks keeps the host's").isEqualTo(hostNet);
        String namespace = ProcessNetworks.namespace(task.id());
        assertThat(sh("ip netns list")).as("removed when the task ended").doesNotContain(namespace);
        assertThat(Path.of("/etc/netns", namespace)).doesNotExist();
        assertThat(sh("ip -n " + NODE + " -o link show master " + FRONT.bridge())).as("its veth went with it").isBlank();
    }

    @Test
    void anAdoptedTaskKeepsItsNamespaceUntilItEndsAndNetworkModeNoneHasOnlyLoopback() throws Exception {
        Task task = task("ip -4 -o addr; echo started; sleep 60", null);
        Assignment assignment = Assignment.NONE.withNetworks(List.of(FRONT), "agtest");
        TaskHandle first = start(new ProcessDriver(Clock.systemUTC(), networks(), null), task, assignment, List.of());
        TaskDirectory directory = TaskDirectory.of(data, task.id());
        String namespace = ProcessNetworks.namespace(task.id());
        org.awaitility.Awaitility.await().until(() -> output(task).contains("started"));
        assertThat(output(task)).contains("inet 198.18.200.5/25");

        Adoption adoption = new ProcessDriver(Clock.systemUTC(), networks(), null)
                .adopt(directory, directory.readRecord().orElseThrow());
        assertThat(adoption).isInstanceOf(Adoption.StillRunning.class);
        assertThat(sh("ip netns list")).contains(namespace);
        TaskHandle adopted = ((Adoption.StillRunning) adoption).handle();
        adopted.killAll();
        assertThat(adopted.exit().get(20, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(9));
        first.exit().get(20, TimeUnit.SECONDS);
        assertThat(sh("ip netns list")).doesNotContain(namespace);

        Task isolated = task("ip -o link; ip -4 -o addr", TaskTemplate.NO_NETWORK);
        TaskHandle none = start(new ProcessDriver(Clock.systemUTC(), networks(), null), isolated, Assignment.NONE,
                List.of());
        assertThat(none.exit().get(20, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Exited(0));
        assertThat(output(isolated).lines().filter(line -> line.contains("<"))).as("only lo").hasSize(1)
                .allMatch(line -> line.contains(" lo: ") && line.contains("UP"));
        assertThat(sh("ip netns list")).doesNotContain(ProcessNetworks.namespace(isolated.id()));
    }

    @Test
    void theJanitorRemovesOnlyTheNamespacesThisAgentMadeForTasksItNoLongerHas() throws Exception {
        ProcessNetworks mine = new ProcessNetworks(Commands.inNamespace(NODE), Path.of("/etc/netns"), "corp",
                data.resolve("netns"));
        Task left = task("true", null);
        Task kept = task("true", null);
        String foreign = "fl-otheragent1";
        try {
            // As an agent killed while both ran: their namespaces stay, one task is gone from the cluster.
            mine.join(left, Assignment.NONE.withNetworks(List.of(FRONT), "agtest"));
            mine.join(kept, Assignment.NONE.withNetworks(List.of(new TaskNetwork("agtest_front", 9001,
                    "198.18.200.0/25", "198.18.200.1", false, "198.18.200.6")), "agtest"));
            sh("ip netns add " + foreign); // another agent's, on the same machine
            assertThat(mine.collect(java.util.Set.of(kept.id()))).containsExactly(left.id());
            assertThat(sh("ip netns list")).doesNotContain(ProcessNetworks.namespace(left.id()))
                    .contains(ProcessNetworks.namespace(kept.id())).contains(foreign);
            assertThat(data.resolve("netns").resolve(ProcessNetworks.namespace(left.id()))).doesNotExist();
            assertThat(mine.collect(java.util.Set.of(kept.id()))).isEmpty();
        } finally {
            mine.leave(left.id());
            mine.leave(kept.id());
            sh("ip netns del " + foreign + " 2>/dev/null || true");
        }
        assertThat(sh("ip netns list")).doesNotContain(ProcessNetworks.namespace(kept.id()));
    }

    @Test
    void aNodeThatCannotMakeNamespacesRejectsATaskOnNetworks() {
        Task task = task("true", null);
        ProcessDriver driver = new ProcessDriver(Clock.systemUTC());
        org.assertj.core.api.Assertions.assertThatThrownBy(() -> driver.prepare(task,
                        Assignment.NONE.withNetworks(List.of(FRONT), "agtest"), progress -> { }))
                .isInstanceOf(DriverException.class).hasMessageContaining("network namespace");
    }

    @Test
    void theResolverIsTheFirstGatewayWithTheStacksDomainAndNamespacesAreShortTaskIds() {
        assertThat(ProcessNetworks.resolvConf(Assignment.NONE.withNetworks(List.of(BACK, FRONT), "shop"), "corp"))
                .contains("nameserver 198.18.200.129\nsearch shop.corp\n");
        assertThat(ProcessNetworks.resolvConf(Assignment.NONE.withNetworks(List.of(FRONT), null), "corp"))
                .doesNotContain("search");
        assertThat(ProcessNetworks.namespace("abcdefghijklmnopqrstuvwxy")).isEqualTo("fl-abcdefghijkl");
    }

    static String sh(String command) throws Exception {
        Process process = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        assertThat(process.exitValue()).as(command + ": " + output).isZero();
        return output;
    }
}
