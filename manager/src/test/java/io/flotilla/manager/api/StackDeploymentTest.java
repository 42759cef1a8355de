package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.TestManagers;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Command;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;
import org.junit.jupiter.api.Test;

class StackDeploymentTest {
    private static final Instant NOW = Instant.parse("2025-01-01T00:00:00Z");
    private final AtomicInteger counter = new AtomicInteger();
    private final Supplier<String> ids = () -> "id" + counter.incrementAndGet();

    @Test
    void newServicesGetIdsAndExistingOnesKeepTheirs() {
        ClusterState state = StateMachine.apply(ClusterState.EMPTY, 1,
                StackDeployment.plan(ClusterState.EMPTY, "shop", TestManagers.stack("shop", "web"), ids, NOW));

        Command.DeployStack again = StackDeployment.plan(state, "shop", TestManagers.stack("shop", "web", "db"), ids, NOW);

        assertThat(again.newServiceIds()).containsOnlyKeys("shop_db");
        assertThat(again.newServiceIds().get("shop_db")).isNotEqualTo(state.serviceByName("shop_web").orElseThrow().id());
    }

    @Test
    void refusesDependenciesOutsideTheStack() {
        ServiceSpec web = TestManagers.service("shop", "web", 1)
                .withDependsOn(List.of(new DependencySpec("cache", null, true)));

        assertThatThrownBy(() -> StackDeployment.plan(ClusterState.EMPTY, "shop", new StackSpec("shop", List.of(web)), ids, NOW))
                .isInstanceOf(ApiException.class).hasMessageContaining("cache");
    }

    @Test
    void refusesServicesTakenByAnotherStack() {
        ClusterState state = StateMachine.apply(ClusterState.EMPTY, 1,
                new Command.CreateService("x", ServiceSpec.process("shop_web", 1, List.of("true")), NOW));

        assertThatThrownBy(() -> StackDeployment.plan(state, "shop", TestManagers.stack("shop", "web"), ids, NOW))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409));
    }

    @Test
    void refusesBadStackNames() {
        StackSpec stack = new StackSpec("-bad", List.of(TestManagers.service("-bad", "web", 1)));

        assertThatThrownBy(() -> StackDeployment.plan(ClusterState.EMPTY, "-bad", stack, ids, NOW))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(400));
    }

    @Test
    void refusesAPublishedPortAnotherStackServesNamingBothServices() {
        ServiceSpec shopWeb = TestManagers.service("shop", "web", 1)
                .withPorts(List.of(new io.flotilla.model.PortSpec("http", 8080, 80, "tcp", null, "http")));
        ClusterState state = StateMachine.apply(ClusterState.EMPTY, 1,
                StackDeployment.plan(ClusterState.EMPTY, "shop", new StackSpec("shop", List.of(shopWeb)), ids, NOW));
        ServiceSpec blogWeb = TestManagers.service("blog", "web", 1)
                .withPorts(List.of(new io.flotilla.model.PortSpec("http", 8080, 80, "tcp", null, "http")));

        assertThatThrownBy(() -> StackDeployment.plan(state, "blog", new StackSpec("blog", List.of(blogWeb)), ids, NOW))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(409))
                .hasMessageContaining("published port 80: services blog_web and shop_web both publish it for the same route");

        ServiceSpec byHost = blogWeb.withLabels(java.util.Map.of("flotilla.http.host", "blog.example"));
        assertThat(StackDeployment.plan(state, "blog", new StackSpec("blog", List.of(byHost)), ids, NOW).newServiceIds())
                .containsOnlyKeys("blog_web");
        // redeploying the same stack does not conflict with its own previous version
        assertThat(StackDeployment.plan(state, "shop", new StackSpec("shop", List.of(shopWeb)), ids, NOW)).isNotNull();
    }
}
