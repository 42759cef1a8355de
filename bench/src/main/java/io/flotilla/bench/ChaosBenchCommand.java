package io.flotilla.bench;

import io.flotilla.cli.Table;
import java.io.PrintStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flotilla bench chaos}: a first nemesis harness on real node processes ({@link ChaosRun}).
 * Prints the faults as they come and a table of what the checks found; exits 1 on any violation
 * (a lost acknowledged write, a read of a value never written, no convergence, an orphan or a
 * process left behind, two writers of the fenced ledger, an HTTP request through the mesh that failed
 * while its entry node was up and reachable; with {@code --strict-reads} also a non-linearizable leader read), with the
 * smallest failing history window of each in the data dir.
 */
@Command(name = "chaos", description = "Faults (SIGKILL, SIGSTOP, partitions, full disks) on a cluster of 3 or 5 managers and 3 (or 2) workers, processes on 127.0.15.1-8, while clients write and read node labels, deploy and remove stacks, register and renew names, a fenced stateful ledger appends and HTTP requests go through every node's mesh; checks no acknowledged write, change or registration is lost, every read value was written, the ledger never had two writers, no request through a live node's mesh failed, no node was wrongly judged down, and (reported) whether leader reads were linearizable.")
public final class ChaosBenchCommand implements Callable<Integer> {
    @Option(names = "--seed", defaultValue = "1", description = "Seed of the fault schedule and the clients' choices (default 1).")
    long seed;

    @Option(names = "--seconds", defaultValue = "30", description = "Seconds of faults and client load (default 30).")
    int seconds;

    @Option(names = "--minutes", description = "Minutes of faults and client load, instead of --seconds (the long run: --minutes 30).")
    Integer minutes;

    @Option(names = "--writers", defaultValue = "3", description = "Writer clients (default 3).")
    int writers;

    @Option(names = "--readers", defaultValue = "3", description = "Reader clients (default 3).")
    int readers;

    @Option(names = "--registers", defaultValue = "3", description = "Label keys written and read, one register each (default 3).")
    int registers;

    @Option(names = "--managers", defaultValue = "3", description = "Managers: 3 or 5 (default 3).")
    int managers;

    @Option(names = "--workers", defaultValue = "3", description = "Workers: 2 or 3 (default 3).")
    int workers;

    @Option(names = "--faults", defaultValue = "all",
            description = "Faults drawn, one set or a comma-separated list: process (SIGKILL, SIGSTOP), partition (a node cut off from every other by iptables; needs root and a cgroup v2 hierarchy), disk (a manager's data dir, a small tmpfs, filled up; needs root), all (default).")
    String faults;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory, and where violation windows go (default: a fresh temporary one).")
    Path data;

    @Option(names = "--spread-registers", description = "Each register a label of its own node, not all labels of one node (labels of one node updated through different managers once lost writes; docs/benchmarks.md).")
    boolean spreadRegisters;

    @Option(names = "--test-drop-ack", hidden = true,
            description = "Test only: record one acknowledged write that was never sent; the run must then fail.")
    boolean dropAck;

