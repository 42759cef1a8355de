package io.flotilla.demo;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * A writer takes the ledger over when it starts (a checked copy renamed over the file), so that a
 * copy which opened the file earlier — frozen between its lease check and its write, woken after
 * its replacement started — never writes into the ledger again, and stops at its next check.
 */
class LedgerTakeoverTest extends LedgerTestBase {

    private List<Path> files() throws IOException {
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> f.getFileName().toString().contains("ledger")).toList();
        }
    }

    @Test
    void aCopyTakenOverBetweenItsCheckAndItsWriteWritesNothingIntoTheLedger() throws IOException {
        Files.writeString(ledger(), "5 old t\n");
        LedgerFile[] replacement = new LedgerFile[1];
        try (LedgerFile stale = LedgerFile.open(ledger(), "stale")) {
            stale.append(T);
            // the stale copy passed its checks; its replacement starts and writes before its write lands
            stale.append(() -> {
                try {
                    replacement[0] = LedgerFile.open(ledger(), "new");
                    replacement[0].append(T);
                } catch (IOException e) {
                    throw new IllegalStateException(e);
                }
                return T;
            });
            assertThat(lines()).as("the stale write went to the replaced file")
                    .containsExactly("5 old t", "6 stale 2026-01-01T00:00:00Z", "7 new 2026-01-01T00:00:00Z");
            assertThatThrownBy(() -> stale.append(T)).isInstanceOf(LedgerFile.TakenOverException.class)
                    .hasMessageContaining("another writer took").hasMessageContaining("not the one this copy opened")
                    .hasMessageContaining("Two copies of this slot");
        }
        try (LedgerFile current = replacement[0]) {
            assertThat(current.append(T)).startsWith("8 new ");
        }
        assertThat(lines()).hasSize(4);
        assertThat(files()).as("the ledger, and the file it replaced beside it")
                .containsExactlyInAnyOrder(ledger(), dir.resolve(".ledger.log.replaced"));
    }

    @Test
    void aRemovedLedgerCountsAsTakenOver() throws IOException {
        try (LedgerFile file = LedgerFile.open(ledger(), "me")) {
            file.append(T);
            Files.delete(ledger());
            assertThatThrownBy(() -> file.append(T)).isInstanceOf(LedgerFile.TakenOverException.class).hasMessageContaining("the file is missing");
        }
    }

    @Test
    void aTakeoverStoppedBetweenItsTwoRenamesContinuesFromTheFileAside() throws IOException {
        Files.writeString(dir.resolve(".ledger.log.replaced"), "3 old t\n");
        try (LedgerFile file = LedgerFile.open(ledger(), "me")) {
            assertThat(file.lastNumber()).isEqualTo(3);
            file.append(T);
        }
        assertThat(lines()).containsExactly("3 old t", "4 me 2026-01-01T00:00:00Z");
    }

    @Test
    void aRefusedFileLeavesNoCopyBehind() throws IOException {
        Files.writeString(ledger(), "hello world\n");
        assertThatThrownBy(() -> LedgerFile.open(ledger(), "me")).hasMessageContaining("not a ledger line");
        assertThat(files()).containsExactly(ledger());
        assertThatThrownBy(() -> LedgerFile.open(ledger(), "a/b")).hasMessageContaining("one word");
    }

    @Test
    void ofTwoAppsOnOneFileTheNewerTakesOverAndTheOlderStopsWithoutWritingAgain() throws Exception {
        Process first = startJava("task-a", freePort());
        awaitNumber(3, first);
        Process second = startJava("task-b", freePort());
        assertTakenOver(first, second, "task-a", "task-b");
    }

    @Test
    void theBusyboxScriptTakenOverByANewerCopyStopsWithoutWritingAgain() throws Exception {
        requireBusybox();
        Process first = startScript("task-a", freePort());
        awaitNumber(3, first);
        Process second = startScript("task-b", freePort());
        assertTakenOver(first, second, "task-a", "task-b");
        assertThat(output(second)).doesNotContain("took");
    }

    @Test
    void aFencedScriptWhoseLeasePassedBeforeTheTakeoverStopsByItsLease() throws Exception {
        requireBusybox();
        lease(System.currentTimeMillis() + 60_000);
        Process stale = startScript("task-f", freePort(), Map.of(LedgerApp.LEASE_FILE_VARIABLE, leaseFile().toString()));
        awaitNumber(3, stale);
        lease(System.currentTimeMillis() + 2500); // whole seconds: the script counts a lease as expired 1 s early
        Thread.sleep(300);
        signal(stale, "STOP");
        Thread.sleep(2500); // past its lease, as the managers see it
        // read before the replacement starts: its takeover moves the file aside for a moment (CI of bb6f8fb)
        long last = Long.parseLong(lines().getLast().split(" ")[0]);
        Process replacement = startScript("task-r", freePort());
        awaitNumber(last + 3, replacement);
        signal(stale, "CONT");
        assertThat(stale.waitFor(10, TimeUnit.SECONDS)).as("exits after waking: %s", output(stale)).isTrue();
        assertThat(stale.exitValue()).isEqualTo(LedgerApp.EXIT_FOREIGN_WRITER);
        assertThat(output(stale)).as("fenced in time: by its lease, not as a second writer")
                .contains("lease with the managers expired").doesNotContain("Two copies");
        assertOneWriterAtATime();
    }

    @Test
    void aFencedAppWhoseLeasePassedFindsTheFileChangedAndStopsByItsLease() throws Exception {
        assertStopsByItsLeaseOnAChangedFile(startJava("task-f", freePort(), fenced()));
    }

    @Test
    void aFencedScriptWhoseLeasePassedFindsTheFileChangedAndStopsByItsLease() throws Exception {
        requireBusybox();
        assertStopsByItsLeaseOnAChangedFile(startScript("task-f", freePort(), fenced()));
    }

    private Map<String, String> fenced() throws IOException {
        lease(System.currentTimeMillis() + 60_000);
        return Map.of(LedgerApp.LEASE_FILE_VARIABLE, leaseFile().toString());
    }

    /**
     * A copy frozen past its lease wakes to a file another writer appended to in place (a copy
     * frozen after its takeover check and before it reads the file's end sees the same): its lease
     * passed first, so it was fenced in time, and it says so rather than "two copies".
     */
    private void assertStopsByItsLeaseOnAChangedFile(Process stale) throws Exception {
        awaitNumber(3, stale);
        lease(System.currentTimeMillis() + 2500); // whole seconds: the script counts a lease as expired 1 s early
        Thread.sleep(300);
        signal(stale, "STOP");
        Thread.sleep(2500);
        long last = Long.parseLong(lines().getLast().split(" ")[0]);
        Files.writeString(ledger(), (last + 1) + " task-r " + T + "\n", java.nio.file.StandardOpenOption.APPEND);
        signal(stale, "CONT");
        assertThat(stale.waitFor(10, TimeUnit.SECONDS)).as("exits after waking: %s", output(stale)).isTrue();
        assertThat(stale.exitValue()).isEqualTo(LedgerApp.EXIT_FOREIGN_WRITER);
        assertThat(output(stale)).as("fenced in time: by its lease, not as a second writer")
                .contains("lease with the managers expired").doesNotContain("Two copies");
        assertThat(lines().getLast()).startsWith((last + 1) + " task-r ");
        assertOneWriterAtATime();
    }

    /** The older copy exits 75 as taken over; the newer keeps writing; the file shows one writer after the other. */
    private void assertTakenOver(Process older, Process newer, String olderId, String newerId) throws Exception {
        assertThat(older.waitFor(10, TimeUnit.SECONDS)).as("the older copy stopped: %s", output(older)).isTrue();
        assertThat(older.exitValue()).as(output(older)).isEqualTo(LedgerApp.EXIT_FOREIGN_WRITER);
        assertThat(output(older)).contains("another writer took").contains("Exiting 75");
        // the older copy may stop while the file is between the newer one's two renames (missing):
        // the newer one says it writes only once its copy is in place
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!output(newer).contains("writing") && System.nanoTime() < until) {
            Thread.sleep(20);
        }
        assertThat(output(newer)).as("the newer copy took over").contains("writing");
        long now = Long.parseLong(lines().getLast().split(" ")[0]);
        awaitNumber(now + 5, newer);
        assertThat(newer.isAlive()).as(output(newer)).isTrue();
        assertThat(lines().getLast()).contains(" " + newerId + " ");
        assertOneWriterAtATime();
        assertThat(lines()).as("the older copy's lines come first").first().asString().contains(" " + olderId + " ");
    }

    /** Numbers one after the other from 1, and no writer back after another one started. */
    private void assertOneWriterAtATime() throws IOException {
        List<String> lines = lines();
        assertConsecutiveFrom(1, lines);
        List<String> runs = lines.stream().map(line -> line.split(" ")[1]).distinct().toList();
        long changes = java.util.stream.IntStream.range(1, lines.size())
                .filter(i -> !lines.get(i).split(" ")[1].equals(lines.get(i - 1).split(" ")[1])).count();
        assertThat(changes).as("writer runs in %s", lines).isEqualTo(runs.size() - 1);
    }
}
