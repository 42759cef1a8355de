package io.flotilla.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The ledger demo: its file logic directly, then the real app as separate processes (the JVM
 * version and the busybox script run by the host's busybox), as the agents run them.
 */
class LedgerAppTest extends LedgerTestBase {
    @Test
    void continuesAfterTheLastNumberOfTheFile() throws IOException {
        Files.writeString(ledger(), "1 old t\n41 old t\n");
        try (LedgerFile file = LedgerFile.open(ledger(), "me")) {
            assertThat(file.lastNumber()).isEqualTo(41);
            assertThat(file.append(T)).isEqualTo("42 me 2026-01-01T00:00:00Z");
            file.append(T.plusSeconds(1));
        }
        assertThat(lines()).containsExactly("1 old t", "41 old t", "42 me 2026-01-01T00:00:00Z", "43 me 2026-01-01T00:00:01Z");
    }

    @Test
    void anEmptyOrMissingFileStartsAtOne() throws IOException {
        try (LedgerFile file = LedgerFile.open(ledger(), "me")) {
            assertThat(file.lastNumber()).isZero();
            file.append(T);
        }
        assertThat(lines()).containsExactly("1 me 2026-01-01T00:00:00Z");
    }

    @Test
    void aTornLastLineIsCutOffAndItsNumberWrittenAgain() throws IOException {
        Files.writeString(ledger(), "7 old t\n8 old 2026-");
        try (LedgerFile file = LedgerFile.open(ledger(), "me")) {
            assertThat(file.lastNumber()).isEqualTo(7);
            file.append(T);
        }
        assertThat(lines()).containsExactly("7 old t", "8 me 2026-01-01T00:00:00Z");
    }

    @Test
    void aForeignLineBetweenTwoAppendsStopsTheWriterAndIsNotOverwritten() throws IOException {
        try (LedgerFile file = LedgerFile.open(ledger(), "me")) {
            file.append(T);
            Files.writeString(ledger(), "2 intruder t\n", StandardOpenOption.APPEND);
            assertThatThrownBy(() -> file.append(T)).isInstanceOf(LedgerFile.ForeignWriterException.class)
                    .hasMessageContaining("'2 intruder t'").hasMessageContaining("'1 me 2026-01-01T00:00:00Z'")
                    .hasMessageContaining("Two copies of this slot");
        }
        assertThat(lines()).containsExactly("1 me 2026-01-01T00:00:00Z", "2 intruder t");
    }

    @Test
    void aFileRewrittenWithTheSameLastLineIsCaughtByItsSize() throws IOException {
        Files.writeString(ledger(), "5 old t\n");
        try (LedgerFile file = LedgerFile.open(ledger(), "me")) {
            String line = file.append(T);
            Files.writeString(ledger(), line + "\n"); // truncated and rewritten: the history before is gone
            assertThatThrownBy(() -> file.append(T)).isInstanceOf(LedgerFile.ForeignWriterException.class)
                    .hasMessageContaining("(26 bytes, expected 34)");
        }
    }

    @Test
    void aFileThatIsNotALedgerIsRefusedUnchanged() throws IOException {
        Files.writeString(ledger(), "hello world\n");
        assertThatThrownBy(() -> LedgerFile.open(ledger(), "me")).isInstanceOf(IllegalArgumentException.class)
                .hasMessageContaining("not a ledger line").hasMessageContaining("'hello world'");
        assertThat(Files.readString(ledger())).isEqualTo("hello world\n");
        assertThatThrownBy(() -> LedgerFile.open(dir.resolve("missing/ledger.log"), "me"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("does not exist");
    }

    @Test
    void settingsComeFromFlagsThenEnvironmentThenDefaults() {
        LedgerApp.Settings defaults = LedgerApp.Settings.of(null, null, null, Map.of());
        assertThat(defaults.file()).isEqualTo(Path.of("/data/ledger.log"));
        assertThat(defaults.port()).isEqualTo(8080);
        assertThat(defaults.intervalMillis()).isEqualTo(100);
        assertThat(defaults.writer()).isEqualTo("pid-" + ProcessHandle.current().pid());
        Map<String, String> env = Map.of("LEDGER_DIR", "/v", "PORT", "9000", "LEDGER_INTERVAL_MS", "20", "FLOTILLA_TASK_ID", "t1");
        LedgerApp.Settings fromEnv = LedgerApp.Settings.of(null, null, null, env);
        assertThat(fromEnv).isEqualTo(new LedgerApp.Settings(Path.of("/v/ledger.log"), 9000, 20, "t1"));
        assertThat(LedgerApp.Settings.of("/f", 1, 5L, env)).isEqualTo(new LedgerApp.Settings(Path.of("/f/ledger.log"), 1, 5, "t1"));
        assertThatThrownBy(() -> LedgerApp.Settings.of(null, null, null, Map.of("PORT", "http")))
                .hasMessageContaining("PORT must be a number");
        assertThatThrownBy(() -> LedgerApp.Settings.of(null, null, 0L, Map.of())).hasMessageContaining("at least 1 ms");
    }

    // --- the writer's own lease check (FLOTILLA_LEASE_FILE) -----------------------------------

    @Test
    void aFencedAppWritesWhileItsLeaseIsRenewedAndStopsWithoutWritingOnceItExpired() throws Exception {
        lease(System.currentTimeMillis() + 1500);
        Process app = startJava("task-l", freePort(), Map.of(LedgerApp.LEASE_FILE_VARIABLE, leaseFile().toString()));
        long renewUntil = System.currentTimeMillis() + 2500;
        while (System.currentTimeMillis() < renewUntil) {
            lease(System.currentTimeMillis() + 1000);
            Thread.sleep(100);
        }
        assertThat(app.isAlive()).as("alive while its lease is renewed: %s", output(app)).isTrue();
        long deadline = System.currentTimeMillis() + 700;
        lease(deadline);
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output(app)).isEqualTo(LedgerApp.EXIT_FOREIGN_WRITER);
        assertThat(output(app)).contains("lease with the managers expired");
        Instant lastWrite = Instant.parse(lines().getLast().split(" ")[2]);
        assertThat(lastWrite.toEpochMilli()).as("no line written after the lease's deadline").isLessThanOrEqualTo(deadline);
    }

    @Test
    void aFencedAppFrozenPastItsLeaseWritesNothingOnWakingEvenIfTheLeaseWasRenewedMeanwhile() throws Exception {
        lease(System.currentTimeMillis() + 60_000);
        Process app = startJava("task-f", freePort(), Map.of(LedgerApp.LEASE_FILE_VARIABLE, leaseFile().toString()));
        awaitNumber(3, app);
        lease(System.currentTimeMillis() + 600);
        Thread.sleep(150); // it has read the short deadline before one of its sleeps
        signal(app, "STOP");
        List<String> before = lines();
        Thread.sleep(1200); // frozen past that deadline
        lease(System.currentTimeMillis() + 60_000); // the node's agent woke first and renewed
        signal(app, "CONT");
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output(app)).isEqualTo(LedgerApp.EXIT_FOREIGN_WRITER);
        assertThat(lines()).as("not one line after waking").isEqualTo(before);
    }

    @Test
    void theBusyboxScriptFrozenPastItsLeaseWritesNothingOnWaking() throws Exception {
        requireBusybox();
        lease(System.currentTimeMillis() + 60_000);
        Process app = startScript("task-g", freePort(), Map.of(LedgerApp.LEASE_FILE_VARIABLE, leaseFile().toString()));
        awaitNumber(3, app);
        lease(System.currentTimeMillis() + 2500); // whole seconds: the script counts a lease as expired 1 s early
        Thread.sleep(300);
        assertThat(app.isAlive()).as(output(app)).isTrue();
        signal(app, "STOP");
        List<String> before = lines();
        Thread.sleep(3500);
        lease(System.currentTimeMillis() + 60_000);
        signal(app, "CONT");
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).as("exits after waking: %s", output(app)).isTrue();
        assertThat(app.exitValue()).as(output(app)).isEqualTo(LedgerApp.EXIT_FOREIGN_WRITER);
        assertThat(output(app)).contains("lease with the managers expired");
        assertThat(lines()).as("not one line after waking").isEqualTo(before);
    }

    @Test
    void theAppContinuesAFileServesItsLastNumberAndStopsCleanlyOnSigterm() throws Exception {
        Files.writeString(ledger(), "1 old t\n9 old t\n");
        int port = freePort();
        Process app = startJava("task-a", port);
        awaitNumber(15, app);
        assertThat(get(port, "/health")).isEqualTo("200 ok");
        long served = Long.parseLong(get(port, "/").substring(4));
        assertThat(served).isGreaterThanOrEqualTo(15);
        app.destroy(); // SIGTERM
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(output(app)).contains("ledger stopping at");
        assertThat(Files.readString(ledger())).endsWith("\n");
        List<String> lines = lines();
        assertConsecutiveFrom(10, lines.subList(2, lines.size()));
        assertThat(lines.subList(2, lines.size())).allMatch(line -> line.split(" ")[1].equals("task-a"));
    }

    @Test
    void printScriptPrintsTheBusyboxVersion() throws Exception {
        assertThat(LedgerApp.script()).startsWith("#!/bin/sh").contains("exit 75").contains("httpd");
    }

    @Test
    void theBusyboxScriptContinuesAFileServesItsLastNumberAndStopsOnSigterm() throws Exception {
        requireBusybox();
        Files.writeString(ledger(), "1 old t\n9 old t\n10 old 2026-"); // torn last line
        int port = freePort();
        Process app = startScript("task-s", port);
        awaitNumber(14, app);
        // the file stays open for appending: no open() between the lease check and the write
        assertThat(Files.readSymbolicLink(Path.of("/proc", Long.toString(app.pid()), "fd", "4")))
                .as("the shell's fd 4").isEqualTo(ledger().toRealPath());
        String flags = Files.readString(Path.of("/proc", Long.toString(app.pid()), "fdinfo", "4")).lines()
                .filter(l -> l.startsWith("flags:")).findFirst().orElseThrow().substring("flags:".length()).strip();
        assertThat(Integer.parseInt(flags, 8) & 02000).as("fd 4 opened O_APPEND (flags %s)", flags).isEqualTo(02000);
        assertThat(get(port, "/health")).isEqualTo("200 ok");
        assertThat(Long.parseLong(get(port, "/").substring(4))).isGreaterThanOrEqualTo(14);
        app.destroy(); // SIGTERM to the shell
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output(app)).isZero();
        assertThat(output(app)).contains("cutting a torn last line").contains("stopping at");
        assertThat(get(port, "/")).as("its httpd stopped with it").isEqualTo("unreachable");
        List<String> lines = lines();
        assertConsecutiveFrom(10, lines.subList(2, lines.size()));
        assertThat(lines.get(2)).matches("10 task-s \\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ");
    }

    @Test
    void theBusyboxScriptExits75WhenAnotherWriterAppends() throws Exception {
        requireBusybox();
        Process app = startScript("task-s", freePort());
        awaitNumber(2, app);
        Files.writeString(ledger(), "999 intruder t\n", StandardOpenOption.APPEND);
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).as(output(app)).isEqualTo(LedgerApp.EXIT_FOREIGN_WRITER);
        assertThat(output(app)).contains("another writer changed").contains("'999 intruder t'");
        assertThat(lines().getLast()).isEqualTo("999 intruder t");
    }

    @Test
    void theBusyboxScriptRefusesAFileThatIsNotALedger() throws Exception {
        requireBusybox();
        Files.writeString(ledger(), "hello world\n");
        Process app = startScript("task-s", freePort());
        assertThat(app.waitFor(10, TimeUnit.SECONDS)).isTrue();
        assertThat(app.exitValue()).isEqualTo(1);
        assertThat(output(app)).contains("not a ledger line");
        assertThat(Files.readString(ledger(), StandardCharsets.UTF_8)).isEqualTo("hello world\n");
    }

}
