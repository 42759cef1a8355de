package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real {@code flotilla dev} in its own process (on 127.0.13.x, which no other test uses): what a
 * person sees on the terminal after a clean start is the progress lines only, with no warning, no
 * error and no logger line, and the log is in the file the first line names.
 */
class NodeLoggingIT {
    /** A logger line as logback.xml and the file write it: it starts with a time of day. */
    private static final java.util.regex.Pattern LOGGER_LINE = java.util.regex.Pattern.compile(
            "^(\\d{4}-\\d\\d-\\d\\d )?\\d\\d:\\d\\d:\\d\\d\\.\\d{3} .*");

    @TempDir Path tmp;

    @Test
    void aCleanStartPrintsOnlyWhatAPersonNeedsAndLogsToItsFile() throws Exception {
        Path data = tmp.resolve("dev");
        String terminal = runUntilSettled("127.0.13.1", data);

        Path logFile = data.resolve("flotilla.log").toAbsolutePath();
        List<String> lines = terminal.lines().toList();
        assertThat(lines.getFirst()).as(terminal).isEqualTo("Log: " + logFile + "   (warnings and errors also here)");
        assertThat(lines).as(terminal).contains("Try: flotilla stack deploy -c examples/shop/compose.yaml shop",
                        "Stopping Flotilla (tasks keep running; `flotilla dev --data " + data + "` adopts them again).")
                .noneMatch(line -> line.startsWith("WARN") || line.startsWith("ERROR") || line.contains("Exception"))
                .noneMatch(line -> LOGGER_LINE.matcher(line).matches());
        String log = Files.readString(logFile);
        assertThat(log).contains(" INFO ", "session open with the manager").doesNotContain(" WARN ", " ERROR ", " DEBUG ");
    }

    @Test
    void logLevelDebugWritesDebugToTheFileGiven() throws Exception {
        Path data = tmp.resolve("dev");
        Path logFile = tmp.resolve("logs/node.log");
        String terminal = runUntilSettled("127.0.13.2", data, "--log-level", "debug", "--log-file", logFile.toString());

        assertThat(terminal.lines().findFirst()).as(terminal).contains("Log: " + logFile + "   (warnings and errors also here)");
        assertThat(terminal.lines()).as(terminal).noneMatch(line -> LOGGER_LINE.matcher(line).matches());
        assertThat(Files.readString(logFile)).contains(" DEBUG ", " INFO ");
        assertThat(data.resolve("flotilla.log")).doesNotExist();
    }

    /** Runs {@code flotilla dev} on {@code address} until its agent's session is open and a few heartbeats went, stops it; its terminal. */
    private String runUntilSettled(String address, Path data, String... extra) throws Exception {
        Path terminal = tmp.resolve("terminal-" + address + ".txt");
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-XX:+UseSerialGC", "-Xmx200m", "-XX:TieredStopAtLevel=1", "--sun-misc-unsafe-memory-access=allow",
                "--enable-native-access=ALL-UNNAMED", "-cp", ClusterNodeProcess.DIST.resolve("lib") + "/*",
                "io.flotilla.cli.Main", "dev", "--data", data.toString(),
                "--api", address + ":" + DevNodeProcess.freePort(), "--raft", address + ":" + DevNodeProcess.freePort(),
                "--dns", address + ":" + DevNodeProcess.freePort(), "--overlay=off"));
        command.addAll(List.of(extra));
        Process process = new ProcessBuilder(command).directory(DevNodeProcess.ROOT.toFile()).redirectErrorStream(true)
                .redirectOutput(terminal.toFile()).start();
        try {
            long deadline = System.nanoTime() + Duration.ofSeconds(90).toNanos();
            while (!settled(terminal, data, extra)) {
                if (!process.isAlive() || System.nanoTime() > deadline) {
                    throw new AssertionError("flotilla dev did not start; its terminal:\n" + read(terminal));
                }
                Thread.sleep(200);
            }
            Thread.sleep(3000); // a few heartbeats (1 s): a report refused now would warn
        } finally {
            process.destroy(); // SIGTERM, as Ctrl-C: a clean stop prints no error either
            if (!process.waitFor(30, TimeUnit.SECONDS)) {
                process.destroyForcibly();
            }
        }
        return read(terminal);
    }

    private boolean settled(Path terminal, Path data, String... extra) throws IOException {
        String first = read(terminal).lines().findFirst().orElse("");
        if (!first.startsWith("Log: ") || !read(terminal).contains("Try: ")) {
            return false;
        }
        Path log = Path.of(first.substring("Log: ".length(), first.indexOf("   (")));
        return read(log).contains("session open with the manager");
    }

    private static String read(Path file) throws IOException {
        return Files.exists(file) ? Files.readString(file) : "";
    }
}
