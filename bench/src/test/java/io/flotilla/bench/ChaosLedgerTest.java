package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The chaos run's checks on the fenced ledger's file and on its copies' output. */
class ChaosLedgerTest {
    @TempDir
    Path dir;

    private static final List<String> CLEAN = List.of("1 a t", "2 a t", "3 b t", "4 b t", "5 c t");

    @Test
    void oneWriterAfterAnotherIsClean() {
        ChaosLedger.Check check = ChaosLedger.check(CLEAN, 0);
        assertThat(check.ok()).isTrue();
        assertThat(check.lines()).isEqualTo(5);
        assertThat(check.writers()).isEqualTo(3);
    }

    @Test
    void aStaleCopysAppendOnWakingIsADoubleWriter() {
        ChaosLedger.Check check = ChaosLedger.check(ChaosLedger.withStaleAppend(CLEAN), 0);
        assertThat(check.doubleWriters()).isEqualTo(1);
        assertThat(check.breaks().getFirst()).contains("line 6: 2 by frozen-copy after 5");
        assertThat(check.ok()).isFalse();
    }

    @Test
    void interleavedWritersAGapAndARepeatAreEachFound() {
        assertThat(ChaosLedger.check(List.of("1 a t", "2 b t", "3 a t"), 0).breaks()).singleElement().asString()
                .contains("a writes again after b");
        assertThat(ChaosLedger.check(List.of("1 a t", "3 a t"), 0).breaks()).singleElement().asString().contains("3 by a after 1");
        assertThat(ChaosLedger.check(List.of("1 a t", "1 b t"), 0).doubleWriters()).isEqualTo(1);
        assertThat(ChaosLedger.check(List.of("1 a t", "garbage"), 0).doubleWriters()).isEqualTo(1);
    }

    @Test
    void aCopyThatSawAnotherWritersLineCountsEvenWhenTheFileLooksClean() throws Exception {
        Path tasks = Files.createDirectories(dir.resolve("n5/agent/tasks"));
        Files.createDirectories(tasks.resolve("t1"));
        Files.createDirectories(tasks.resolve("t2"));
        Files.writeString(tasks.resolve("t1/output.log"), "ledger: t1 writing …\nledger: another writer changed x: "
                + "Two copies of this slot are writing: stopping this one. Exiting 75.\n");
        Files.writeString(tasks.resolve("t2/output.log"), "ledger: t2 writing …\nledger: stopping at 9\n");
        int saw = ChaosLedger.sawAnotherWriter(dir);
        assertThat(saw).isEqualTo(1);
        assertThat(ChaosLedger.check(CLEAN, saw).ok()).isFalse();
        // kept outside the nodes' data dirs (tmpfs mounts in a run with full disks), for a look afterwards
        Path keep = dir.resolve("ledger-found");
        assertThat(ChaosLedger.sawAnotherWriter(dir, keep)).isEqualTo(1);
        assertThat(Files.readString(keep.resolve("n5-t1.log"))).contains("Two copies of this slot");
        try (var kept = Files.list(keep)) {
            assertThat(kept.count()).isEqualTo(1);
        }
    }

    @Test
    void aTornLastLineOfACopyKilledMidAppendIsNotCounted() throws Exception {
        Path ledger = Files.createDirectories(dir.resolve("ledger"));
        Files.writeString(ChaosLedger.file(ledger), "1 a t\n2 a t\n3 a");
        assertThat(ChaosLedger.check(ledger, 0).lines()).isEqualTo(2);
        assertThat(ChaosLedger.check(ledger, 0).ok()).isTrue();
    }

    @Test
    void theServiceIsAFencedSlotOnTheWorkersRunningTheLedgerScript() throws Exception {
        var spec = ChaosLedger.service(dir.resolve("ledger"));
        assertThat(spec.labels()).containsEntry("flotilla.stateful", "true");
        assertThat(spec.task().placement().constraints()).containsExactly("node.role==worker");
        assertThat(spec.task().command()).hasSize(4).element(3).asString().contains("exit 75");
        // what sawAnotherWriter looks for in a copy's output is what the script prints
        assertThat(ChaosLedger.script()).contains(ChaosLedger.SAW_ANOTHER_WRITER);
    }
}
