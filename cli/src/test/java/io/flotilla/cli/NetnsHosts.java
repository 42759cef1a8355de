package io.flotilla.cli;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hosts as network namespaces for end-to-end tests of the overlay: the isolated underlay
 * ({@code scripts/netns-test-env.sh}: hosts flh1..N at 198.18.77.1..N, each address checked to go
 * through the test bridge before anything is sent) and a Docker daemon per host
 * ({@code scripts/netns-docker.sh}, with the image {@value #IMAGE}). Nothing here reaches beyond
 * them: the namespaces have no route off the underlay. Missing root, iproute2, iptables or dockerd
 * fails the test: it never skips.
 */
final class NetnsHosts {
    static final String IMAGE = "flotilla-test/busybox-nss:1";

    /** What a command gave: its exit status and its output, stderr included. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }
    }

    private NetnsHosts() {}

    static String address(int host) {
        return "198.18.77." + host;
    }

    static String dockerHost(int host) {
        return "unix:///run/flotilla-netns/flh" + host + "/docker.sock";
    }

    static void up(int hosts) {
        require(run(1300, script("netns-test-env.sh"), "up", Integer.toString(hosts)), "the namespace test bed");
        require(run(180, script("netns-docker.sh"), "up", Integer.toString(hosts)), "a dockerd per test-bed host");
    }

    static void down() {
        run(120, script("netns-docker.sh"), "down");
        run(60, script("netns-test-env.sh"), "down");
    }

    /** {@code docker -H <host's daemon> args…} */
    static Result docker(int host, int timeoutSeconds, String... args) {
        List<String> argv = new ArrayList<>(List.of("docker", "-H", dockerHost(host)));
        argv.addAll(List.of(args));
        return run(timeoutSeconds, argv.toArray(String[]::new));
    }

    /** The id of the running container whose name starts with {@code prefix} on {@code host}, or null. */
    static String container(int host, String prefix) {
        Result ps = docker(host, 30, "ps", "-q", "--filter", "name=^" + prefix);
        String id = ps.output().strip();
        return ps.ok() && !id.isEmpty() ? id.lines().findFirst().orElseThrow() : null;
    }

    /** {@code sh -c script} inside a container on {@code host}. */
    static Result exec(int host, String container, int timeoutSeconds, String script) {
        return docker(host, timeoutSeconds, "exec", container, "sh", "-c", script);
    }

    static Result run(int timeoutSeconds, String... argv) {
        try {
            Process process = new ProcessBuilder(argv).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new File("/dev/null"))).start();
            byte[] out = process.getInputStream().readAllBytes();
            if (!process.waitFor(timeoutSeconds, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return new Result(-1, "timed out: " + String.join(" ", argv));
            }
            return new Result(process.exitValue(), new String(out, StandardCharsets.UTF_8));
        } catch (IOException e) {
            return new Result(-1, "cannot run " + String.join(" ", argv) + ": " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted");
        }
    }

    private static String script(String name) {
        return DevNodeProcess.ROOT.resolve("scripts").resolve(name).toString();
    }

    private static void require(Result result, String what) {
        if (!result.ok()) {
            throw new AssertionError(what + " did not start (needs root, iproute2, iptables, docker.io, busybox-static): "
                    + result.output());
        }
    }

    /** A node's command line inside host {@code host}'s namespace, with that host's daemon. */
    static List<String> inHost(int host, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/flh" + host, "env",
                "DOCKER_HOST=" + dockerHost(host)));
        argv.addAll(command);
        return argv;
    }

    static Path root() {
        return DevNodeProcess.ROOT;
    }
}
