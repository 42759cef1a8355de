package io.flotilla.bench;

import io.flotilla.cli.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Stateful services on real GlusterFS (the test bed of {@code scripts/gluster-test-env.sh}):
 * (1) synchronous write throughput through a FUSE mount of the Gluster volume against a local
 * directory of the same disk, and (2) on a cluster of node processes, the ledger demo with a
 * glusterfs volume: its host SIGKILLed → running on the other worker, continuing its file, and
 * the task SIGKILLed → running again in place. Prints figures; asserts nothing but the ledger's
 * own invariant (one writer at a time), which it reports.
 */
@Command(name = "stateful", description = "Benchmark Gluster write throughput vs a local directory, and stateful failover (host SIGKILL, task crash) with the ledger demo.")
public final class StatefulBenchCommand implements Callable<Integer> {
    @Option(names = "--gluster-servers", split = ",", defaultValue = "127.0.0.2,127.0.0.3,127.0.0.4",
            description = "Gluster servers (default: the test bed's 127.0.0.2,127.0.0.3,127.0.0.4).")
    List<String> servers;

    @Option(names = "--gluster-volume", defaultValue = "flotilla-test", description = "Gluster volume (default: the test bed's flotilla-test).")
    String volume;

    @Option(names = "--seconds", defaultValue = "10", description = "Seconds per throughput measurement (default 10).")
    int seconds;

    @Option(names = "--runs", defaultValue = "5", description = "Host kills and task crashes to time (default 5 each).")
    int runs;

    @Option(names = "--base", defaultValue = "32", description = "Cluster nodes listen on 127.0.0.<base>..<base+2> (default 32).")
    int base;

    @Option(names = "--only", description = "Run one part only: throughput or failover.")
    String only;

    @Option(names = "--data", paramLabel = "DIR", description = "Work directory: local writes, mounts, node data (default: a fresh temporary one).")
    Path data;

    @Override
    public Integer call() throws Exception {
        if (only != null && !only.equals("throughput") && !only.equals("failover")) {
            System.err.println("bench stateful: --only takes throughput or failover, not " + only);
            return 2;
        }
        if (runs < 1 || seconds < 1 || base < 1 || base > 252 || servers.isEmpty()) {
            System.err.println("bench stateful: --runs and --seconds take 1 or more, --base 1-252, --gluster-servers at least one host");
            return 2;
        }
        Path dir = data != null ? Files.createDirectories(data) : Files.createTempDirectory("flotilla-stateful-bench");
        System.out.printf("Flotilla bench stateful: Gluster volume %s on %s, work dir %s, %d CPUs%n", volume,
                String.join(",", servers), dir, Runtime.getRuntime().availableProcessors());
        if (only == null || only.equals("throughput")) {
            throughput(dir);
        }
        if (only == null || only.equals("failover")) {
            try (StatefulFailover failover = new StatefulFailover(dir.resolve("cluster"), base, servers, volume)) {
                failover.formCluster();
                List<StatefulFailover.Run> crashes = new ArrayList<>();
                for (int run = 0; run < runs; run++) {
                    crashes.add(failover.crashInPlace());
                    System.out.printf("  task SIGKILL %d: %s%n", run + 1, crashes.getLast());
                }
                List<StatefulFailover.Run> hostKills = new ArrayList<>();
                for (int run = 0; run < runs; run++) {
                    hostKills.add(failover.hostKill());
                    System.out.printf("  host SIGKILL %d: %s%n", run + 1, hostKills.getLast());
                }
                Table table = new Table("SCENARIO", "RUNS", "MEDIAN", "MIN", "MAX", "WHERE");
                row(table, "task SIGKILL → ledger running again, same file", crashes);
                row(table, "host SIGKILL → ledger running elsewhere, same file", hostKills);
                System.out.println();
                table.print(System.out);
                System.out.println(failover.checkLedger());
            }
        }
        return 0;
    }

    private void throughput(Path dir) throws Exception {
        Duration each = Duration.ofSeconds(seconds);
        Path local = Files.createDirectories(dir.resolve("local"));
        List<WriteThroughput.Result> results = new ArrayList<>();
        try (GlusterMount mount = GlusterMount.mount(servers, volume, dir.resolve("mnt"))) {
            Path gluster = Files.createDirectories(mount.directory().resolve("bench-" + ProcessHandle.current().pid()));
            try {
                for (Workload workload : Workload.values()) {
                    for (var target : List.of(new Target("local directory", local), new Target("gluster replica 3 (FUSE)", gluster))) {
                        WriteThroughput.Result result = WriteThroughput.measure(workload.label, target.name(), target.path(),
                                workload.blockSize, workload.append, each);
                        System.out.printf("  %s, %s: %,d ops in %.1f s%n", workload.label, target.name(), result.operations(),
                                result.seconds());
                        results.add(result);
                    }
                }
            } finally {
                Files.deleteIfExists(gluster);
            }
        }
        Table table = new Table("WORKLOAD", "TARGET", "OPS/S", "MB/S", "P50", "P99", "MAX");
        for (WriteThroughput.Result r : results) {
            table.row(r.workload(), r.target(), String.format(Locale.ROOT, "%.0f", r.operationsPerSecond()),
                    String.format(Locale.ROOT, "%.2f", r.megabytesPerSecond()), millis(r.p50Millis()), millis(r.p99Millis()),
                    millis(r.maxMillis()));
        }
        System.out.println();
        table.print(System.out);
        System.out.println();
    }

    private record Target(String name, Path path) {}

    private enum Workload {
        BLOCKS("64 KiB writes + fsync", 64 << 10, false),
        APPENDS("4 KiB appends + fsync", 4 << 10, true);

        final String label;
        final int blockSize;
        final boolean append;

        Workload(String label, int blockSize, boolean append) {
            this.label = label;
            this.blockSize = blockSize;
            this.append = append;
        }
    }

    private static String millis(double value) {
        return String.format(Locale.ROOT, value < 10 ? "%.2f ms" : "%.0f ms", value);
    }

    private static void row(Table table, String name, List<StatefulFailover.Run> runs) {
        List<Double> sorted = new ArrayList<>(runs.stream().map(StatefulFailover.Run::millis).toList());
        Collections.sort(sorted);
        double median = sorted.size() % 2 == 1 ? sorted.get(sorted.size() / 2)
                : (sorted.get(sorted.size() / 2 - 1) + sorted.get(sorted.size() / 2)) / 2;
        long sameNode = runs.stream().filter(StatefulFailover.Run::sameNode).count();
        table.row(name, sorted.size(), String.format("%.0f ms", median), String.format("%.0f ms", sorted.getFirst()),
                String.format("%.0f ms", sorted.getLast()), sameNode + " same node, " + (runs.size() - sameNode) + " other");
    }
}
