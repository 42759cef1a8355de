package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.Progress.ServiceProgress;
import io.flotilla.model.api.TaskLogSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code GET /v1/progress} over real HTTP on a one-peer manager with the real control loop (no nodes). */
class ProgressEndpointTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private Manager manager;
    private HttpTestClient http;

    @BeforeEach
    void startManager() throws Exception {
        manager = managers.start(TestManagers.config(dataDir, Duration.ofHours(1)), new FakeClock(), TaskLogSource.NONE,
                TestManagers.tuning());
        http = new HttpTestClient(manager.apiAddress());
        HttpTestClient.Answer deployed = http.post("/v1/stacks/shop", new DeployRequest(TestManagers.stack("shop", "web", "db")));
        assertThat(deployed.status()).as(deployed.body()).isEqualTo(200);
        // The orchestrator makes the tasks; without nodes they stay unplaced.
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/v1/progress?stack=shop").tasksLeft() == 4);
    }

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private Progress get(String path) throws Exception {
        HttpTestClient.Answer answer = http.get(path);
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.as(Progress.class);
    }

    private CompletableFuture<Progress> poll(String path) {
        return CompletableFuture.supplyAsync(() -> {
            try {
                return get(path);
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
    }

    private void assertError(String method, String path, int status, String code) throws Exception {
        HttpTestClient.Answer answer = method.equals("GET") ? http.get(path) : http.post(path, Map.of());
        assertThat(answer.status()).as(answer.body()).isEqualTo(status);
        assertThat(answer.as(ApiError.class).code()).isEqualTo(code);
    }

    @Test
    void answersAStacksOrAServicesProgress() throws Exception {
        Progress shop = get("/v1/progress?stack=shop");
        assertThat(shop.index()).isEqualTo(manager.state().index());
        assertThat(shop.services()).extracting(ServiceProgress::name).containsExactly("shop_db", "shop_web");
        ServiceProgress web = shop.services().get(1);
        assertThat(web.desired()).isEqualTo(2);
        assertThat(web.running()).isZero();
        assertThat(web.waiting()).isNotNull();
        assertThat(web.waiting().name()).isEqualTo("shop_web.1");

        Progress one = get("/v1/progress?service=shop_web");
        assertThat(one.services()).containsExactly(web);
        assertThat(one.tasksLeft()).isEqualTo(2);
        assertThat(get("/v1/progress?service=" + web.id().substring(0, 8)).services()).containsExactly(web);
        assertThat(get("/v1/progress?stack=other,shop").services()).hasSize(2);
        assertThat(get("/v1/progress?stack=other").services()).isEmpty();
    }

    @Test
    void refusesWhatItCannotAnswer() throws Exception {
        assertError("GET", "/v1/progress", 400, "invalid");
        assertError("GET", "/v1/progress?stack=shop&service=shop_web", 400, "invalid");
        assertError("GET", "/v1/progress?stack=,", 400, "invalid");
        assertError("GET", "/v1/progress?stack=shop&index=x", 400, "invalid");
        assertError("GET", "/v1/progress?service=nope", 404, "not_found");
        assertError("GET", "/v1/progress/shop", 404, "not_found");
        assertError("POST", "/v1/progress?stack=shop", 405, "invalid");
    }

    @Test
    void aLongPollAnswersWhenTheProgressChangesNotOnEveryIndex() throws Exception {
        long index = get("/v1/progress?stack=shop").index();

        long start = System.nanoTime();
        Progress quiet = get("/v1/progress?stack=shop&index=" + index + "&wait=300");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(250));
        assertThat(quiet.index()).isGreaterThanOrEqualTo(index);
        assertThat(get("/v1/progress?stack=shop&index=" + (index - 1) + "&wait=20000").index()).isEqualTo(index);

        CompletableFuture<Progress> poll = poll("/v1/progress?stack=shop&index=" + index + "&wait=20000");
        // Another stack's deploy moves the index, not this stack's progress.
        HttpTestClient.Answer other = http.post("/v1/stacks/other", new DeployRequest(TestManagers.stack("other", "x")));
        assertThat(other.status()).as(other.body()).isEqualTo(200);
        Thread.sleep(300);
        assertThat(manager.state().index()).isGreaterThan(index);
        assertThat(poll).isNotDone();

        HttpTestClient.Answer scaled = http.post("/v1/services/shop_web/scale", Map.of("replicas", 3));
        assertThat(scaled.status()).as(scaled.body()).isEqualTo(200);
        Progress changed = poll.get();
        assertThat(changed.index()).isGreaterThan(index);
        assertThat(changed.services().get(1).desired()).isEqualTo(3);
    }

    @Test
    void aServiceRemovedDuringTheLongPollIsNotFound() throws Exception {
        long index = get("/v1/progress?service=shop_web").index();
        CompletableFuture<HttpTestClient.Answer> poll = CompletableFuture.supplyAsync(() -> {
            try {
                return http.get("/v1/progress?service=shop_web&index=" + index + "&wait=20000");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertThat(http.delete("/v1/stacks/shop").status()).isEqualTo(200);
        assertThat(poll.get().status()).isEqualTo(404);
        await().atMost(Duration.ofSeconds(10)).until(() -> get("/v1/progress?stack=shop").services().isEmpty());
    }
}
