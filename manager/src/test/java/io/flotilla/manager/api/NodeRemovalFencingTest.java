package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskState;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.DeployRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code node rm --force} orphans a node's tasks at once; for a fenced task that would start its
 * replacement while the node's copy may still run (until its lease expires). Real one-peer manager
 * over HTTP, a node that said hello and got the tasks.
 */
class NodeRemovalFencingTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private Manager manager;
    private HttpTestClient http;

    @BeforeEach
    void startManagerAndNode() throws Exception {
        manager = OneNodeApi.start(managers, dataDir);
        http = new HttpTestClient(manager.apiAddress());
    }

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private void deploy(String shortName, Map<String, String> labels, VolumeMount... volumes) throws Exception {
        ServiceSpec spec = OneNodeApi.service(shortName, 1, labels, volumes);
        HttpTestClient.Answer answer = http.post("/v1/stacks/shop", new DeployRequest(new StackSpec("shop", List.of(spec))));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        await().atMost(Duration.ofSeconds(10)).until(() -> manager.state().tasksOfNode("n1").stream()
                .anyMatch(t -> t.state() == TaskState.ASSIGNED));
    }

    @Test
    void aNodeHoldingAFencedTaskIsNotRemovedEvenWithForceAndNothingChanges() throws Exception {
        deploy("db", Map.of(ServiceSpec.STATEFUL_LABEL, "true"), new VolumeMount("volume", "shop_data", "/data", false));
        long index = manager.state().index();

        HttpTestClient.Answer answer = http.delete("/v1/nodes/n1?force=true");

        assertThat(answer.status()).as(answer.body()).isEqualTo(409);
        assertThat(answer.as(ApiError.class).message()).contains("node n1 still holds fenced tasks (shop_db.1)")
                .contains("drain it first (flotilla node update --availability drain n1)");
        assertThat(manager.state().node("n1")).isPresent();
        assertThat(manager.state().tasksOfNode("n1")).allMatch(t -> t.state() == TaskState.ASSIGNED);
        assertThat(manager.state().index()).as("nothing written").isEqualTo(index);
    }

    @Test
    void aNodeWithStatelessTasksOnlyIsStillRemovedWithForce() throws Exception {
        deploy("web", Map.of());

        HttpTestClient.Answer answer = http.delete("/v1/nodes/n1?force=true");

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(manager.state().node("n1")).isEmpty();
    }
}
