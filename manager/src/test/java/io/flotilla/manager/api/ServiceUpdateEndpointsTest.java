package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.StackSpec;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.ServiceUpdateRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code service update/rollback/rebalance} over real HTTP on a one-peer manager, and the pure spec merge. */
class ServiceUpdateEndpointsTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private final FakeClock clock = new FakeClock();

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private static ServiceUpdateRequest change(String image, Integer replicas) {
        return new ServiceUpdateRequest(image, null, null, replicas, null, null, null, null, null, null, null, null, false);
    }

    @Test
    void mergesAPartialUpdateIntoTheSpec() {
        ServiceSpec spec = ServiceSpec.process("web", 2, List.of("sleep", "1"))
                .withTask(ServiceSpec.process("web", 2, List.of("sleep", "1")).task().withEnvironment(Map.of("A", "1", "B", "2")));
        ServiceSpec updated = ServiceUpdateEndpoints.updatedSpec(spec, new ServiceUpdateRequest("web:v2",
                Map.of("C", "3", "A", "9"), List.of("B"), 5, Map.of("io.flotilla.rebalance", "auto"), List.of(), 2,
                Duration.ofSeconds(10), "rollback", Duration.ofSeconds(30), 0.2, "start-first", false));
        assertThat(updated.task().image()).isEqualTo("web:v2");
        assertThat(updated.task().environment()).isEqualTo(Map.of("A", "9", "C", "3"));
        assertThat(updated.replicas()).isEqualTo(5);
        assertThat(updated.labels()).containsEntry("io.flotilla.rebalance", "auto");
        assertThat(updated.updateConfig().parallelism()).isEqualTo(2);
        assertThat(updated.updateConfig().delay()).isEqualTo(Duration.ofSeconds(10));
        assertThat(updated.updateConfig().failureAction()).isEqualTo("rollback");
        assertThat(updated.updateConfig().monitor()).isEqualTo(Duration.ofSeconds(30));
        assertThat(updated.updateConfig().maxFailureRatio()).isEqualTo(0.2);
        assertThat(updated.updateConfig().order()).isEqualTo("start-first");
        assertThat(ServiceUpdateEndpoints.updatedSpec(spec, change(null, null))).isEqualTo(spec);
        assertThatThrownBy(() -> ServiceUpdateEndpoints.updatedSpec(spec, new ServiceUpdateRequest(null, null, null,
                null, null, null, null, null, "explode", null, null, null, false)))
                .hasMessageContaining("pause, continue or rollback");
        assertThatThrownBy(() -> ServiceUpdateEndpoints.updatedSpec(spec, change(null, -1))).hasMessageContaining(">= 0");
    }

    @Test
    void updateRollbackAndRebalanceOverHttp() throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofHours(1)), clock, null,
                TestManagers.tuning());
        HttpTestClient http = new HttpTestClient(manager.apiAddress());
        assertThat(http.post("/v1/stacks/shop", new DeployRequest(new StackSpec("shop",
                List.of(TestManagers.service("shop", "web", 2))))).status()).isEqualTo(200);

        HttpTestClient.Answer refused = http.post("/v1/services/shop_web/update", new ServiceUpdateRequest(null, null,
                null, null, null, null, null, null, null, null, null, "sideways", false));
        assertThat(refused.status()).isEqualTo(400);
        assertThat(refused.as(ApiError.class).message()).contains("stop-first or start-first");
        assertThat(http.post("/v1/services/shop_web/rollback", "").as(ApiError.class).message())
                .contains("no previous spec");
        assertThat(http.get("/v1/services/shop_web").as(Service.class).version()).isEqualTo(1);

        HttpTestClient.Answer updated = http.post("/v1/services/shop_web/update", change("web:v2", 3));
        assertThat(updated.status()).as(updated.body()).isEqualTo(200);
        assertThat(updated.as(ChangeResult.class).message()).contains("rolling update to version 2");
        Service service = http.get("/v1/services/shop_web").as(Service.class);
        assertThat(service.version()).isEqualTo(2);
        assertThat(service.spec().replicas()).isEqualTo(3);
        assertThat(service.updateStatus().state()).isIn(ServiceUpdateStatus.State.UPDATING, ServiceUpdateStatus.State.PAUSED,
                ServiceUpdateStatus.State.COMPLETED);

        HttpTestClient.Answer rolledBack = http.post("/v1/services/shop_web/rollback", "");
        assertThat(rolledBack.status()).as(rolledBack.body()).isEqualTo(200);
        service = http.get("/v1/services/shop_web").as(Service.class);
        assertThat(service.version()).isEqualTo(3);
        assertThat(service.spec().task().image()).isNull();
        assertThat(service.updateStatus().state()).isIn(ServiceUpdateStatus.State.ROLLBACK_STARTED,
                ServiceUpdateStatus.State.ROLLBACK_PAUSED, ServiceUpdateStatus.State.ROLLBACK_COMPLETED);
        assertThat(service.updateStatus().message()).contains("manually requested rollback");

        assertThat(http.post("/v1/services/shop_web/rebalance", "").status()).isEqualTo(200);
        assertThat(http.post("/v1/services/nope/rebalance", "").status()).isEqualTo(404);
        assertThat(http.get("/v1/services/shop_web/rebalance").status()).isEqualTo(405);
    }

    @Test
    void aLabelUpdateThatWouldCollideOnAPublishedPortIsRefusedAndChangesNothing() throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofHours(1)), clock, null,
                TestManagers.tuning());
        HttpTestClient http = new HttpTestClient(manager.apiAddress());
        List<io.flotilla.model.PortSpec> port = List.of(new io.flotilla.model.PortSpec("http", 8080, 80, "tcp", null, "http"));
        ServiceSpec web = TestManagers.service("shop", "web", 1).withPorts(port);
        ServiceSpec api = TestManagers.service("shop", "api", 1).withPorts(port)
                .withLabels(Map.of("flotilla.http.path", "/api"));
        assertThat(http.post("/v1/stacks/shop", new DeployRequest(new StackSpec("shop", List.of(web, api)))).status())
                .isEqualTo(200);

        HttpTestClient.Answer refused = http.post("/v1/services/shop_api/update", new ServiceUpdateRequest(null, null,
                null, null, null, List.of("flotilla.http.path"), null, null, null, null, null, null, false));
        assertThat(refused.status()).as(refused.body()).isEqualTo(409);
        assertThat(refused.as(ApiError.class).message())
                .contains("services shop_api and shop_web both publish it for the same route");
        assertThat(http.get("/v1/services/shop_api").as(Service.class).spec().labels())
                .containsEntry("flotilla.http.path", "/api");

        HttpTestClient.Answer bad = http.post("/v1/services/shop_api/update", new ServiceUpdateRequest(null, null,
                null, null, Map.of("flotilla.lb", "fastest"), null, null, null, null, null, null, null, false));
        assertThat(bad.status()).isEqualTo(409);
        assertThat(bad.as(ApiError.class).message()).contains("flotilla.lb=fastest is invalid");
    }
}
