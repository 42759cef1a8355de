package io.flotilla.bench;

import java.io.File;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Hosts as network namespaces, as the overlay's end-to-end test has them: {@code scripts/netns-test-env.sh}
 * (hosts flh1..N at 198.18.77.1..N on the isolated bridge fl-underlay, no route off the machine) and
 * {@code scripts/netns-docker.sh} (a dockerd per host with the image {@value #IMAGE}). The bench
 * keeps its own copy of these few lines so that it does not depend on the cli's test classes.
 * Every address the bench uses is one of these hosts' or lies inside their namespaces.
 */
final class NetnsTestBed {
    static final String IMAGE = "flotilla-test/busybox-nss:1";

    /** What a command gave: its exit status and its output, stderr included. */
    record Result(int exit, String output) {
        boolean ok() {
            return exit == 0;
        }

        /** The output, or an exception naming the command's failure. */
        String require(String what) {
            if (!ok()) {
                throw new IllegalStateException(what + " failed (exit " + exit + "): " + output.strip());
            }
            return output.strip();
        }
    }

    private NetnsTestBed() {}

    static String address(int host) {
        return "198.18.77." + host;
    }

    static String dockerHost(int host) {
        return "unix:///run/flotilla-netns/flh" + host + "/docker.sock";
    }

    /**
     * The repository: {@code FLOTILLA_HOME} (the launcher's), else the nearest directory upwards from
     * the working one that has the scripts (a test runs in {@code bench/}).
     */
    static Path root() {
        String home = System.getenv("FLOTILLA_HOME");
        if (home != null && Files.exists(Path.of(home, "scripts", "netns-test-env.sh"))) {
            return Path.of(home).toAbsolutePath();
        }
        for (Path dir = Path.of("").toAbsolutePath(); dir != null; dir = dir.getParent()) {
            if (Files.exists(dir.resolve("scripts/netns-test-env.sh"))) {
                return dir;
            }
        }
        throw new IllegalStateException("scripts/netns-test-env.sh not found above " + Path.of("").toAbsolutePath());
    }

    /**
     * Brings up {@code hosts} hosts with a dockerd each. When another live process holds the test bed
     * (a CI build's end-to-end test), the script waits until it is done, and {@link #down} leaves a
     * bed it does not hold alone ({@code scripts/netns-test-env.sh}).
     */
    static void up(int hosts) {
        script(1300, "netns-test-env.sh", "up", Integer.toString(hosts)).require("the namespace test bed (needs root, iproute2, iptables)");
        script(180, "netns-docker.sh", "up", Integer.toString(hosts)).require("a dockerd per test-bed host (needs docker.io, busybox-static)");
    }

    static void down() {
        script(120, "netns-docker.sh", "down");
        script(60, "netns-test-env.sh", "down");
    }

    private static Result script(int timeoutSeconds, String name, String... args) {
        List<String> argv = new ArrayList<>(List.of(root().resolve("scripts").resolve(name).toString()));
        argv.addAll(List.of(args));
        return run(timeoutSeconds, argv);
    }

    /** {@code docker -H <host's daemon> args…} */
    static Result docker(int host, String... args) {
        List<String> argv = new ArrayList<>(List.of("docker", "-H", dockerHost(host)));
        argv.addAll(List.of(args));
        return run(60, argv);
    }

    /** The pid of a container's first process: its network namespace is {@code /proc/<pid>/ns/net}. */
    static long pid(int host, String container) {
        return Long.parseLong(docker(host, "inspect", "-f", "{{.State.Pid}}", container).require("docker inspect " + container));
    }

    /** {@code command} run in the network namespace of the process {@code pid} (a container's), from the machine. */
    static List<String> inNamespaceOf(long pid, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/proc/" + pid + "/ns/net"));
        argv.addAll(command);
        return argv;
    }

    /** A node's command line inside host {@code host}'s namespace, with that host's daemon. */
    static List<String> inHost(int host, List<String> command) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/flh" + host, "env",
                "DOCKER_HOST=" + dockerHost(host)));
        argv.addAll(command);
        return argv;
    }

    static Result run(int timeoutSeconds, List<String> argv) {
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
}
