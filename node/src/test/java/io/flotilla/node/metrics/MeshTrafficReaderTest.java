package io.flotilla.node.metrics;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.api.MeshTraffic;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.junit.jupiter.api.Test;

/** The node's mesh counters as its agent reports them, read from the meters the mesh keeps (docs/metrics.md). */
class MeshTrafficReaderTest {
    private static final Instant NOW = Instant.parse("2026-12-06T01:00:00Z");

    @Test
    void requestsAreSummedOverAnswerClassesPerServiceAndBackendWith5xxApart() {
        MeterRegistry registry = new SimpleMeterRegistry();
        requests(registry, "shop_web", "t1", "2xx", 7);
        requests(registry, "shop_web", "t1", "5xx", 2);
        requests(registry, "shop_web", "t1", "4xx", 1);
        requests(registry, "shop_web", "t2", "2xx", 3);
        requests(registry, "shop_db", "t9", "tcp", 4);
        Timer timer = Timer.builder("flotilla.mesh.request.duration").tags("service", "shop_web", "backend", "t1")
                .register(registry);
        timer.record(Duration.ofMillis(300));
        timer.record(Duration.ofMillis(200));
        Counter.builder("flotilla.mesh.backend.errors").tags("service", "shop_web", "backend", "t1").register(registry)
                .increment(5); // not a request count

        MeshTraffic traffic = new MeshTrafficReader("w1", registry, InstantSource.fixed(NOW)).read();

        assertThat(traffic.node()).isEqualTo("w1");
        assertThat(traffic.at()).isEqualTo(NOW);
        assertThat(traffic.backends()).containsExactly(
                new MeshTraffic.Backend("shop_db", "t9", 4, 0, 0, 0.0),
                new MeshTraffic.Backend("shop_web", "t1", 10, 2, 2, 0.5),
                new MeshTraffic.Backend("shop_web", "t2", 3, 0, 0, 0.0));
    }

    @Test
    void aNodeWhoseMeshRoutesNothingReportsNoBackend() {
        assertThat(new MeshTrafficReader("w1", new SimpleMeterRegistry(), InstantSource.fixed(NOW)).read().backends())
                .isEmpty();
    }

    private static void requests(MeterRegistry registry, String service, String backend, String code, int count) {
        Counter.builder("flotilla.mesh.requests").tags("service", service, "backend", backend, "code", code)
                .register(registry).increment(count);
    }
}
