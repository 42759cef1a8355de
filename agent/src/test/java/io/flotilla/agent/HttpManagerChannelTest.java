package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/** The HTTP channel against a stub dispatcher in the test's JVM. */
class HttpManagerChannelTest {
    private final List<String> requests = new CopyOnWriteArrayList<>();
    private final List<byte[]> bodies = new CopyOnWriteArrayList<>();
    private HttpServer server;
    private volatile String statusAnswer = "{}";
    private HttpManagerChannel channel;
    private volatile boolean unavailable;
    private volatile String setAnswer;

    @BeforeEach
    void startStub() throws IOException {
        server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 0);
        server.createContext("/v1/dispatcher/", this::handle);
        server.start();
        channel = new HttpManagerChannel(URI.create("http://127.0.0.1:" + server.getAddress().getPort()));
    }

    @AfterEach
    void stopStub() {
        channel.close();
        server.stop(0);
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.add(exchange.getRequestMethod() + " " + exchange.getRequestURI());
        bodies.add(exchange.getRequestBody().readAllBytes());
        byte[] answer;
        int code = 200;
        if (unavailable) {
            code = 503;
            answer = Json.writeBytes(new ApiError("unavailable", "no leader"));
        } else if (exchange.getRequestURI().getPath().endsWith("/status")) {
            answer = statusAnswer.getBytes();
        } else if (setAnswer != null) {
            answer = setAnswer.getBytes(StandardCharsets.UTF_8);
        } else {
            answer = Json.writeBytes(new AssignmentSet(42, "node-1", List.of(TestTasks.shell("t1", "true", Map.of()))));
        }
        exchange.getResponseHeaders().add("Content-Type", "application/json");
        exchange.sendResponseHeaders(code, answer.length);
        exchange.getResponseBody().write(answer);
        exchange.close();
    }

    @Test
    void helloPostsTheNodeAndReadsTheAssignmentSet() throws IOException {
        Node node = new Node("node-1", new NodeSpec(null, null, null), new NodeStatus(NodeState.READY, "h", "10.0.0.1",
                null, Set.of("process"), Instant.parse("2025-01-01T00:00:00Z"), null));

        AssignmentSet set = channel.hello(new AgentHello(node));

        assertThat(set.index()).isEqualTo(42);
        assertThat(set.tasks()).extracting(task -> task.id()).containsExactly("t1");
        assertThat(requests).containsExactly("POST /v1/dispatcher/hello");
        assertThat(Json.read(bodies.getFirst(), AgentHello.class).node()).isEqualTo(node);
    }

    @Test
    void aSetOfANewerFormatFailsTheCallSayingSo() {
        setAnswer = "{\"format\":7,\"index\":42,\"nodeId\":\"node-1\",\"groups\":[],\"tasks\":[]}";

        assertThatThrownBy(() -> channel.assignments("node-1", 7, Duration.ofSeconds(1))).isInstanceOf(IOException.class)
                .hasMessage("cannot read the manager's assignment set: an assignment set of format 7 is newer than this"
                        + " agent reads (format 6): upgrade this agent");
    }

    @Test
    void assignmentsLongPollsWithNodeIndexAndWait() throws IOException {
        AssignmentSet set = channel.assignments("node 1", 7, Duration.ofSeconds(10));

        assertThat(set.nodeId()).isEqualTo("node-1");
        assertThat(requests).containsExactly("GET /v1/dispatcher/assignments?node=node+1&after=7&wait=10000");
    }

    @Test
    void reportPostsStatuses() throws IOException {
        StatusReport report = new StatusReport("node-1", List.of(new TaskStatusUpdate("t1",
                TaskStatus.of(TaskState.RUNNING, Instant.parse("2025-01-01T00:00:00Z"), "started"))));

        channel.report(report);

        assertThat(requests).containsExactly("POST /v1/dispatcher/status");
        assertThat(Json.read(bodies.getFirst(), StatusReport.class)).isEqualTo(report);
    }

    @Test
    void reportReadsTheLeaseFromTheAnswerAndNoneFromAnOlderManager() throws IOException {
        StatusReport report = new StatusReport("node-1", List.of());
        statusAnswer = "{\"leaseMillis\":5000,\"other\":1}";
        assertThat(channel.report(report).leaseMillis()).isEqualTo(5000);

        statusAnswer = "{}";
        assertThat(channel.report(report).leaseMillis()).isZero();
    }

    @Test
    void anErrorAnswerBecomesAnIOExceptionWithTheApiError() {
        unavailable = true;

        assertThatThrownBy(() -> channel.report(new StatusReport("node-1", List.of())))
                .isInstanceOf(IOException.class).hasMessageContaining("503").hasMessageContaining("unavailable: no leader");
    }

    @Test
    void theBackoffDoublesAfterEachFailureAndASessionAnswerResetsIt() throws Exception {
        // each bound below the next wait: a loaded host may sleep longer, never shorter
        assertThat(timeToRetry()).isBetween(100L, 199L);
        assertThat(timeToRetry()).isBetween(200L, 399L);
        channel.report(new StatusReport("node-1", List.of())); // a report is no session answer: no reset
        assertThat(timeToRetry()).isBetween(400L, 799L);
        channel.assignments("node-1", 0, Duration.ofMillis(1));
        assertThat(timeToRetry()).isBetween(100L, 199L);
    }

    private long timeToRetry() throws InterruptedException {
        long start = System.nanoTime();
        channel.awaitRetry();
        return Duration.ofNanos(System.nanoTime() - start).toMillis();
    }

    @Test
    void anUnreachableManagerIsAnIOException() {
        server.stop(0);

        assertThatThrownBy(() -> channel.assignments("node-1", 0, Duration.ofMillis(100)))
                .isInstanceOf(IOException.class);
    }
}
