package io.flotilla.node.network;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The hosts-as-namespaces test bed ({@code scripts/netns-test-env.sh}, as the network module's
 * tests use it): start, stop, run a command. Every address a test sends to is on its underlay
 * (198.18.77.0/24, checked by the script to go through {@code fl-underlay}) or an overlay address
 * inside its namespaces, which have no route off it.
 */
final class TestBed {
    private TestBed() {}

    record Result(int exitStatus, String output) {
        boolean ok() {
            return exitStatus == 0;
        }
    }

    static Path script() {
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            Path script = dir.resolve("scripts/netns-test-env.sh");
            if (Files.isRegularFile(script)) {
                return script;
            }
        }
        throw new IllegalStateException("scripts/netns-test-env.sh not found above " + Path.of("").toAbsolutePath());
    }

    /** Starts the test bed; a failure (not root, no iproute2, the range in use) fails the test run. */
    static String up(int hosts) {
        Result result = run(1300, script().toString(), "up", Integer.toString(hosts));
        if (!result.ok()) {
            throw new AssertionError("the network-namespace test bed did not start (needs root, iproute2, iptables): "
                    + result.output());
        }
        return result.output();
    }

    static void down() {
        Result result = run(60, script().toString(), "down");
        if (!result.ok()) {
            throw new AssertionError("the test bed did not stop: " + result.output());
        }
    }

    /** {@code argv} inside the task namespace {@code namespace}. */
    static Result inTask(String namespace, int timeoutSeconds, String... argv) {
        String[] all = new String[argv.length + 4];
        all[0] = "ip";
        all[1] = "netns";
        all[2] = "exec";
        all[3] = namespace;
        System.arraycopy(argv, 0, all, 4, argv.length);
        return run(timeoutSeconds, all);
    }

    static Result run(int timeoutSeconds, String... argv) {
        try {
            Process process = new ProcessBuilder(List.of(argv)).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, output + " (timed out)");
            }
            return new Result(process.exitValue(), output);
        } catch (IOException e) {
            return new Result(-1, "cannot run " + String.join(" ", argv) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }
}
