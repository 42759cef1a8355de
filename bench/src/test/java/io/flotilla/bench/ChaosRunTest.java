package io.flotilla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Short chaos runs on real node processes (fixed seeds) must find nothing: process faults on 3
 * managers, and partitions (iptables, {@link ChaosPartitions}) and full disks ({@link ChaosDisks})
 * on 5; the first run's own history
 * with one acknowledgement for a write never sent must be found out. A minute or two each.
 */
class ChaosRunTest {
    @Test
    @Timeout(300)
    void aShortRunFindsNothingAndADroppedAcknowledgementIsFound() throws Exception {
        // kept under target/ so that a failure's windows and node logs can be read
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "chaos")), "run");
        // every register a label of one node, updated together through different managers: the run that
        // found acknowledged writes lost when a manager logged its stale copy of the whole spec (NodeSpecPatch)
        ChaosRun.Result result = ChaosRun.run(new ChaosRun.Config(7, Duration.ofSeconds(15), 2, 2, 2, dir, false, false, false,
                3, ChaosNemesis.Faults.PROCESS.kinds), System.out);
        ChaosBenchCommand.print(result, 7, 15, System.out);
        assertTrue(result.acknowledged() > 0, "no write was acknowledged");
        assertNotNull(result.converge(), "the cluster did not converge");
        assertEquals(0, result.verdict().lostWrites(), "lost acknowledged writes; see " + result.verdict().windows());
        assertEquals(0, result.verdict().neverWritten(), "reads of a value never written");
        assertEquals(0, result.orphans());
        assertEquals(0, result.leftovers(), "processes left behind");
        assertEquals(List.of(), result.wronglyDown(), "nodes judged down while only paused or untouched");
        assertTrue(result.ok());

        // a register whose last value came from an acknowledged write (or none): an indeterminate write
        // may otherwise explain away the dropped acknowledgement
        String register = result.registers().stream().filter(r -> lastFromAck(result, r)).findFirst().orElseThrow();
        long beforeFinal = result.finalReads().stream().mapToLong(RegisterOp::invoke).min().orElseThrow();
        ChaosVerdict dropped = ChaosVerdict.check(ChaosVerdict.withDroppedAck(result.history(), register, beforeFinal),
                result.finalReads(), result.registers(), dir.resolve("dropped"));
        assertEquals(1, dropped.lostWrites());
        assertTrue(!dropped.ok(false));
        Path window = dropped.windows().stream().filter(w -> w.toString().contains("lost-write")).findFirst().orElseThrow();
        assertTrue(Files.readString(window).contains("never-sent"));
    }

    @Test
    @Timeout(300)
    void partitionsAndFullDisksOnFiveManagersLoseNothing() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "chaos")), "partitions");
        ChaosRun.Result result = ChaosRun.run(new ChaosRun.Config(7, Duration.ofSeconds(25), 2, 2, 2, dir, false, false, false,
                5, ChaosNemesis.Faults.parse("partition,disk")), System.out);
        ChaosBenchCommand.print(result, 7, 25, System.out);
        assertTrue(result.faults().keySet().stream().anyMatch(ChaosNemesis.Kind::partition), "no partition happened: " + result.faults());
        assertTrue(result.faults().keySet().stream().anyMatch(ChaosNemesis.Kind::disk), "no disk filled: " + result.faults());
        assertTrue(result.acknowledged() > 0, "no write was acknowledged");
        assertNotNull(result.converge(), "the cluster did not converge");
        assertEquals(0, result.verdict().lostWrites(), "lost acknowledged writes; see " + result.verdict().windows());
        assertEquals(0, result.verdict().neverWritten(), "reads of a value never written");
        assertEquals(0, result.orphans());
        assertEquals(0, result.leftovers(), "processes left behind");
        assertEquals(List.of(), result.wronglyDown(), "nodes judged down while only paused or untouched");
        assertTrue(result.ok());
    }

    private static boolean lastFromAck(ChaosRun.Result result, String register) {
        String last = result.finalReads().stream().filter(op -> op.register().equals(register)).findFirst().orElseThrow().value();
        List<RegisterOp> writes = result.history().stream().filter(op -> op.register().equals(register)
                && op.kind() == RegisterOp.Kind.WRITE && Objects.equals(op.value(), last)).toList();
        return last == null || writes.stream().allMatch(op -> op.outcome() == RegisterOp.Outcome.OK);
    }
}