    @Override
    public Integer call() throws Exception {
        if (minutes != null) {
            if (minutes < 1) {
                System.err.println("--minutes must be at least 1, not " + minutes);
                return 2;
            }
            seconds = minutes * 60;
        }
        if (seconds < 1 || writers < 1 || readers < 0 || registers < 1) {
            System.err.println("--seconds and --writers must be at least 1, --registers at least 1, --readers at least 0");
            return 2;
        }
        if (managers != 3 && managers != 5) {
            System.err.println("--managers must be 3 or 5, not " + managers);
            return 2;
        }
        if (workers != 2 && workers != 3) {
            System.err.println("--workers must be 2 or 3, not " + workers);
            return 2;
        }
        java.util.List<ChaosNemesis.Kind> kinds;
        try {
            kinds = ChaosNemesis.Faults.parse(faults);
        } catch (IllegalArgumentException e) {
            System.err.println("--faults: " + e.getMessage());
            return 2;
        }
        Path dir = data != null ? Files.createDirectories(data) : Files.createTempDirectory("flotilla-chaos");
        System.out.printf("Flotilla bench chaos: %d managers + %d workers on %s1-%d, faults: %s, data in %s%n", managers,
                workers, ChaosRun.PREFIX, managers + workers, kinds, dir);
        ChaosRun.Result result;
        try {
            result = ChaosRun.run(new ChaosRun.Config(seed, Duration.ofSeconds(seconds), writers, readers, registers,
                    dir, dropAck, spreadRegisters, managers, workers, kinds), System.out);
        } catch (ChaosPartitions.Unavailable e) {
            System.err.println("bench chaos: " + e.getMessage() + " (--faults process runs without partitions)");
            return 2;
        }
        print(result, seed, seconds, System.out);
        return result.ok() ? 0 : 1;
    }

    /** The run's table, its header naming the seed and the load average (a busy machine makes noisy figures). */
    static void print(ChaosRun.Result result, long seed, int seconds, PrintStream out) {
        double load = java.lang.management.ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
        out.printf("%nchaos run: seed %d, %d s, load average %.2f on %d CPUs%s, faults %s%n", seed, seconds, load,
                Runtime.getRuntime().availableProcessors(), load > Runtime.getRuntime().availableProcessors() ? " (noisy)" : "",
                result.faults());
        Table table = new Table("CHECK", "VALUE");
        table.row("operations", result.operations());
        table.row("acknowledged writes", result.acknowledged());
        table.row("lost acknowledged writes", result.verdict().lostWrites());
        table.row("acknowledged deploys, removals, scalings and rolling updates", result.acknowledgedChanges());
        table.row("  of which rolling updates of " + ChaosHttp.SERVICE + " under the HTTP load", result.rollouts());
        table.row("lost acknowledged deploys, removals, scalings and rolling updates", result.lostChanges().size());
        table.row("reads of a value never written", result.verdict().neverWritten());
        table.row("registers with non-linearizable reads", result.verdict().violations());
        table.row("checks undecided", result.verdict().unknown());
        table.row("nodes judged down while only paused or untouched", result.wronglyDown().size());
        table.row("time to converge", result.converge() == null ? "did not converge" : String.format("%.1f s", result.converge().toMillis() / 1000.0));
        table.row("ledger lines (fenced stateful slot)", result.ledger().lines());
        table.row("ledger writers, one after another", result.ledger().writers());
        table.row("ledger double writers", result.ledger().doubleWriters());
        table.row("registrations: registered / renewed / removed", result.names().registered() + " / "
                + result.names().renewed() + " / " + result.names().deregistered());
        table.row("registrations expired early, lost or back", result.names().expiredEarly().size() + " / "
                + result.names().lost().size() + " / " + result.names().back().size());
        table.row("HTTP requests through the mesh", result.http().requests());
        table.row("HTTP failed: entry node killed or cut off", result.http().excused().size());
        table.row("HTTP failed: every task of " + ChaosHttp.SERVICE + " killed or cut off from the entry", result.http().noBackend().size()
                + " (" + result.http().samples() + " samples of where they ran)");
        table.row("HTTP failed otherwise", result.http().failed().size());
        table.row("orphan task processes", result.orphans());
        table.row("processes left", result.leftovers());
        result.failures().forEach((cause, n) -> table.row("failed: " + cause, n));
        table.print(out);
        for (Path window : result.verdict().windows()) {
            out.println("violation window: " + window);
            try {
                Files.readAllLines(window).forEach(line -> out.println("  " + line));
            } catch (java.io.IOException e) {
                out.println("  (cannot read it: " + e.getMessage() + ")");
            }
        }
        out.println(result.ok() ? "OK" : "VIOLATION");
    }
}
