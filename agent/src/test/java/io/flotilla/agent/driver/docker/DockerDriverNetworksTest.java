package io.flotilla.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.InspectContainerResponse;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Network;
import io.flotilla.agent.driver.Adoption;
import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.logs.DiskTaskLogSource;
import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskNetwork;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker driver puts a task's container on its overlays, against the real daemon: created on
 * the first network at the managers' address, connected to the second at its own before it starts,
 * the node's DNS (the first gateway) and the stack's search domain in its HostConfig, adopted after
 * an agent restart, and its Docker networks removed by the janitor's second pass after the last
 * container left; {@code network_mode: host} and {@code none} are Docker's. Nothing is sent: the
 * containers only print their own configuration. The ranges (198.18.201.0/24, 198.18.202.0/24) are
 * checked to be on no interface or route before the test makes the bridges.
 */
class DockerDriverNetworksTest {
    static final TaskNetwork FRONT = new TaskNetwork("agtest_front", 9101, "198.18.201.0/24", "198.18.201.1", false,
            "198.18.201.7");
    static final TaskNetwork BACK = new TaskNetwork("agtest_back", 9102, "198.18.202.0/24", "198.18.202.1", true,
            "198.18.202.9");

    @TempDir
    Path data;
    private final String node = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private DockerDaemon daemon;
    private DockerDriver driver;

    @BeforeEach
    void start() throws Exception {
        daemon = DockerTestEnvironment.require();
        removeNetworks();
        for (String gateway : List.of(FRONT.gateway(), BACK.gateway())) {
            String routes = run("ip", "-4", "-o", "route", "show", "match", gateway);
            assertThat(routes.lines()).as("%s must be on no interface or route of this machine", gateway)
                    .allMatch(line -> line.startsWith("default "));
        }
        driver = newDriver();
    }

    @AfterEach
    void cleanUp() {
        if (driver != null) {
            driver.close();
        }
        DockerTestEnvironment.removeContainers(daemon, node);
        removeNetworks();
        daemon.close();
    }

    private void removeNetworks() {
        DockerNetworks networks = new DockerNetworks(daemon.client());
        networks.removeIfUnused(FRONT.network());
        networks.removeIfUnused(BACK.network());
    }

    private DockerDriver newDriver() {
        return new DockerDriver(DockerDaemon.connect().orElseThrow(), node, "127.0.0.1", data, InstantSource.system(),
                new DiskTaskLogSource(data), "corp");
    }

    private TaskHandle start(Task task, Assignment assignment) throws Exception {
        TaskDirectory directory = TaskDirectory.of(data, task.id());
        Files.createDirectories(directory.root());
        return driver.start(new TaskLaunch(task, assignment, directory, List.of(), Map.of(),
                directory.defaultWorkingDir(), Map.of()));
    }

    private static Task shell(String id, String script) {
        return DockerTasks.task(id, DockerTasks.template(DockerTasks.IMAGE, List.of("sh", "-c", script)), Map.of());
    }

    @Test
    void aTaskOnTwoNetworksRunsAtItsAddressesWithTheNodesDnsAndIsAdoptedThenItsNetworksGo() throws Exception {
        Task task = shell("twonets", "ip -4 -o addr; cat /etc/resolv.conf; echo printed; sleep 60");
        Assignment assignment = Assignment.NONE.withNetworks(List.of(FRONT, BACK), "agtest");
        TaskHandle handle = start(task, assignment);

        InspectContainerResponse inspected = daemon.client().inspectContainerCmd(handle.containerId()).exec();
        Map<String, ContainerNetwork> attached = inspected.getNetworkSettings().getNetworks();
        assertThat(attached).containsOnlyKeys("flotilla-agtest_front", "flotilla-agtest_back");
        assertThat(attached.get("flotilla-agtest_front").getIpAddress()).isEqualTo("198.18.201.7");
        assertThat(attached.get("flotilla-agtest_back").getIpAddress()).isEqualTo("198.18.202.9");
        assertThat(inspected.getHostConfig().getNetworkMode()).isEqualTo("flotilla-agtest_front");
        assertThat(inspected.getHostConfig().getDns()).containsExactly("198.18.201.1");
        assertThat(inspected.getHostConfig().getDnsSearch()).containsExactly("agtest.corp");
        assertThat(run("ip", "-o", "link", "show", "dev", "fl-br-9101")).as("the overlay's bridge").contains("fl-br-9101");

        await().atMost(Duration.ofSeconds(10)).until(() -> logs(handle.containerId()).contains("printed"));
        String output = logs(handle.containerId());
        assertThat(output).contains("inet 198.18.201.7/24", "inet 198.18.202.9/24", "search agtest.corp")
                .as("Docker's embedded DNS fronts a user network; it forwards to HostConfig.Dns")
                .contains("nameserver 127.0.0.11");

        driver.close(); // an agent restart: the container runs on and is adopted by the next agent
        driver = newDriver();
        Adoption adoption = driver.adopt(TaskDirectory.of(data, task.id()),
                TaskRecord.prepared(task, assignment, Map.of(), "/"));
        assertThat(adoption).isInstanceOf(Adoption.StillRunning.class);
        TaskHandle adopted = ((Adoption.StillRunning) adoption).handle();
        assertThat(adopted.containerId()).isEqualTo(handle.containerId());

        driver.retainOnly(Set.of(task.id()));
        driver.retainOnly(Set.of(task.id()));
        assertThat(dockerNetwork(FRONT)).as("in use: kept").isNotNull();
        adopted.killAll();
        assertThat(adopted.exit().get(15, TimeUnit.SECONDS)).isEqualTo(new ExitStatus.Signaled(9));
        driver.retainOnly(Set.of()); // the container goes; its networks are idle for the first time
        assertThat(daemon.client().listContainersCmd().withShowAll(true).withIdFilter(List.of(handle.containerId()))
                .exec()).isEmpty();
        assertThat(dockerNetwork(FRONT)).as("idle for one pass: kept (another agent may be starting on it)").isNotNull();
        driver.retainOnly(Set.of());
        assertThat(dockerNetwork(FRONT)).as("idle for two passes: removed").isNull();
        assertThat(dockerNetwork(BACK)).isNull();
    }

