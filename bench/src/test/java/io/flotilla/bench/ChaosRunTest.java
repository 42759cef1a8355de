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
 * A short chaos run on real node processes (a fixed seed) must find nothing: SIGKILLs (a host, an agent alone), pauses,
 * partitions (iptables, {@link ChaosPartitions}) and full disks ({@link ChaosDisks}) on five
 * managers and two workers, with the fenced ledger ({@link ChaosLedger}) and HTTP load through every
 * node's mesh ({@link ChaosHttp}) while the web service is rolled out again and again; the run's own
 * history with one acknowledgement for a write never
 * sent, and its ledger with a stale copy's append, must be found out. About a minute and a half.
 * Two workers, not the bench's default three: seven node JVMs on CI's two cores, and the seed's
 * schedule (which worker each fault hits) as this test describes it.
 */
class ChaosRunTest {
    private static final long SEED = 280;

    @Test
    @Timeout(400)
    void aShortRunOfEveryKindOfFaultFindsNothingAndADroppedAcknowledgementIsFound() throws Exception {
        // kept under target/ so that a failure's windows and node logs can be read
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "chaos")), "run");
        // every register a label of one node, updated together through different managers: the run that
        // found acknowledged writes lost when a manager logged its stale copy of the whole spec (NodeSpecPatch).
        // Seed 280 on five managers starts with a full disk, the SIGKILL of the ledger host's agent alone, of
        // the ledger's host and the leader's partition (ChaosNemesis.schedule): every kind of fault within
        // the first 25 s, none waiting on a manager's restart.
        ChaosRun.Result result = ChaosRun.run(new ChaosRun.Config(SEED, Duration.ofSeconds(30), 2, 2, 2, dir, false, false,
                5, 2, ChaosNemesis.Faults.ALL.kinds), System.out);
        ChaosBenchCommand.print(result, SEED, 30, System.out);
        assertTrue(result.faults().containsKey(ChaosNemesis.Kind.KILL_WORKER), "no SIGKILL happened: " + result.faults());
        assertTrue(result.faults().containsKey(ChaosNemesis.Kind.KILL_AGENT), "no agent was SIGKILLed alone: " + result.faults());
        assertTrue(result.faults().keySet().stream().anyMatch(ChaosNemesis.Kind::partition), "no partition happened: " + result.faults());
        assertTrue(result.faults().keySet().stream().anyMatch(ChaosNemesis.Kind::disk), "no disk filled: " + result.faults());
        assertTrue(result.acknowledged() > 0, "no write was acknowledged");
        assertNotNull(result.converge(), "the cluster did not converge");
        assertEquals(0, result.verdict().lostWrites(), "lost acknowledged writes; see " + result.verdict().windows());
        assertEquals(0, result.verdict().neverWritten(), "reads of a value never written");
        assertEquals(0, result.verdict().violations(), "non-linearizable reads; see " + result.verdict().windows());
        assertEquals(0, result.orphans());
        assertEquals(0, result.leftovers(), "processes left behind");
        assertEquals(List.of(), result.wronglyDown(), "nodes judged down while only paused or untouched");
        // the worker SIGKILLed is the ledger's host: the fenced slot moved, and never had two writers
        assertTrue(result.ledger().writers() >= 2, "the ledger did not move: " + result.ledger());
        assertEquals(0, result.ledger().doubleWriters(), "two ledger writers: " + result.ledger().breaks());
        assertTrue(result.http().ok() > 0, "no HTTP request through the mesh succeeded");
        assertEquals(List.of(), result.http().failed(), "requests failed through a node that was up and reachable");
        assertTrue(result.http().samples() > 30, "where the web tasks ran was sampled " + result.http().samples() + " times in 30 s");
        assertTrue(result.acknowledgedChanges() > ChaosStacks.STACKS + 1, "no deploy, removal or scaling acknowledged during the run");
        assertTrue(result.rollouts() > 0, "no rolling update of the web service acknowledged during the run");
        assertEquals(List.of(), result.lostChanges(), "lost acknowledged deploys, removals, scalings or rolling updates");
        assertTrue(result.names().renewed() > 0, "no registration renewed: " + result.names());
        assertTrue(result.names().ok(), "registrations: " + result.names());
        assertTrue(result.ok());
        List<String> lines = Files.readAllLines(ChaosLedger.file(dir.resolve("ledger")));
        assertEquals(1, ChaosLedger.check(ChaosLedger.withStaleAppend(lines), 0).doubleWriters(),
                "a frozen copy's append on waking must be found");

        // a register whose last value came from an acknowledged write (or none): an indeterminate write
        // may otherwise explain away the dropped acknowledgement
        String register = result.registers().stream().filter(r -> lastFromAck(result, r)).findFirst().orElseThrow();
        long beforeFinal = result.finalReads().stream().mapToLong(RegisterOp::invoke).min().orElseThrow();
        ChaosVerdict dropped = ChaosVerdict.check(ChaosVerdict.withDroppedAck(result.history(), register, beforeFinal),
                result.finalReads(), result.registers(), dir.resolve("dropped"));
        assertEquals(1, dropped.lostWrites());
        assertTrue(!dropped.ok());
        Path window = dropped.windows().stream().filter(w -> w.toString().contains("lost-write")).findFirst().orElseThrow();
        assertTrue(Files.readString(window).contains("never-sent"));
    }

    @Test
    void theSeedStartsWithEveryKindOfFault() {
        List<ChaosNemesis.Kind> first = ChaosNemesis.schedule(SEED, 4, ChaosNemesis.Faults.ALL, 5, 2).stream()
                .map(ChaosNemesis.Fault::kind).toList();
        assertEquals(List.of(ChaosNemesis.Kind.FILL_DISK_MANAGER, ChaosNemesis.Kind.KILL_AGENT, ChaosNemesis.Kind.KILL_WORKER,
                ChaosNemesis.Kind.PARTITION_LEADER), first);
        assertEquals(5, ChaosNemesis.schedule(SEED, 3, ChaosNemesis.Faults.ALL, 5, 2).get(2).node(), "the worker SIGKILLed is worker 0");
    }

    private static boolean lastFromAck(ChaosRun.Result result, String register) {
        String last = result.finalReads().stream().filter(op -> op.register().equals(register)).findFirst().orElseThrow().value();
        List<RegisterOp> writes = result.history().stream().filter(op -> op.register().equals(register)
                && op.kind() == RegisterOp.Kind.WRITE && Objects.equals(op.value(), last)).toList();
        return last == null || writes.stream().allMatch(op -> op.outcome() == RegisterOp.Outcome.OK);
    }
}
