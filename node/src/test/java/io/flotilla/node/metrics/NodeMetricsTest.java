package io.flotilla.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.manager.ManagerTuning;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The node's one Prometheus registry: a manager role's meters appear in its scrape while the role
 * runs, leave with it (a demotion), and come back when a role starts again in the same registry (a
 * promotion) without a duplicate-meter failure; {@code GET /metrics} serves it on the address
 * asked, and an address that is taken is a clear error that serves nothing.
 */
class NodeMetricsTest {
    private static final String HOST = "127.0.10.4";

    @TempDir Path data;

    @Test
    void aManagerRolesMetersComeAndGoWithTheRoleInTheScrape() throws Exception {
        try (NodeMetrics metrics = new NodeMetrics()) {
            InetSocketAddress served = metrics.serve(new InetSocketAddress(HOST, 0));
            assertThat(get(served)).doesNotContain("flotilla_raft_term");

            Manager first = startManager(metrics, data.resolve("first"));
            String running = get(served);
            assertThat(running).contains("flotilla_raft_term ", "flotilla_raft_is_leader 1.0",
                    "flotilla_leader_pending_tasks{reason=\"no_suitable_node\"}", "flotilla_dispatcher_long_polls ");
            first.close();
            assertThat(get(served)).doesNotContain("flotilla_raft", "flotilla_leader", "flotilla_dispatcher");

            Manager second = startManager(metrics, data.resolve("second"));
            try {
                assertThat(get(served)).contains("flotilla_raft_is_leader 1.0", "flotilla_raft_apply_seconds_count");
            } finally {
                second.close();
            }
        }
    }

    @Test
    void aTakenAddressIsAClearErrorAndASecondServeIsRefused() throws Exception {
        try (ServerSocket taken = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST));
             NodeMetrics metrics = new NodeMetrics()) {
            InetSocketAddress busy = new InetSocketAddress(HOST, taken.getLocalPort());
            assertThatThrownBy(() -> metrics.serve(busy)).isInstanceOf(IOException.class)
                    .hasMessageStartingWith("cannot serve metrics on " + HOST + ":" + taken.getLocalPort());
            assertThat(metrics.address()).isNull();
            InetSocketAddress served = metrics.serve(new InetSocketAddress(HOST, 0));
            assertThatThrownBy(() -> metrics.serve(new InetSocketAddress(HOST, 0)))
                    .isInstanceOf(IllegalStateException.class).hasMessageContaining("served already");
            assertThat(metrics.address()).isEqualTo(served);
        }
    }

    private static Manager startManager(NodeMetrics metrics, Path dir) throws IOException {
        int raftPort;
        try (ServerSocket probe = new ServerSocket(0, 1, java.net.InetAddress.getByName(HOST))) {
            raftPort = probe.getLocalPort();
        }
        Manager manager = new Manager(new ManagerConfig("m1", dir, new InetSocketAddress(HOST, 0),
                new InetSocketAddress(HOST, raftPort), Duration.ofMinutes(5)), InstantSource.system(), TaskLogSource.NONE,
                ManagerTuning.defaults(), metrics.registry());
        manager.start();
        return manager;
    }

    private static String get(InetSocketAddress address) throws IOException, InterruptedException {
        HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://" + HOST + ":" + address.getPort() + "/metrics")).build(), HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).isEqualTo(200);
        return response.body();
    }
}
