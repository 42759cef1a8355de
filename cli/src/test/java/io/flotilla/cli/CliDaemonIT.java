package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The {@code ./flotilla} launcher with its CLI daemon (scripts/cli-daemon.sh) against a real
 * {@code flotilla dev}, as a user's shell runs it: the first command runs as its own JVM and
 * starts a daemon; the next ones are served by it (its log says so) with the same standard output,
 * standard error and exit status as a command run as its own JVM (FLOTILLA_CLI_DAEMON=0); relative
 * paths and the variables a Compose file interpolates are the shell's; another environment gets
 * a daemon of its own.
 */
class CliDaemonIT {
    @TempDir Path tmp;
    private DevNodeProcess node;
    private Path home;
    private Path work;

    record Run(int status, String out, String err) {}

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            run(Map.of("FLOTILLA_CLI_DAEMON", "0"), "stack", "rm", "greet");
            Thread.sleep(1_000);
            node.close();
        }
        for (Path state : stateFiles()) {
            String[] fields = Files.readString(state).strip().split(" ");
            ProcessHandle.of(Long.parseLong(fields[2])).ifPresent(ProcessHandle::destroy);
        }
    }

    private Run run(Map<String, String> extra, String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(DevNodeProcess.ROOT.resolve("flotilla").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(work.toFile());
        builder.environment().remove("XDG_RUNTIME_DIR");
        builder.environment().remove("FLOTILLA_CLI_DAEMON");
        builder.environment().putAll(Map.of("HOME", home.toString(), "FLOTILLA_HOST", node.host(),
                "FLOTILLA_TLS_DIR", node.data.resolve("tls").toString(), "FLOTILLA_CLI_DAEMON_IDLE", "300",
                "GREETING", "hello"));
        builder.environment().putAll(extra);
        Path out = tmp.resolve("out");
        Path err = tmp.resolve("err");
        builder.redirectOutput(out.toFile()).redirectError(err.toFile());
        Process process = builder.start();
        if (!process.waitFor(120, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("flotilla " + String.join(" ", args) + " did not end within 120 s");
        }
        return new Run(process.exitValue(), Files.readString(out), Files.readString(err));
    }

    private List<Path> stateFiles() throws IOException {
        Path dir = home.resolve(".flotilla").resolve("cli-daemon");
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().contains(".")).toList();
        }
    }

    private String daemonLogs() throws IOException {
        StringBuilder logs = new StringBuilder();
        for (Path state : stateFiles()) {
            Path log = state.resolveSibling(state.getFileName() + ".log");
            if (Files.exists(log)) {
                logs.append(Files.readString(log, StandardCharsets.UTF_8));
            }
        }
        return logs.toString();
    }

    @Test
    void commandsServedByTheDaemonAnswerAsTheirOwnProcessWould() throws Exception {
        node = new DevNodeProcess(tmp.resolve("data")).start("--no-dns");
        home = Files.createDirectories(tmp.resolve("home"));
        work = Files.createDirectories(tmp.resolve("work"));
        Files.writeString(work.resolve("greet.yaml"), """
                services:
                  web:
                    command: ["/bin/sh", "-c", "exec sleep 600"]
                    environment: {GREETING: "${GREETING}"}
                """);

        Run deployed = run(Map.of(), "stack", "deploy", "-d", "-c", "greet.yaml", "greet"); // a relative path
        assertThat(deployed.status()).as(deployed.err()).isZero();
        await().atMost(Duration.ofSeconds(60)).until(() -> stateFiles().size() == 1);
        assertThat(Files.getPosixFilePermissions(stateFiles().getFirst()))
                .containsExactlyInAnyOrder(java.nio.file.attribute.PosixFilePermission.OWNER_READ,
                        java.nio.file.attribute.PosixFilePermission.OWNER_WRITE);
        await().atMost(Duration.ofSeconds(60)).until(() -> run(Map.of("FLOTILLA_CLI_DAEMON", "0"), "service", "ls").out().contains("1/1"));

        for (String[] args : List.of(new String[] {"service", "ls"}, new String[] {"stack", "ls"},
                new String[] {"stack", "config", "-c", "greet.yaml"}, new String[] {"service", "inspect", "greet_nosuch"},
                new String[] {"--version"})) {
            Run daemon = run(Map.of(), args);
            Run own = run(Map.of("FLOTILLA_CLI_DAEMON", "0"), args);
            assertThat(daemon).as(String.join(" ", args)).isEqualTo(own);
        }
        assertThat(run(Map.of(), "stack", "config", "-c", "greet.yaml").out()).contains("GREETING: hello");
        Run missing = run(Map.of(), "service", "inspect", "greet_nosuch");
        assertThat(missing.status()).isEqualTo(1);
        assertThat(missing.out()).isEmpty();
        assertThat(missing.err()).startsWith("Error:");

        String log = daemonLogs();
        assertThat(log).contains("served: service ls -> exit 0", "served: stack ls -> exit 0",
                "served: stack config -> exit 0", "served: service inspect -> exit 1", "served: --version -> exit 0");
        assertThat(log).doesNotContain("greet_nosuch"); // only a command's first two words are logged

        // another environment is another daemon: the Compose file sees the new value at once
        Run other = run(Map.of("GREETING", "bonjour"), "stack", "config", "-c", "greet.yaml");
        assertThat(other.out()).contains("GREETING: bonjour");
        await().atMost(Duration.ofSeconds(60)).until(() -> stateFiles().size() == 2);
        assertThat(run(Map.of("GREETING", "bonjour"), "stack", "config", "-c", "greet.yaml").out())
                .contains("GREETING: bonjour");
    }
}
