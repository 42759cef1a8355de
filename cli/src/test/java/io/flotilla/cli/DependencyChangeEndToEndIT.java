package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Dependencies' endpoints on a real {@code flotilla dev}: a stack {@code deps} with a {@code db}
 * and three dependents (depends_on) with the policies signal, restart and — from another stack,
 * through {@code x-flotilla.requires} — exec. Scaling and killing {@code db} changes its
 * endpoints; each dependent is told within a few seconds, with the new values.
 */
class DependencyChangeEndToEndIT {
    private static final Path ROOT = DevNodeProcess.ROOT;
    private static final Duration FEW_SECONDS = Duration.ofSeconds(15); // a new replica starts, turns healthy, then the change spreads; CI under load took more than 8 s once

    @TempDir Path tmp;
    private Process node;
    private String host;

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            run("stack", "rm", "client");
            run("stack", "rm", "deps");
            Thread.sleep(2_000); // let the agent stop the tasks before the node goes
            node.destroy();
            node.waitFor(30, TimeUnit.SECONDS);
            node.destroyForcibly();
        }
    }

    private String run(String... args) throws IOException, InterruptedException {
        return Cli.launch(host, tmp.resolve("data").resolve("tls"), args);
    }

    private List<String> lines(String name) {
        try {
            Path file = tmp.resolve(name);
            return Files.exists(file) ? Files.readAllLines(file) : List.of();
        } catch (IOException e) {
            return List.of();
        }
    }

    private static int count(String endpoints) {
        return endpoints.isBlank() ? 0 : endpoints.split(",").length;
    }

    /** The number of endpoints in the last {@code KEY=a,b,c} (or {@code … a,b,c}) line of {@code name}. */
    private int lastCount(String name, String marker) {
        List<String> found = lines(name).stream().filter(line -> line.contains(marker)).toList();
        if (found.isEmpty()) {
            return -1;
        }
        String last = found.getLast();
        return count(last.substring(last.indexOf(marker) + marker.length()).trim());
    }

    @Test
    void dependentsAreSignalledRestartedAndToldByCommandWhenEndpointsChange() throws Exception {
        int api = DevNodeProcess.freePort();
        host = "127.0.0.1:" + api;
        node = new ProcessBuilder(ROOT.resolve("flotilla").toString(), "dev", "--data", tmp.resolve("data").toString(),
                "--api", host, "--raft", "127.0.0.1:" + DevNodeProcess.freePort(), "--no-dns")
                .directory(ROOT.toFile()).redirectErrorStream(true).redirectOutput(tmp.resolve("dev.log").toFile())
                .start();
        System.setProperty(io.flotilla.client.ClientTls.TLS_DIR_PROPERTY, tmp.resolve("data").resolve("tls").toString());
        ApiClient client = new ApiClient(host);
        await().atMost(Duration.ofSeconds(60)).ignoreExceptions().until(() -> client.info() != null);

        Path deps = tmp.resolve("deps.yaml");
        Files.writeString(deps, """
                services:
                  db:
                    command: ["/bin/sh", "-c", "exec sleep 600"]
                    ports: [{name: tcp, target: 5432}]
                    deploy: {replicas: 2, restart_policy: {condition: any, delay: 500ms}}
                  sig:
                    command: ["/bin/sh", "-c", "trap 'cat \\"$$FLOTILLA_DEPENDENCIES_FILE\\" >> %1$s/sig.log' HUP; while :; do sleep 0.2; done"]
                    depends_on: [db]
                    x-flotilla: {on_dependency_change: "signal:SIGHUP"}
                  rst:
                    command: ["/bin/sh", "-c", "echo \\"$$$$ DB_ENDPOINTS=$$DB_ENDPOINTS\\" >> %1$s/restart.log; exec sleep 600"]
                    depends_on: [db]
                    x-flotilla: {on_dependency_change: restart}
                """.formatted(tmp));
        Path other = tmp.resolve("client.yaml");
        Files.writeString(other, """
                services:
                  app:
                    command: ["/bin/sh", "-c", "echo \\"start DEPS_DB_ENDPOINTS=$$DEPS_DB_ENDPOINTS\\" >> %1$s/exec.log; exec sleep 600"]
                    x-flotilla:
                      requires: [db.deps]
                      on_dependency_change: {exec: ["/bin/sh", "-c", "echo \\"$$FLOTILLA_DEPENDENCY DEPS_DB_ENDPOINTS=$$DEPS_DB_ENDPOINTS\\" >> %1$s/exec.log"]}
                """.formatted(tmp));
        assertThat(run("stack", "deploy", "-c", deps.toString(), "deps")).contains("converged");
        assertThat(run("stack", "deploy", "-c", other.toString(), "client")).contains("converged");

        // At start: every endpoint of the dependency, by the short name (depends_on) or the full one (requires).
        await().atMost(FEW_SECONDS).until(() -> lastCount("restart.log", "DB_ENDPOINTS=") == 2);
        await().atMost(FEW_SECONDS).until(() -> lastCount("exec.log", "DEPS_DB_ENDPOINTS=") == 2);
        Task rst = client.serviceTasks("deps_rst").stream().filter(t -> t.state() == TaskState.RUNNING).findFirst()
                .orElseThrow();
        long firstPid = rst.status().pid();

        // Scale: 2 → 3 endpoints.
        long scaled = System.nanoTime();
        run("service", "scale", "deps_db=3");
        await().atMost(FEW_SECONDS).until(() -> lastCount("sig.log", "DB_ENDPOINTS=") == 3);
        await().atMost(FEW_SECONDS).until(() -> lastCount("restart.log", "DB_ENDPOINTS=") == 3);
        await().atMost(FEW_SECONDS).until(() -> lastCount("exec.log", "DEPS_DB_ENDPOINTS=") == 3);
        assertThat(Duration.ofNanos(System.nanoTime() - scaled)).isLessThan(Duration.ofSeconds(15));
        assertThat(lines("exec.log").getLast()).startsWith("deps_db DEPS_DB_ENDPOINTS=");
        await().atMost(FEW_SECONDS).until(() -> client.serviceTasks("deps_rst").stream()
                .anyMatch(t -> t.state() == TaskState.RUNNING && t.status().pid() != null
                        && t.status().pid() != firstPid && t.id().equals(rst.id())));
        assertThat(ProcessHandle.of(firstPid).map(ProcessHandle::isAlive).orElse(false)).isFalse();
        String restartedPid = client.serviceTasks("deps_rst").stream().filter(t -> t.id().equals(rst.id()))
                .findFirst().orElseThrow().status().pid().toString();
        assertThat(lines("restart.log").getLast()).startsWith(restartedPid + " ");

        // Kill one db task: it leaves, a replacement comes (maybe within one debounce window): told again.
        int restarts = lines("restart.log").size();
        int signals = lines("sig.log").size();
        Task victim = client.serviceTasks("deps_db").stream().filter(t -> t.state() == TaskState.RUNNING)
                .findFirst().orElseThrow();
        ProcessHandle.of(victim.status().pid()).orElseThrow().destroyForcibly();
        await().atMost(FEW_SECONDS).until(() -> lines("restart.log").size() > restarts);
        await().atMost(FEW_SECONDS).until(() -> lines("sig.log").size() > signals);
        await().atMost(Duration.ofSeconds(15)).until(() -> lastCount("restart.log", "DB_ENDPOINTS=") == 3
                && lastCount("sig.log", "DB_ENDPOINTS=") == 3 && lastCount("exec.log", "DEPS_DB_ENDPOINTS=") == 3);
    }
}
