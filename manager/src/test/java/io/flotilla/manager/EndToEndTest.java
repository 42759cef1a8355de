package io.flotilla.manager;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.api.HttpTestClient;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.ServiceSummary;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.TaskLogSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The whole manager with the real orchestrator and scheduler, and agents played by the test:
 * deploy → tasks placed → agents run them → a node dies → its tasks are replaced elsewhere.
 */
class EndToEndTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private final FakeClock clock = new FakeClock();

    @AfterEach
    void closeAll() {
        managers.close();
    }

    @Test
    void deployRunAndReplaceTasksOfADeadNode() throws Exception {
        // a grace of one timeout after the start: this test judges liveness from the first seconds on
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofSeconds(3)), clock,
                TaskLogSource.NONE, TestManagers.tuning().withLeaderGrace(Duration.ofSeconds(3)));
        HttpTestClient http = new HttpTestClient(manager.apiAddress());
        http.post("/v1/dispatcher/hello", new AgentHello(TestManagers.node("n1")));
        http.post("/v1/dispatcher/hello", new AgentHello(TestManagers.node("n2")));

        assertThat(http.post("/v1/stacks/shop", new DeployRequest(TestManagers.stack("shop", "web"))).status())
                .isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> runAssigned(http, "n1") + runAssigned(http, "n2") == 2);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            ServiceSummary summary = http.get("/v1/services?stack=shop").as(ServiceSummary[].class)[0];
            assertThat(summary.running()).isEqualTo(2);
            assertThat(summary.desired()).isEqualTo(2);
        });

        // n1 falls silent; n2 keeps reporting
        clock.advance(Duration.ofSeconds(2));
        runAssigned(http, "n2");
        clock.advance(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(10)).until(() ->
                manager.state().node("n1").orElseThrow().status().state() == NodeState.DOWN);

        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> {
            runAssigned(http, "n2");
            List<Task> running = manager.state().tasks().stream()
                    .filter(t -> t.desiredState() == TaskState.RUNNING && t.state() == TaskState.RUNNING).toList();
            assertThat(running).hasSize(2).allSatisfy(t -> assertThat(t.nodeId()).isEqualTo("n2"));
        });
    }

    /** Plays an agent: reports every assigned task of the node as running; returns how many it runs. */
    private int runAssigned(HttpTestClient http, String nodeId) throws Exception {
        AssignmentSet set = http.get("/v1/dispatcher/assignments?node=" + nodeId + "&wait=0").as(AssignmentSet.class);
        List<Command.TaskStatusUpdate> updates = set.tasks().stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.state() != TaskState.RUNNING)
                .map(t -> new Command.TaskStatusUpdate(t.id(), TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")))
                .toList();
        set.tasks().forEach(t -> assertThat(set.assignment(t.id()).ports()).isEqualTo(List.of(new io.flotilla.model.api.Assignment.Port("http", 8080), new io.flotilla.model.api.Assignment.Port("9090", 9090))));
        http.post("/v1/dispatcher/status", new StatusReport(nodeId, updates));
        return (int) set.tasks().stream().filter(t -> t.desiredState() == TaskState.RUNNING).count();
    }
}
