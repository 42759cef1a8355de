package io.flotilla.client;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Json;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.Progress.ServiceProgress;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The client's side of {@code GET /v1/progress}: the request's path and the answer as the API writes it. */
class ProgressParsingTest {
    @Test
    void buildsTheRequestPath() {
        assertThat(ApiClient.progressPath("stack", "shop,other", -1, null)).isEqualTo("/v1/progress?stack=shop%2Cother");
        assertThat(ApiClient.progressPath("service", "shop_web", 41, Duration.ofSeconds(5)))
                .isEqualTo("/v1/progress?service=shop_web&index=41&wait=5000");
    }

    @Test
    void readsTheAnswer() {
        String body = """
                {"index": 42, "tasksLeft": 3, "services": [{
                  "id": "svc-web", "name": "shop_web", "stack": "shop", "mode": "REPLICATED", "version": 2,
                  "desired": 3, "running": 2, "up": 1, "current": 1, "updated": 1, "wanted": 3,
                  "updateStatus": {"state": "updating", "startedAt": "2026-01-01T00:00:00Z", "message": "rolling"},
                  "runningPerNode": {"n1": 1, "n2": 1},
                  "failed": {"id": "t4", "name": "shop_web.2", "state": "FAILED", "message": "failed", "error": "exit status 1"},
                  "waiting": {"id": "t3", "name": "shop_web.3", "state": "STARTING", "message": "pulling image"},
                  "someFieldOfANewerServer": true}]}
                """;
        Progress progress = Json.read(body, Progress.class);

        assertThat(progress.index()).isEqualTo(42);
        assertThat(progress.tasksLeft()).isEqualTo(3);
        ServiceProgress web = progress.services().getFirst();
        assertThat(web.mode()).isEqualTo(ServiceMode.REPLICATED);
        assertThat(web.updateStatus().state()).isEqualTo(ServiceUpdateStatus.State.UPDATING);
        assertThat(web.updateStatus().startedAt()).isEqualTo(Instant.parse("2026-01-01T00:00:00Z"));
        assertThat(web.rebalanceRequestedAt()).isNull();
        assertThat(web.runningPerNode()).isEqualTo(Map.of("n1", 1, "n2", 1));
        assertThat(web.failed().state()).isEqualTo(TaskState.FAILED);
        assertThat(web.failed().error()).isEqualTo("exit status 1");
        assertThat(web.waiting().state()).isEqualTo(TaskState.STARTING);
        assertThat(web.waiting().health()).isNull();
        assertThat(Json.read(Json.write(progress), Progress.class)).isEqualTo(progress);
    }

    @Test
    void anEmptyAnswerHasNoServices() {
        assertThat(Json.read("{\"index\": 7, \"tasksLeft\": 0}", Progress.class).services()).isEmpty();
    }
}
