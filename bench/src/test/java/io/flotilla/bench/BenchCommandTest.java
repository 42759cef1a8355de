package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * {@code flotilla bench …} exists when the benchmarks are on the class path: the cli, which does
 * not depend on them, finds {@link BenchCommand} as an {@code io.flotilla.cli.Subcommand}.
 */
class BenchCommandTest {
    @ParameterizedTest
    @CsvSource({"bench", "bench mesh", "bench failover", "bench scale-manager", "bench network", "bench build", "bench cli", "bench chaos"})
    void everyBenchmarkTakesHelpUnderFlotilla(String command) {
        String[] result = run((command + " --help").split(" "));
        assertThat(result[0]).as(result[1] + result[2]).isEqualTo("0");
        assertThat(result[1]).contains("Usage: flotilla " + command).contains("-h, --help");
    }

    @org.junit.jupiter.api.Test
    void flotillaListsBenchWhenItIsOnTheClassPath() {
        String[] result = run("--help");
        assertThat(result[0]).isEqualTo("0");
        assertThat(result[1]).containsPattern("(?m)^  bench ").containsPattern("(?m)^  help ");
    }

    @org.junit.jupiter.api.Test
    void benchChaosRefusesBadSizesBeforeStartingAnything() {
        String[] result = run("bench", "chaos", "--seconds", "0");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2]).contains("--seconds and --writers must be at least 1");
        assertThat(ChaosRun.taskProcesses()).isEmpty();
    }

    @org.junit.jupiter.api.Test
    void benchCliRefusesBadSizesBeforeStartingAnything() {
        String[] result = run("bench", "cli", "--runs", "0");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2]).contains("--runs must be at least 1");
    }

    @org.junit.jupiter.api.Test
    void benchCliTableShowsMedianMinMaxAndWhyARowWasSkipped(@org.junit.jupiter.api.io.TempDir java.nio.file.Path dir)
            throws Exception {
        var rows = java.util.List.of(new CliBenchCommand.Row("flotilla --version", java.util.List.of(0.3, 0.1, 0.2), ""),
                new CliBenchCommand.Row("docker service ls", java.util.List.of(), "skipped: not a swarm manager"));
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        CliBenchCommand.table(rows).print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        assertThat(bytes.toString(StandardCharsets.UTF_8)).containsPattern("flotilla --version\\s+3\\s+200 ms\\s+100 ms\\s+300 ms")
                .contains("skipped: not a swarm manager");
        var stack = io.flotilla.cli.StackFiles.load(CliBenchCommand.writeStack(dir, 20), "clibench").stack();
        assertThat(stack.services()).hasSize(20);
    }

    /** Exit code, stdout, stderr of the CLI run in this process. */
    private static synchronized String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {Integer.toString(code), outBytes.toString(StandardCharsets.UTF_8),
                    errBytes.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
