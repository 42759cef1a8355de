package io.flotilla.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.exception.NotFoundException;
import io.flotilla.agent.driver.Adoption;
import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.logs.DiskTaskLogSource;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The docker driver against the real daemon (see {@link DockerTestEnvironment}). */
class DockerDriverTest {
    private static DockerDaemon daemon;

    @TempDir
    Path data;
    private final String node = "test-" + UUID.randomUUID().toString().substring(0, 8);
    private DockerDriver driver;


    @AfterAll
    static void closeDaemon() {
        if (daemon != null) {
            daemon.close();
        }
    }

    /** Per test, not in @BeforeAll: without a daemon every test then shows as skipped (or failed), with the reason. */
    @BeforeEach
    void startDriver() {
        if (daemon == null) {
            daemon = DockerTestEnvironment.require();
        }
        driver = newDriver();
    }

    @AfterEach
    void cleanUp() {
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

    private static Task shell(String id, String script) {
        return DockerTasks.task(id, DockerTasks.template(DockerTasks.IMAGE, List.of("sh", "-c", script)), Map.of());
    }

    private TaskHandle start(Task task, Map<String, Integer> hostPorts) throws Exception {
        return start(task, Assignment.NONE, hostPorts);
    }

    private TaskHandle start(Task task, Assignment assignment, Map<String, Integer> hostPorts) throws Exception {
        TaskDirectory directory = TaskDirectory.of(data, task.id());
        Files.createDirectories(directory.root());
        return driver.start(new TaskLaunch(task, assignment, directory, List.of(), Map.of(), directory.defaultWorkingDir(),
                hostPorts));
    }

    private static ExitStatus exitOf(TaskHandle handle) throws Exception {
        return handle.exit().get(15, TimeUnit.SECONDS);
    }

    @Test
    void reportsTheExitCodeAtOnce() throws Exception {
        TaskHandle handle = start(shell("exit3", "exit 3"), Map.of());

        assertThat(handle.containerId()).isNotBlank();
        assertThat(exitOf(handle)).isEqualTo(new ExitStatus.Exited(3));
    }

    @Test
    void stopsWithTheStopSignalAndKills() throws Exception {
        TaskHandle trapping = start(shell("trap", "trap 'exit 7' TERM; echo ready; while :; do sleep 0.1; done"), Map.of());
        TaskHandle stubborn = start(shell("stubborn", "trap '' TERM; while :; do sleep 0.1; done"), Map.of());
        awaitLog(shell("trap", ""), "ready");

        trapping.signal("TERM");
        stubborn.signal("TERM");
        assertThat(exitOf(trapping)).isEqualTo(new ExitStatus.Exited(7));
        Thread.sleep(300);
        assertThat(stubborn.exit()).isNotDone();
        stubborn.killAll();
        assertThat(exitOf(stubborn)).isEqualTo(new ExitStatus.Signaled(9));
    }

    @Test
    void publishesThePortOnTheNodeAddressAndServesLogs() throws Exception {
        int hostPort;
        try (ServerSocket socket = new ServerSocket(0)) {
            hostPort = socket.getLocalPort();
        }
        Task task = DockerTasks.task("web", DockerTasks.template(DockerTasks.IMAGE,
                List.of("sh", "-c", "echo hello-log; echo port=$PORT; exec httpd -f -p $PORT -h /www")),
                Map.of());
        TaskHandle handle = start(task, new Assignment(List.of(new Assignment.Port("http", 8080)), false, Map.of(), false),
                Map.of("http", hostPort));

        HttpClient http = HttpClient.newHttpClient();
        await().atMost(Duration.ofSeconds(10)).ignoreExceptions().untilAsserted(() -> assertThat(http.send(
                HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + hostPort + "/")).build(),
                HttpResponse.BodyHandlers.ofString()).body()).contains("flotilla test page"));
        assertThat(logs(task)).contains("hello-log", "port=8080");
        handle.killAll();
        exitOf(handle);
    }

    @Test
    void adoptsARunningContainerAfterARestartAndReportsAnEndedOne() throws Exception {
        Task running = shell("long", "while :; do sleep 0.1; done");
        Task ended = shell("short", "exit 5");
        TaskHandle first = start(running, Map.of());
        exitOf(start(ended, Map.of()));
        driver.close();

        driver = newDriver();
        Adoption adoption = driver.adopt(TaskDirectory.of(data, running.id()), TaskRecord.prepared(running, Assignment.NONE, Map.of(), "/"));
        Adoption endedAdoption = driver.adopt(TaskDirectory.of(data, ended.id()), TaskRecord.prepared(ended, Assignment.NONE, Map.of(), "/"));

        assertThat(endedAdoption).isEqualTo(new Adoption.Ended(new ExitStatus.Exited(5)));
        assertThat(adoption).isInstanceOf(Adoption.StillRunning.class);
        TaskHandle adopted = ((Adoption.StillRunning) adoption).handle();
        assertThat(adopted.containerId()).isEqualTo(first.containerId());
        daemon.client().killContainerCmd(adopted.containerId()).exec();
        assertThat(exitOf(adopted)).isEqualTo(new ExitStatus.Signaled(9));
    }

    @Test
    void neverRunsTwoContainersForOneTask() throws Exception {
        Task task = shell("once", "while :; do sleep 0.1; done");
        TaskHandle first = start(task, Map.of());
        TaskHandle second = start(task, Map.of());

        assertThat(second.containerId()).isEqualTo(first.containerId());
        assertThat(driver.containersOf(task.id())).hasSize(1);
    }

    @Test
    void passesDockersHealthVerdictWithTheProbeOutput() throws Exception {
        Task task = DockerTasks.withHealthcheck(shell("sick", "while :; do sleep 0.1; done"),
                new HealthcheckSpec(List.of("CMD-SHELL", "echo probe-says-no; exit 1"), Duration.ofMillis(200),
                        Duration.ofSeconds(2), 1, Duration.ZERO, null));
        TaskHandle handle = start(task, Map.of());
        List<String> verdicts = new CopyOnWriteArrayList<>();

        assertThat(handle.checksHealth()).isTrue();
        handle.watchHealth((health, output) -> verdicts.add(health + ": " + output));
        await().atMost(Duration.ofSeconds(10)).until(() -> verdicts.contains("unhealthy: probe-says-no"));
    }

    @Test
    void removesContainersOfTasksNoLongerWantedAndKeepsTheirOutput() throws Exception {
        Task wanted = shell("wanted", "while :; do sleep 0.1; done");
        Task done = shell("done", "echo last-words");
        start(wanted, Map.of());
        exitOf(start(done, Map.of()));

        driver.retainOnly(Set.of(wanted.id()));

        assertThat(driver.containersOf(done.id())).isEmpty();
        assertThat(driver.containersOf(wanted.id())).hasSize(1);
        assertThat(logs(done)).contains("last-words");
    }

    @Test
    void pullsFromARegistryWithProgressAndPolicy() throws Exception {
        DockerTestEnvironment.runSetupScript();
        String image = DockerTestEnvironment.REGISTRY + "/flotilla-test/busybox:1";
        removeImage(image);
        List<String> messages = new CopyOnWriteArrayList<>();
        Task never = DockerTasks.task("n", withPullPolicy(DockerTasks.template(image, List.of()), "never"), Map.of());
        Task always = DockerTasks.task("a", withPullPolicy(DockerTasks.template(image, List.of()), "always"), Map.of());
        ImageMeters meters = imageMeters();

        assertThatThrownBy(() -> driver.prepare(never, Assignment.NONE, messages::add)).isInstanceOf(DriverException.class)
                .hasMessageContaining("pull_policy is never");
        driver.prepare(always, Assignment.NONE, messages::add);
        assertThat(meters.pulled().count()).isEqualTo(1);
        assertThat(meters.pullFailed().count()).isZero();

        assertThat(messages).first().isEqualTo("pulling image " + image);
        assertThat(messages).last().isEqualTo("pulled image " + image);
        daemon.client().inspectImageCmd(image).exec();
        driver.prepare(never, Assignment.NONE, messages::add);
    }

    @Test
    void aFailedPullSaysWhatTheDaemonSaid() {
        DockerTestEnvironment.runSetupScript();
        Task task = DockerTasks.task("m", DockerTasks.template(DockerTestEnvironment.REGISTRY + "/flotilla-test/missing:1",
                List.of()), Map.of());
        ImageMeters meters = imageMeters();

        assertThatThrownBy(() -> driver.prepare(task, Assignment.NONE, message -> { })).isInstanceOf(DriverException.class)
                .hasMessageStartingWith("cannot pull image 127.0.0.1:5000/flotilla-test/missing:1: ")
                .hasMessageContaining("not found");
        assertThat(meters.pullFailed().count()).isEqualTo(1);
        assertThat(meters.pulled().count()).isZero();
    }

    /** The driver's pulls and loads counted in a registry of this test's. */
    private ImageMeters imageMeters() {
        var registry = new io.micrometer.core.instrument.simple.SimpleMeterRegistry();
        ImageMeters meters = new ImageMeters(registry.counter("pulled"), registry.counter("pull-failed"),
                registry.counter("loaded"), registry.counter("load-failed"));
        driver.imageMeters(meters);
        return meters;
    }

    private static TaskTemplate withPullPolicy(TaskTemplate template, String policy) {
        return new TaskTemplate(template.driver(), template.image(), template.command(), template.entrypoint(),
                template.environment(), template.workingDir(), template.user(), template.hostname(), template.labels(),
                template.healthcheck(), template.volumes(), template.resources(), template.restartPolicy(),
                template.placement(), template.stopSignal(), template.stopGracePeriod(), template.init(),
                template.readOnly(), template.capAdd(), template.capDrop(), template.tmpfs(), template.ulimits(), policy,
                template.networks());
    }

    private static void removeImage(String image) {
        try {
            daemon.client().removeImageCmd(image).withForce(true).exec();
        } catch (NotFoundException e) {
            // not there
        }
    }

    private String logs(Task task) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        driver.logSource().orElseThrow().write(task, -1, false, out);
        return out.toString(StandardCharsets.UTF_8);
    }

    private void awaitLog(Task task, String text) {
        await().atMost(Duration.ofSeconds(10)).until(() -> logs(task).contains(text));
    }
}
