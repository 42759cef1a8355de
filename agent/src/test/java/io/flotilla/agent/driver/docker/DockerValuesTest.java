package io.flotilla.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.api.Test;

/** Image names, pull decisions, pull progress and daemon errors: pure. */
class DockerValuesTest {
    @ParameterizedTest
    @CsvSource({
            "busybox, busybox, latest, ",
            "busybox:1.36, busybox, 1.36, ",
            "127.0.0.1:5000/flotilla-test/busybox:1, 127.0.0.1:5000/flotilla-test/busybox, 1, ",
            "127.0.0.1:5000/flotilla-test/busybox, 127.0.0.1:5000/flotilla-test/busybox, latest, ",
            "library/redis@sha256:abc, library/redis, , sha256:abc",
    })
    void parsesImageReferences(String image, String repository, String tag, String digest) {
        assertThat(ImageReference.parse(image)).isEqualTo(new ImageReference(repository, tag, digest));
    }

    @ParameterizedTest
    @CsvSource({
            "missing, true, USE_LOCAL", "missing, false, PULL", ", false, PULL", "if_not_present, true, USE_LOCAL",
            "always, true, PULL", "always, false, PULL", "never, true, USE_LOCAL", "never, false, REJECT",
            "build, true, USE_LOCAL", "build, false, REJECT",
    })
    void decidesWhetherToPull(String policy, boolean present, PullPolicy.Decision decision) {
        assertThat(PullPolicy.parse(policy).decide(present)).isEqualTo(decision);
    }

    @Test
    void sumsLayersAndReportsAtMostOncePerSecond() {
        AtomicReference<Instant> now = new AtomicReference<>(Instant.parse("2025-01-01T00:00:00Z"));
        List<String> messages = new ArrayList<>();
        PullProgress progress = new PullProgress("img", now::get, messages::add);

        progress.update("a", "Downloading", 1_000_000L, 10_000_000L);
        progress.update("b", "Downloading", 2_000_000L, 30_000_000L);
        now.set(now.get().plus(Duration.ofMillis(1001)));
        progress.update("a", "Pull complete", null, null);

        assertThat(messages).containsExactly("pulling image img: 1.0 MB / 10.0 MB", "pulling image img: 12.0 MB / 40.0 MB");
    }

    @Test
    void readsTheDaemonsReason() {
        assertThat(DaemonErrors.reason(new RuntimeException(
                "Status 404: {\"message\":\"manifest for x:1 not found: manifest unknown\"}\n")))
                .isEqualTo("manifest for x:1 not found: manifest unknown");
        assertThat(DaemonErrors.reason(new RuntimeException("plain"))).isEqualTo("plain");
    }

    @Test
    void containerNamesAreSwarmStyle() {
        assertThat(ContainerLabels.containerName(DockerTasks.task("abc", DockerTasks.template("i", List.of()),
                java.util.Map.of()), "node-1")).isEqualTo("teststack_web.2.abc");
    }
}
