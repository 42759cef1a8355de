package io.flotilla.bench;

import static io.flotilla.bench.LinearizabilityChecker.Verdict.LINEARIZABLE;
import static io.flotilla.bench.LinearizabilityChecker.Verdict.VIOLATION;
import static io.flotilla.bench.RegisterOp.indeterminateWrite;
import static io.flotilla.bench.RegisterOp.read;
import static io.flotilla.bench.RegisterOp.write;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.IntRange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class LinearizabilityCheckerTest {
    @Test
    void emptyHistoryAndReadOfTheEmptyRegisterPass() {
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(List.of()));
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(List.of(read(0, "r", null, 0, 1))));
    }

    @Test
    void concurrentWritesMayBeReadInEitherOrder() {
        // a: [0,10] writes 1; b: [2,12] writes 2; reads after both see 1 (b then a) — then 1 again
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 10),
                write(1, "r", "2", 2, 12), read(2, "r", "1", 13, 14), read(2, "r", "1", 15, 16))));
        // a read overlapping a write may see the old or the new value
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1),
                write(1, "r", "2", 2, 12), read(2, "r", "1", 3, 4), read(3, "r", "2", 5, 6), read(2, "r", "2", 13, 14))));
    }

    @Test
    void indeterminateWritesMayOrMayNotHaveHappened() {
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1),
                indeterminateWrite(1, "r", "2", 2), read(2, "r", "1", 5, 6))));
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1),
                indeterminateWrite(1, "r", "2", 2), read(2, "r", "2", 50, 60), read(2, "r", "2", 70, 80))));
        // ...but not before it was sent
        assertEquals(VIOLATION, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1),
                read(2, "r", "2", 2, 3), indeterminateWrite(1, "r", "2", 4))));
        // nor undone once read
        assertEquals(VIOLATION, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1),
                indeterminateWrite(1, "r", "2", 2), read(2, "r", "2", 5, 6), read(2, "r", "1", 7, 8))));
    }

    @Test
    void manyUnreadIndeterminateWritesDoNotBlowUpTheSearch() {
        // 60 writes that may land anywhere after their call: 2^60 subsets unless the unread ones are left out
        List<RegisterOp> history = new ArrayList<>();
        history.add(write(0, "r", "1", 0, 1));
        for (int i = 0; i < 60; i++) {
            history.add(indeterminateWrite(1 + i, "r", "lost" + i, 2 + i));
        }
        history.add(write(0, "r", "2", 100, 101));
        history.add(read(0, "r", "1", 200, 201));
        assertEquals(VIOLATION, LinearizabilityChecker.check(history));
    }

    @Test
    void aStaleReadAfterAnAcknowledgedWriteFails() {
        assertEquals(VIOLATION, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1),
                write(0, "r", "2", 2, 3), read(1, "r", "1", 4, 5))));
    }

    @Test
    void aLostAcknowledgedWriteFails() {
        // the final read (after everything) shows the register as if write 3 never happened
        assertEquals(VIOLATION, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1),
                write(1, "r", "2", 0, 2), write(0, "r", "3", 3, 4), read(9, "r", "2", 100, 101))));
        assertEquals(VIOLATION, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1), read(9, "r", null, 5, 6))));
    }

    @Test
    void aReadOfAValueNeverWrittenFails() {
        assertEquals(VIOLATION, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 10), read(1, "r", "7", 2, 3))));
    }

    @Test
    void failedOperationsSayNothing() {
        RegisterOp failed = new RegisterOp(1, RegisterOp.Kind.WRITE, "r", "2", 2, 3, RegisterOp.Outcome.FAIL);
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(List.of(write(0, "r", "1", 0, 1), failed,
                read(2, "r", "1", 4, 5))));
    }

    @Test
    void theMinimizedWindowIsTheViolationAloneAndIsWritten(@TempDir Path dir) throws Exception {
        List<RegisterOp> history = new ArrayList<>();
        for (int i = 0; i < 40; i++) {
            history.add(write(0, "r", "v" + i, 10L * i, 10L * i + 2));
            history.add(read(1, "r", "v" + i, 10L * i + 4, 10L * i + 6));
        }
        history.add(write(0, "r", "x", 400, 402));
        history.add(read(1, "r", "v39", 404, 406)); // stale
        for (int i = 0; i < 20; i++) {
            history.add(write(0, "r", "w" + i, 500L + 10 * i, 502L + 10 * i));
        }
        assertEquals(VIOLATION, LinearizabilityChecker.check(history));
        List<RegisterOp> window = HistoryWindow.minimize(history);
        assertEquals(List.of(write(0, "r", "x", 400, 402), read(1, "r", "v39", 404, 406)), window);
        assertEquals(VIOLATION, LinearizabilityChecker.check(window, true));
        Path file = dir.resolve("window.txt");
        HistoryWindow.write(file, "register r", window);
        assertTrue(Files.readString(file).contains("1 READ r v39"));
    }

    /**
     * Histories made linearizable by construction: each operation takes effect at its own instant
     * (10 ms apart) inside an interval stretched by up to 25 ms either side, so that neighbours
     * overlap; some writes are indeterminate, half of which never took effect.
     */
    @Property(tries = 300)
    void concurrentHistoriesOfARealRegisterPass(@ForAll long seed, @ForAll @IntRange(min = 1, max = 60) int length) {
        Random random = new Random(seed);
        List<RegisterOp> history = new ArrayList<>();
        String value = null;
        for (int i = 0; i < length; i++) {
            long at = 10L * i;
            long invoke = at - random.nextInt(26);
            long complete = at + random.nextInt(26);
            int client = random.nextInt(5);
            int what = random.nextInt(10);
            if (what < 4) {
                value = "v" + i;
                history.add(write(client, "r", value, invoke, complete));
            } else if (what < 5) {
                boolean happened = random.nextBoolean();
                if (happened) {
                    value = "v" + i;
                }
                history.add(indeterminateWrite(client, "r", "v" + i, invoke));
            } else {
                history.add(read(client, "r", value, invoke, complete));
            }
        }
        assertEquals(LINEARIZABLE, LinearizabilityChecker.check(history), () -> String.join("\n",
                history.stream().map(RegisterOp::toString).toList()));
    }
}
