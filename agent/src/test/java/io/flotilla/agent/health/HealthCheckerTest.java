package io.flotilla.agent.health;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.HealthcheckSpec;
import java.nio.file.Path;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class HealthCheckerTest {
    @TempDir
    Path dir;

    @Test
    void cmdFormExpandsBracedReferencesOnly() {
        Map<String, String> env = Map.of("PORT", "31000");

        assertThat(HealthChecker.command(List.of("CMD", "curl", "http://localhost:${PORT}/h", "$PORT", "${NOPE}x"),
                env)).containsExactly("curl", "http://localhost:31000/h", "$PORT", "x");
        assertThat(HealthChecker.command(List.of("CMD-SHELL", "curl -f localhost:$PORT"), env))
                .containsExactly("/bin/sh", "-c", "curl -f localhost:$PORT");
    }

    @Test
    void timesOutASlowCheck() {
        HealthcheckSpec spec = new HealthcheckSpec(List.of("CMD-SHELL", "sleep 30"), Duration.ofMillis(50),
                Duration.ofMillis(200), 1, null, null);
        HealthChecker checker = new HealthChecker("t", spec, Map.of("PATH", "/usr/bin:/bin"), dir,
                dir.resolve("health.log"), Clock.systemUTC(), (health, output) -> { });

        HealthCheckResult result = checker.runOnce();

        assertThat(result.passed()).isFalse();
        assertThat(result.output()).isEqualTo("health check timed out after 200ms");
    }

    @Test
    void failuresDuringTheStartPeriodDoNotCount() throws InterruptedException {
        Path flag = dir.resolve("ok");
        HealthcheckSpec spec = new HealthcheckSpec(List.of("CMD-SHELL", "test -f ok"), Duration.ofMillis(50),
                Duration.ofSeconds(5), 1, Duration.ofMillis(800), Duration.ofMillis(50));
        List<String> changes = new CopyOnWriteArrayList<>();
        try (HealthChecker checker = new HealthChecker("t", spec, Map.of("PATH", "/usr/bin:/bin"), dir,
                dir.resolve("health.log"), Clock.systemUTC(), (health, output) -> changes.add(health))) {
            checker.start();
            Thread.sleep(400); // failing, but within the start period
            assertThat(changes).isEmpty();
            java.nio.file.Files.createFile(flag);
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.contains("healthy"));
            java.nio.file.Files.delete(flag);
            await().atMost(Duration.ofSeconds(10)).until(() -> changes.contains("unhealthy"));
        } catch (java.io.IOException e) {
            throw new AssertionError(e);
        }
        assertThat(changes).containsExactly("healthy", "unhealthy");
    }
}
