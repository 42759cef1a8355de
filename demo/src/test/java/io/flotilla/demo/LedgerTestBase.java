package io.flotilla.demo;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.io.TempDir;

/**
 * What the ledger tests share: a ledger directory, the app started as a process (the JVM version
 * and the busybox script run by the host's busybox, as the agents run them), the lease file a
 * fenced copy reads, and the checks of the file.
 */
abstract class LedgerTestBase {
    static final Instant T = Instant.parse("2026-01-01T00:00:00Z");
    @TempDir protected Path dir;
    final List<Process> started = new ArrayList<>();

    @AfterEach
    void killLeftovers() {
        started.forEach(process -> process.descendants().forEach(ProcessHandle::destroyForcibly));
        started.forEach(Process::destroyForcibly);
    }

    Path ledger() {
        return dir.resolve(LedgerApp.FILE_NAME);
    }

    List<String> lines() throws IOException {
        return Files.readAllLines(ledger());
    }

    Process startJava(String taskId, int port) throws IOException {
        return startJava(taskId, port, Map.of());
    }

    Process startJava(String taskId, int port, Map<String, String> env) throws IOException {
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        ProcessBuilder builder = new ProcessBuilder(java, "-cp", System.getProperty("java.class.path"),
                "io.flotilla.demo.DemoAppCommand", "ledger", "--dir", dir.toString(), "--port", Integer.toString(port), "--interval-ms", "20");
        builder.environment().put("FLOTILLA_TASK_ID", taskId);
        builder.environment().put("FLOTILLA_ADDRESS", "127.0.0.1");
        builder.environment().putAll(env);
        return start(builder);
    }

    Process startScript(String taskId, int port) throws IOException {
        return startScript(taskId, port, Map.of());
    }

    Process startScript(String taskId, int port, Map<String, String> env) throws IOException {
        ProcessBuilder builder = new ProcessBuilder("busybox", "sh", "-c", LedgerApp.script());
        builder.environment().putAll(Map.of("FLOTILLA_TASK_ID", taskId, "PORT", Integer.toString(port),
                "LEDGER_DIR", dir.toString(), "LEDGER_INTERVAL_MS", "20"));
        builder.environment().putAll(env);
        return start(builder);
    }

    Path leaseFile() {
        return dir.resolve("lease");
    }

    void lease(long deadlineMillis) throws IOException {
        Path temporary = dir.resolve("lease.tmp");
        Files.writeString(temporary, Long.toString(deadlineMillis));
        Files.move(temporary, leaseFile(), java.nio.file.StandardCopyOption.ATOMIC_MOVE,
                java.nio.file.StandardCopyOption.REPLACE_EXISTING);
    }

    static void signal(Process process, String signal) throws Exception {
        assertThat(new ProcessBuilder("kill", "-" + signal, Long.toString(process.pid())).start().waitFor()).isZero();
    }

    Process start(ProcessBuilder builder) throws IOException {
        builder.redirectErrorStream(true).redirectOutput(dir.resolve("out-" + started.size() + ".txt").toFile());
        Process process = builder.start();
        started.add(process);
        return process;
    }

    String output(Process process) throws IOException {
        return Files.readString(dir.resolve("out-" + started.indexOf(process) + ".txt"));
    }

    static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    static String get(int port, String path) {
        try {
            HttpResponse<String> response = HttpClient.newHttpClient().send(HttpRequest.newBuilder(
                    URI.create("http://127.0.0.1:" + port + path)).timeout(Duration.ofSeconds(2)).build(), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() + " " + response.body().strip();
        } catch (IOException e) {
            return "unreachable";
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return "interrupted";
        }
    }

    /** Waits until the file holds a line numbered at least {@code number}. */
    void awaitNumber(long number, Process writer) throws Exception {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(15);
        while (System.nanoTime() < deadline) {
            if (Files.exists(ledger())) {
                List<String> lines = lines();
                if (!lines.isEmpty() && Long.parseLong(lines.getLast().split(" ")[0]) >= number) {
                    return;
                }
            }
            assertThat(writer.isAlive()).as("writer exited early: %s", output(writer)).isTrue();
            Thread.sleep(20);
        }
        throw new AssertionError("the ledger did not reach " + number + ": " + (Files.exists(ledger()) ? lines() : "no file"));
    }

    /** Every line numbered one after the other, from {@code first}. */
    void assertConsecutiveFrom(long first, List<String> lines) {
        for (int i = 0; i < lines.size(); i++) {
            assertThat(lines.get(i)).as("line %d of %s", i, lines).matches((first + i) + " \\S+ \\S+");
        }
    }


    /** Never skipped: the container tests run this script, so it must be checked where busybox is (.ci/run installs it). */
    static void requireBusybox() {
        assertThat(Files.isExecutable(Path.of("/bin/busybox")) || Files.isExecutable(Path.of("/usr/bin/busybox")))
                .as("busybox is needed for this test: apt-get install busybox-static").isTrue();
    }
}
