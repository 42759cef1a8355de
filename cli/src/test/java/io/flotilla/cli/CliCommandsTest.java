package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** The CLI's own logic, without a cluster: argument handling, stack files, output formatting. */
class CliCommandsTest {
    @TempDir Path tmp;

    @Test
    void invalidStackFileIsRefusedWithFileLineAndKeyAndNothingIsSent() throws IOException {
        Path file = tmp.resolve("compose.yaml");
        Files.writeString(file, """
                services:
                  web:
                    command: ["sleep", "1"]
                    deploy:
                      replicas: many
                """);
        // Port 9 (discard) would refuse a connection: the error must come from the file, before any request.
        ShopEndToEndIT.CliResult result = Cli.run("127.0.0.1:9", "stack", "deploy", "-c", file.toString(), "shop");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("compose.yaml:5:").contains("services.web.deploy.replicas").doesNotContain("cannot reach");
    }

    @Test
    void eventsRefusesBadOptionsBeforeAnyRequest() {
        // Port 9 (discard) would refuse a connection: the error must come from the options.
        ShopEndToEndIT.CliResult result = Cli.run("127.0.0.1:9", "events", "--since", "yesterday");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("--since must be").doesNotContain("cannot reach");
        result = Cli.run("127.0.0.1:9", "events", "--format", "yaml");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("--format must be text or json");
        result = Cli.run("127.0.0.1:9", "events", "--filter", "colour=red");
        assertThat(result.err()).contains("unknown --filter key colour");
    }

    @Test
    void stackConfigPrintsTheNormalizedStackAndWarnsAboutUnsupportedKeys() throws IOException {
        Path file = tmp.resolve("compose.yaml");
        Files.writeString(file, """
                services:
                  web:
                    privileged: true
                    command: ["./app", "--port", "${PORT_NUMBER:-8080}"]
                """);
        ShopEndToEndIT.CliResult result = Cli.run(null, "stack", "config", "-c", file.toString());
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("8080").contains("web");
        assertThat(result.err()).contains("Ignoring unsupported options: privileged");
    }

    @Test
    void processProgramsAreRelativeToTheStackFile() throws Exception {
        Path dir = Files.createDirectories(tmp.resolve("app"));
        Path file = dir.resolve("compose.yaml");
        Files.writeString(file, """
                services:
                  web:
                    command: ["./run.sh", "x"]
                    working_dir: data
                """);
        var stack = StackFiles.load(file, "s").stack();
        var task = stack.services().getFirst().task();
        assertThat(task.command()).containsExactly(dir.resolve("run.sh").toString(), "x");
        assertThat(task.workingDir()).isEqualTo(dir.resolve("data").toString());
    }

    @Test
    void unreachableClusterSaysWhereItLookedAndHowToChange(@org.junit.jupiter.api.io.TempDir java.nio.file.Path data)
            throws Exception {
        io.flotilla.security.TlsDirectory tls = io.flotilla.security.TlsDirectory.of(data);
        tls.writeAuthority(io.flotilla.security.CertificateAuthority.create("test", java.time.Instant.now()));
        tls.ensureAdminCredential(Duration.ofDays(1), java.time.Instant.now());
        ShopEndToEndIT.CliResult result = Cli.run("127.0.0.1:9", "service", "ls", "--tls-dir", tls.path().toString());
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(1);
        assertThat(result.err()).contains("127.0.0.1:9").contains("FLOTILLA_HOST");
    }

    @ParameterizedTest
    @CsvSource({"stack deploy", "node ls", "service update", "join", "demo-app ledger", "network create", "init"})
    void everySubcommandTakesHelp(String command) {
        String[] args = (command + " --help").split(" ");
        ShopEndToEndIT.CliResult result = Cli.run(null, args);
        assertThat(result.exitCode()).as(result.toString()).isZero();
        assertThat(result.out()).contains("Usage: flotilla " + command).contains("-h, --help");
    }

    @Test
    void noCredentialSaysWhereItLookedAndWhatToPass(@org.junit.jupiter.api.io.TempDir java.nio.file.Path empty) {
        ShopEndToEndIT.CliResult result = Cli.run("127.0.0.1:9", "service", "ls", "--tls-dir", empty.toString());
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("--tls-dir").contains("FLOTILLA_TLS_DIR").contains(empty.toString());
    }

    @Test
    void aMalformedMetricsAddressStopsDevBeforeTheNodeStarts(@org.junit.jupiter.api.io.TempDir java.nio.file.Path tmp) {
        java.nio.file.Path data = tmp.resolve("dev");
        ShopEndToEndIT.CliResult result = Cli.run(null, "dev", "--data", data.toString(), "--api", "127.0.10.5:0",
                "--metrics", "127.0.10.5:nope");
        assertThat(result.exitCode()).as(result.toString()).isEqualTo(2);
        assertThat(result.err()).contains("--metrics: invalid address '127.0.10.5:nope': expected HOST:PORT");
        assertThat(data).doesNotExist();
    }

    @Test
    void scaleRejectsMalformedTargetsBeforeCallingTheCluster() {
        ShopEndToEndIT.CliResult result = Cli.run("127.0.0.1:9", "service", "scale", "web", "web=-1", "web=x");
        assertThat(result.exitCode()).isEqualTo(1);
        assertThat(result.err()).contains("expected SERVICE=REPLICAS").contains("must not be negative").contains("invalid replicas value");
    }

    @ParameterizedTest
    @CsvSource({"90s, 90000", "2m, 120000", "500ms, 500", "1h, 3600000", "7, 7000", "1.5s, 1500"})
    void durations(String text, long millis) {
        assertThat(StackFiles.duration(text)).isEqualTo(Duration.ofMillis(millis));
    }

    @Test
    void badDurationsSayWhatIsExpected() {
        assertThatThrownBy(() -> StackFiles.duration("soon")).hasMessageContaining("90s");
    }

    @ParameterizedTest
    @CsvSource({"0, Less than a second", "1, 1 second", "42, 42 seconds", "61, About a minute", "600, 10 minutes",
            "3700, About an hour", "7200, 2 hours", "259200, 3 days"})
    void agesReadAsDockerWordsThem(long seconds, String words) {
        Instant now = Instant.parse("2026-01-01T00:00:00Z");
        assertThat(Humanize.ago(now.minusSeconds(seconds), now)).isEqualTo(words + " ago");
    }

    @Test
    void tablesAlignColumns() {
        var bytes = new java.io.ByteArrayOutputStream();
        new Table("ID", "NAME").row("a", "web").row("abcdef", "x").print(new java.io.PrintStream(bytes, true));
        assertThat(bytes.toString()).isEqualTo("ID       NAME\na        web\nabcdef   x\n");
    }
}
