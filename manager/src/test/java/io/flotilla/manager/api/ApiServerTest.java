package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Json;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Task;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.ServiceSummary;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.state.StateSnapshot;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The HTTP API over real HTTP, on a real (one-peer Raft) manager with the real control loop. */
class ApiServerTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private final FakeClock clock = new FakeClock();
    private Manager manager;
    private HttpTestClient http;

    /** Every task "logs" two lines naming itself. */
    private static final TaskLogSource LOGS = (task, tail, follow, out) ->
            out.write(("hello from " + task.id() + "\nbye\n").getBytes(StandardCharsets.UTF_8));

    @BeforeEach
    void startManager() throws Exception {
        manager = managers.start(TestManagers.config(dataDir, Duration.ofHours(1)), clock, LOGS, TestManagers.tuning());
        http = new HttpTestClient(manager.apiAddress());
    }

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private ChangeResult deploy(StackSpec stack) throws Exception {
        HttpTestClient.Answer answer = http.post("/v1/stacks/" + stack.name(), new DeployRequest(stack));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.as(ChangeResult.class);
    }

    private static void assertError(HttpTestClient.Answer answer, int status, String code) {
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        ApiError error = answer.as(ApiError.class);
        assertThat(error.code()).isEqualTo(code);
        assertThat(error.message()).isNotBlank();
    }

    @Test
    void infoNamesTheLeader() throws Exception {
        InfoResponse info = http.get("/v1/info").as(InfoResponse.class);
        assertThat(info.nodeId()).isEqualTo("m1");
        assertThat(info.leader()).isTrue();
        assertThat(info.leaderId()).isEqualTo("m1");
    }

    @Test
    void aConsistentReadAnswersAsAPlainOne() throws Exception {
        deploy(TestManagers.stack("shop", "web"));

        HttpTestClient.Answer consistent = http.get("/v1/services?consistent");
        HttpTestClient.Answer plain = http.get("/v1/services");

        assertThat(consistent.status()).as(consistent.body()).isEqualTo(200);
        assertThat(consistent.body()).isEqualTo(plain.body()).contains("shop_web");
    }

    @Test
    void deployListShowAndScale() throws Exception {
        ChangeResult deployed = deploy(TestManagers.stack("shop", "web", "db"));
        assertThat(deployed.index()).isPositive();
        assertThat(manager.state().index()).isGreaterThanOrEqualTo(deployed.index());

        ServiceSummary[] services = http.get("/v1/services").as(ServiceSummary[].class);
        assertThat(services).extracting(s -> s.service().spec().name()).containsExactly("shop_db", "shop_web");
        assertThat(services).extracting(ServiceSummary::desired).containsExactly(2, 2);
        assertThat(http.get("/v1/services?stack=other").as(ServiceSummary[].class)).isEmpty();
        assertThat(http.get("/v1/stacks").as(StackSummary[].class)).containsExactly(new StackSummary("shop", 2));

        Service web = http.get("/v1/services/shop_web").as(Service.class);
        assertThat(web.id()).hasSize(25);
        assertThat(http.get("/v1/services/" + web.id()).as(Service.class).spec().name()).isEqualTo("shop_web");
        assertThat(http.get("/v1/services/" + web.id().substring(0, 8)).as(Service.class).id()).isEqualTo(web.id());

        HttpTestClient.Answer scaled = http.post("/v1/services/shop_web/scale", Map.of("replicas", 5));
        assertThat(scaled.status()).as(scaled.body()).isEqualTo(200);
        assertThat(manager.state().serviceByName("shop_web").orElseThrow().spec().replicas()).isEqualTo(5);

        // The orchestrator makes the tasks; without nodes they stay unassigned.
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() ->
                assertThat(http.get("/v1/services/shop_web/tasks").as(Task[].class)).hasSize(5));
        Task[] tasks = http.get("/v1/services/shop_web/tasks").as(Task[].class);
        assertThat(tasks).extracting(Task::slot).containsExactly(1, 2, 3, 4, 5);
        assertThat(http.get("/v1/tasks?stack=shop").as(Task[].class)).hasSize(7);
        assertThat(http.get("/v1/tasks?service=shop_db").as(Task[].class)).hasSize(2);
    }

    @Test
    void redeployUpdatesAndRemovesServices() throws Exception {
        deploy(TestManagers.stack("shop", "web", "db"));
        String webId = manager.state().serviceByName("shop_web").orElseThrow().id();

        deploy(new StackSpec("shop", List.of(TestManagers.service("shop", "web", 3))));

        assertThat(manager.state().servicesOfStack("shop")).extracting(Service::id).containsExactly(webId);
        assertThat(manager.state().service(webId).orElseThrow().spec().replicas()).isEqualTo(3);
    }

    @Test
    void removeStack() throws Exception {
        deploy(TestManagers.stack("shop", "web"));

        HttpTestClient.Answer removed = http.delete("/v1/stacks/shop");

        assertThat(removed.status()).as(removed.body()).isEqualTo(200);
        assertThat(manager.state().services()).isEmpty();
        assertError(http.delete("/v1/stacks/shop"), 404, "not_found");
    }

    @Test
    void refusedRequestsCarryApiErrorsAndChangeNothing() throws Exception {
        ServiceSpec global = new ServiceSpec("shop_agent", "shop", ServiceMode.GLOBAL, 0,
                TestManagers.service("shop", "x", 1).task(), List.of(), List.of(), Map.of(), null, null);
        deploy(new StackSpec("shop", List.of(TestManagers.service("shop", "web", 2), global)));
        await().atMost(Duration.ofSeconds(5)).until(() -> manager.state().tasks().size() == 2);
        Thread.sleep(300); // let the control loop settle
        long index = manager.state().index();

        assertError(http.get("/v1/services/nope"), 404, "not_found");
        assertError(http.post("/v1/services/nope/scale", Map.of("replicas", 1)), 404, "not_found");
        assertError(http.post("/v1/services/shop_agent/scale", Map.of("replicas", 3)), 400, "invalid");
        assertError(http.post("/v1/services/shop_web/scale", Map.of("replicas", -1)), 400, "invalid");
        assertError(http.post("/v1/services/shop_web/scale", "{}"), 400, "invalid");
        assertError(http.get("/v1/nothing"), 404, "not_found");
        assertError(http.get("/v2/info"), 404, "not_found");
        assertError(http.delete("/v1/stacks/other"), 404, "not_found");
        assertError(http.post("/v1/dispatcher/status", Map.of("nodeId", "ghost")), 404, "not_found");
        assertError(http.get("/v1/dispatcher/assignments"), 400, "invalid");

        HttpTestClient.Answer malformed = http.post("/v1/stacks/shop", "{\"stack\": {");
        assertError(malformed, 400, "invalid");
        assertThat(malformed.as(ApiError.class).message()).contains("malformed JSON");
        assertError(http.post("/v1/stacks/shop", ""), 400, "invalid");
        assertError(http.post("/v1/stacks/shop", "{\"stack\": {\"services\": []}}"), 400, "invalid");
        // the body's stack differs from the path
        assertError(http.post("/v1/stacks/other", new DeployRequest(TestManagers.stack("shop", "web"))), 400, "invalid");
        // a service not named <stack>_...
        assertError(http.post("/v1/stacks/shop", new DeployRequest(new StackSpec("shop",
                List.of(new ServiceSpec("web", "shop", null, 1, global.task(), null, null, null, null, null))))),
                400, "invalid");
        // no services
        assertError(http.post("/v1/stacks/shop", new DeployRequest(new StackSpec("shop", List.of()))), 400, "invalid");
        // a service of another stack by the same name
        assertError(http.post("/v1/stacks/shop", new DeployRequest(new StackSpec("shop", List.of(
                TestManagers.service("shop", "web", 1), TestManagers.service("shop", "web", 2))))), 400, "invalid");

        assertThat(manager.state().index()).isEqualTo(index);
        assertThat(manager.state().serviceByName("shop_web").orElseThrow().spec().replicas()).isEqualTo(2);
    }

    @Test
    void stateLongPollAnswersOnChange() throws Exception {
        StateSnapshot now = http.get("/v1/state").as(StateSnapshot.class);
        long start = System.nanoTime();
        HttpTestClient.Answer quiet = http.get("/v1/state?waitIndex=" + now.index() + "&wait=300");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(quiet.as(StateSnapshot.class).index()).isEqualTo(now.index());

        CompletableFuture<HttpTestClient.Answer> poll = CompletableFuture.supplyAsync(() -> {
            try {
                return http.get("/v1/state?waitIndex=" + now.index() + "&wait=20000");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertThat(poll).isNotDone();
        deploy(TestManagers.stack("shop", "web"));

        StateSnapshot changed = poll.get().as(StateSnapshot.class);
        assertThat(changed.index()).isGreaterThan(now.index());
        assertThat(changed.services()).extracting(s -> s.spec().name()).contains("shop_web");
    }

    @Test
    void nodesAndLogsOfPlacedTasks() throws Exception {
        HttpTestClient.Answer hello = http.post("/v1/dispatcher/hello", new AgentHello(TestManagers.node("n1")));
        assertThat(hello.status()).as(hello.body()).isEqualTo(200);
        assertThat(http.get("/v1/nodes").as(io.flotilla.model.Node[].class))
                .extracting(n -> n.status().state()).containsExactly(NodeState.READY);
        deploy(TestManagers.stack("shop", "web"));
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.state().tasksOfNode("n1").size() == 2);

        HttpTestClient.Answer logs = http.get("/v1/services/shop_web/logs?tail=10");

        assertThat(logs.status()).isEqualTo(200);
        List<String> lines = Arrays.asList(logs.body().split("\n"));
        assertThat(lines).hasSize(4);
        for (Task task : manager.state().tasksOfNode("n1")) {
            String prefix = "shop_web." + task.slot() + "." + task.id().substring(0, 12) + "@n1 | ";
            assertThat(lines).contains(prefix + "hello from " + task.id(), prefix + "bye");
        }
        HttpTestClient.Answer followed = http.get("/v1/services/shop_web/logs?follow=true");
        assertThat(followed.body().split("\n")).hasSize(4);
        assertError(http.get("/v1/services/nope/logs"), 404, "not_found");
    }

    @Test
    void writesSurviveARestart() throws Exception {
        deploy(TestManagers.stack("shop", "web", "db"));
        http.post("/v1/services/shop_db/scale", Map.of("replicas", 4));
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.state().tasks().size() == 6);
        Thread.sleep(300);
        var before = StateSnapshot.of(manager.state());
        managers.close();

        Manager again = managers.start(TestManagers.config(dataDir, Duration.ofHours(1)), clock, LOGS,
                TestManagers.tuning().withOrchestration(false));

        var after = StateSnapshot.of(again.state());
        io.flotilla.manager.raft.RaftClusterStoreTest.assertOnlyTheNewTermAfter(again.state(), before.index());
        assertThat(after.services()).containsExactlyInAnyOrderElementsOf(before.services());
        assertThat(after.tasks()).containsExactlyInAnyOrderElementsOf(before.tasks());
        assertThat(Json.write(new HttpTestClient(again.apiAddress()).get("/v1/services/shop_db").as(Service.class).spec().replicas()))
                .isEqualTo("4");
    }
}