    @Test
    void aContainerOnAnOverlayIsStillReachedOnItsPublishedPortOnTheNodeAddress() throws Exception {
        int hostPort;
        try (java.net.ServerSocket socket = new java.net.ServerSocket(0)) {
            hostPort = socket.getLocalPort();
        }
        Task task = shell("published", "exec httpd -f -p $PORT -h /www");
        Assignment assignment = new Assignment(List.of(new Assignment.Port("http", 8080)), false, Map.of(), false)
                .withNetworks(List.of(FRONT), "agtest");
        TaskDirectory directory = TaskDirectory.of(data, task.id());
        Files.createDirectories(directory.root());
        driver.start(new TaskLaunch(task, assignment, directory, List.of(), Map.of(), directory.defaultWorkingDir(),
                Map.of("http", hostPort)));

        java.net.http.HttpClient http = java.net.http.HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> assertThat(http.send(
                java.net.http.HttpRequest.newBuilder(java.net.URI.create("http://127.0.0.1:" + hostPort + "/")).build(),
                java.net.http.HttpResponse.BodyHandlers.ofString()).body()).contains("flotilla test page"));
    }

    @Test
    void networkModeHostAndNoneAreDockers() throws Exception {
        TaskHandle host = start(DockerTasks.task("hostnet", DockerTasks.template(DockerTasks.IMAGE,
                List.of("sleep", "60")).withNetworks(List.of(), "host"), Map.of()), Assignment.NONE);
        TaskHandle none = start(DockerTasks.task("nonet", DockerTasks.template(DockerTasks.IMAGE,
                List.of("sh", "-c", "ip -o link; echo printed; sleep 60")).withNetworks(List.of(), "none"), Map.of()),
                Assignment.NONE);

        assertThat(daemon.client().inspectContainerCmd(host.containerId()).exec().getHostConfig().getNetworkMode())
                .isEqualTo("host");
        InspectContainerResponse isolated = daemon.client().inspectContainerCmd(none.containerId()).exec();
        assertThat(isolated.getHostConfig().getNetworkMode()).isEqualTo("none");
        assertThat(isolated.getNetworkSettings().getNetworks()).containsOnlyKeys("none");
        await().atMost(Duration.ofSeconds(10)).until(() -> logs(none.containerId()).contains("printed"));
        assertThat(logs(none.containerId()).lines().filter(line -> line.contains(": ") && line.contains("<")))
                .as("only lo").hasSize(1).allMatch(line -> line.contains(" lo: "));
    }

    private Network dockerNetwork(TaskNetwork network) {
        return daemon.client().listNetworksCmd().withNameFilter(DockerNetworks.dockerName(network.network())).exec()
                .stream().filter(found -> found.getName().equals(DockerNetworks.dockerName(network.network())))
                .findFirst().orElse(null);
    }

    private static String logs(String containerId) throws Exception {
        return run("docker", "logs", containerId);
    }

    private static String run(String... argv) throws Exception {
        Process process = new ProcessBuilder(argv).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(20, TimeUnit.SECONDS)).isTrue();
        return output;
    }
}
