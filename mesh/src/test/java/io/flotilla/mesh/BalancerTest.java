package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.flotilla.mesh.MeshRoute.Balancing;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/** The balancing rules as pure logic, on a fake clock. */
class BalancerTest {
    private final SimpleMeterRegistry registry = new SimpleMeterRegistry();
    private final AtomicLong clock = new AtomicLong(1_000);
    private final MeshOptions options = MeshOptions.defaults().withEjection(2, Duration.ofNanos(500));

    private RouteState route(Balancing balancing, String... ids) {
        List<BackendState> states = new ArrayList<>();
        List<MeshBackend> backends = new ArrayList<>();
        for (int i = 0; i < ids.length; i++) {
            MeshBackend backend = new MeshBackend(ids[i], "127.0.0.1", 1000 + i);
            backends.add(backend);
            states.add(new BackendState("s", backend, options, clock::get, registry));
        }
        var counter = registry.counter("c");
        return new RouteState(new MeshRoute("s", null, null, balancing, backends), states, new RouteState.ServiceMeters(counter, counter, counter, counter));
    }

    @Test
    void powerOfTwoChoicesPicksTheLessLoaded() {
        RouteState route = route(Balancing.P2C, "a", "b");
        route.backends[0].outstanding.set(2);
        for (int i = 0; i < 100; i++) {
            assertThat(Balancer.pick(route, null, null, List.of()).backend.id()).isEqualTo("b");
        }
    }

    @Test
    void roundRobinCyclesAndSkipsTried() {
        RouteState route = route(Balancing.ROUND_ROBIN, "a", "b", "c");
        List<String> picked = new ArrayList<>();
        for (int i = 0; i < 6; i++) {
            picked.add(Balancer.pick(route, null, null, List.of()).backend.id());
        }
        assertThat(picked).containsExactly("a", "b", "c", "a", "b", "c");
        assertThat(Balancer.pick(route, null, null, List.of(route.backends[0], route.backends[1])).backend.id()).isEqualTo("c");
        assertThat(Balancer.pick(route, null, null, List.of(route.backends))).isNull();
    }

    @Test
    void ejectionLastsEjectForAndEveryoneEjectedMeansPanic() {
        RouteState route = route(Balancing.ROUND_ROBIN, "a", "b");
        BackendState a = route.backends[0];
        a.recordFailure();
        assertThat(a.isEjected()).isFalse();
        a.recordFailure();
        assertThat(a.isEjected()).isTrue();
        for (int i = 0; i < 4; i++) {
            assertThat(Balancer.pick(route, null, null, List.of()).backend.id()).isEqualTo("b");
        }
        assertThat(Balancer.pick(route, null, null, List.of(route.backends[1])).backend.id()).as("panic: ejected beats nothing").isEqualTo("a");
        clock.addAndGet(500);
        assertThat(a.isEjected()).isFalse();
    }

    @Test
    void stickyClientIpIsStableAndMovesOnlyTheRemovedBackendsClients() {
        RouteState three = route(Balancing.STICKY_CLIENT_IP, "a", "b", "c");
        Map<String, String> before = new HashMap<>();
        for (int i = 0; i < 200; i++) {
            String ip = "10.0." + (i / 250) + "." + (i % 250);
            before.put(ip, Balancer.pick(three, ip, null, List.of()).backend.id());
            assertThat(Balancer.pick(three, ip, null, List.of()).backend.id()).isEqualTo(before.get(ip));
        }
        assertThat(before.values()).contains("a", "b", "c");
        RouteState two = route(Balancing.STICKY_CLIENT_IP, "a", "b");
        before.forEach((ip, id) -> {
            if (!id.equals("c")) {
                assertThat(Balancer.pick(two, ip, null, List.of()).backend.id()).isEqualTo(id);
            }
        });
    }

    @Test
    void stickyCookieFollowsTheNamedBackendWhileItIsThere() {
        RouteState route = route(Balancing.STICKY_COOKIE, "a", "b", "c");
        for (int i = 0; i < 20; i++) {
            assertThat(Balancer.pick(route, null, "b", List.of()).backend.id()).isEqualTo("b");
        }
        assertThat(Balancer.pick(route, null, "gone", List.of())).isNotNull();
    }
}
