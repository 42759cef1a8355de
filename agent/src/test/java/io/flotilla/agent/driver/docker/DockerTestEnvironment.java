package io.flotilla.agent.driver.docker;

import static org.junit.jupiter.api.Assertions.fail;

import com.github.dockerjava.api.exception.NotFoundException;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * What Docker tests need, or a clear verdict: the daemon, and the offline test image
 * {@value #IMAGE} plus the local registry on {@value #REGISTRY} (made by
 * {@code scripts/docker-test-env.sh}, run here when the image is missing). Without a daemon a test
 * FAILS when {@code FLOTILLA_REQUIRE_DOCKER=1} (CI) and is aborted (skipped, with the reason)
 * otherwise: it never passes silently.
 */
public final class DockerTestEnvironment {
    public static final String IMAGE = "flotilla-test/busybox:1";
    public static final String REGISTRY = "127.0.0.1:5000";

    private DockerTestEnvironment() {}

    /** A connected daemon with the test image; fails or aborts the test when there is none. */
    public static DockerDaemon require() {
        var daemon = DockerDaemon.connect();
        if (daemon.isEmpty()) {
            String message = "no Docker daemon answers (DOCKER_HOST or /var/run/docker.sock)";
            if ("1".equals(System.getenv("FLOTILLA_REQUIRE_DOCKER"))) {
                fail(message + " and FLOTILLA_REQUIRE_DOCKER=1");
            }
            Assumptions.abort(message + "; set FLOTILLA_REQUIRE_DOCKER=1 to make this a failure");
        }
        try {
            daemon.get().client().inspectImageCmd(IMAGE).exec();
        } catch (NotFoundException e) {
            runSetupScript();
        }
        return daemon.get();
    }

    /** Runs {@code scripts/docker-test-env.sh} (test image + registry); idempotent. */
    public static void runSetupScript() {
        Path script = findScript();
        try {
            Process process = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            if (!process.waitFor(120, TimeUnit.SECONDS) || process.exitValue() != 0) {
                fail(script + " failed (exit " + (process.isAlive() ? "timeout" : process.exitValue()) + ")");
            }
        } catch (IOException e) {
            fail("cannot run " + script + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            fail("interrupted");
        }
    }

    private static Path findScript() {
        Path directory = Path.of("").toAbsolutePath();
        while (directory != null) {
            Path candidate = directory.resolve("scripts/docker-test-env.sh");
            if (Files.isRegularFile(candidate)) {
                return candidate;
            }
            directory = directory.getParent();
        }
        fail("scripts/docker-test-env.sh not found above " + Path.of("").toAbsolutePath());
        return null;
    }

    /** Removes every container labelled with {@code nodeId}. */
    public static void removeContainers(DockerDaemon daemon, String nodeId) {
        daemon.client().listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerLabels.NODE, nodeId)).exec()
                .forEach(container -> {
                    try {
                        daemon.client().removeContainerCmd(container.getId()).withForce(true).exec();
                    } catch (NotFoundException e) {
                        // gone
                    }
                });
    }
}
