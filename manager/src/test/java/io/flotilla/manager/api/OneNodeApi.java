package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.TaskLogSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * A real one-peer manager whose node {@code n1} said hello over HTTP (so the control loop assigns
 * tasks to it; no agent runs them), for the API tests that need tasks on a node.
 */
final class OneNodeApi {
    static final String NODE = "n1";

    private OneNodeApi() {}

    static Manager start(TestManagers managers, Path dataDir) throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofHours(1)), new FakeClock(),
                TaskLogSource.NONE, TestManagers.tuning());
        HttpTestClient.Answer hello = new HttpTestClient(manager.apiAddress())
                .post("/v1/dispatcher/hello", new AgentHello(TestManagers.node(NODE)));
        assertThat(hello.status()).as(hello.body()).isEqualTo(200);
        return manager;
    }

    /** {@code shop_<shortName>}: a process service running {@code sleep 1000}, with these labels and volumes. */
    static ServiceSpec service(String shortName, int replicas, Map<String, String> labels, VolumeMount... volumes) {
        TaskTemplate task = new TaskTemplate(TaskTemplate.PROCESS, null, List.of("sleep", "1000"), List.of(), Map.of(),
                null, null, null, Map.of(), null, List.of(volumes), null, null, null, null, Duration.ofSeconds(2), false,
                false, List.of(), List.of(), List.of(), Map.of(), null, List.of());
        return new ServiceSpec("shop_" + shortName, "shop", ServiceMode.REPLICATED, replicas, task, List.of(), List.of(),
                labels, null, null);
    }
}
