package io.flotilla.cli;

import static org.junit.jupiter.api.Assertions.fail;

import io.flotilla.agent.driver.docker.DockerDaemon;
import java.nio.file.Path;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Docker tests need a daemon: without one they FAIL when {@code FLOTILLA_REQUIRE_DOCKER=1} (CI)
 * and are aborted with the reason otherwise; never passed silently. The offline test image and the
 * local registry come from {@code scripts/docker-test-env.sh} (idempotent), run here.
 */
public final class DockerRequirement {
    static final String IMAGE = "flotilla-test/busybox:1";

    private DockerRequirement() {}

    /**
     * What a Docker test needs besides the daemon (root, a binary): without it the test fails when
     * {@code FLOTILLA_REQUIRE_DOCKER=1} (CI), else it is aborted with the reason.
     */
    public static void requireThat(boolean met, String missing) {
        if (met) {
            return;
        }
        if ("1".equals(System.getenv("FLOTILLA_REQUIRE_DOCKER"))) {
            fail(missing + " and FLOTILLA_REQUIRE_DOCKER=1");
        }
        Assumptions.abort(missing + "; set FLOTILLA_REQUIRE_DOCKER=1 to make this a failure");
    }

    public static DockerDaemon require() throws Exception {
        var daemon = DockerDaemon.connect();
        if (daemon.isEmpty()) {
            requireThat(false, "no Docker daemon answers (DOCKER_HOST or /var/run/docker.sock)");
        }
        Path script = DevNodeProcess.ROOT.resolve("scripts/docker-test-env.sh");
        Process setup = new ProcessBuilder("bash", script.toString()).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
        if (!setup.waitFor(120, TimeUnit.SECONDS) || setup.exitValue() != 0) {
            fail(script + " failed");
        }
        return daemon.get();
    }
}
