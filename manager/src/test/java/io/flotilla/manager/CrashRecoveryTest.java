package io.flotilla.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.api.HttpTestClient;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateSnapshot;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** A manager killed with SIGKILL (in its own JVM) comes back with every acknowledged change. */
class CrashRecoveryTest {
    @TempDir
    Path dir;
    private final TestManagers managers = new TestManagers();
    private Process child;

    @AfterEach
    void cleanUp() {
        if (child != null) {
            child.destroyForcibly();
        }
        managers.close();
    }

    @Test
    void everyAcknowledgedWriteSurvivesSigkill() throws Exception {
        Path dataDir = dir.resolve("data");
        Path output = dir.resolve("child.log");
        String javaBin = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        child = new ProcessBuilder(javaBin, "-cp", System.getProperty("java.class.path"),
                ManagerProcessMain.class.getName(), dataDir.toString(), Integer.toString(TestManagers.freePort()))
                .redirectErrorStream(true).redirectOutput(output.toFile()).start();
        await().atMost(Duration.ofSeconds(60)).until(() ->
                Files.exists(output) && Files.readString(output).contains("API-PORT "));
        String log = Files.readString(output);
        int port = Integer.parseInt(log.substring(log.indexOf("API-PORT ") + 9).lines().findFirst().orElseThrow().trim());
        HttpTestClient http = new HttpTestClient(new InetSocketAddress("127.0.0.1", port));

        assertThat(http.post("/v1/stacks/shop", new DeployRequest(TestManagers.stack("shop", "web", "db"))).status())
                .isEqualTo(200);
        assertThat(http.post("/v1/services/shop_web/scale", Map.of("replicas", 3)).status()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() ->
                http.get("/v1/state").as(StateSnapshot.class).tasks().size() == 5);
        StateSnapshot acknowledged = http.get("/v1/state").as(StateSnapshot.class);

        child.destroyForcibly(); // SIGKILL
        assertThat(child.waitFor(10, TimeUnit.SECONDS)).isTrue();

        Manager restarted = managers.start(TestManagers.config(dataDir, null), java.time.InstantSource.system(),
                TaskLogSource.NONE, TestManagers.tuning().withOrchestration(false));
        ClusterState state = restarted.state();
        assertThat(state.index()).isGreaterThanOrEqualTo(acknowledged.index());
        assertThat(state.services()).containsExactlyInAnyOrderElementsOf(acknowledged.services());
        assertThat(state.serviceByName("shop_web").map(Service::spec).orElseThrow().replicas()).isEqualTo(3);
        assertThat(state.tasks()).extracting(Task::id)
                .containsAll(acknowledged.tasks().stream().map(Task::id).toList());
    }
}
