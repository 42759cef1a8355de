package io.flotilla.bench;

import io.flotilla.cli.Table;
import io.flotilla.client.ApiClient;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 3's scale benchmark: simulated agents ({@link NodeSimulator}) against a real manager
 * (its own JVM, real Ratis log on disk); deploy a service of N replicas and time it until every
 * task is reported RUNNING by the simulated agents; heap per task; then silence some nodes and
 * time until every task they held runs elsewhere. Prints figures; asserts nothing.
 */
@Command(name = "scale", description = "Scale benchmark: simulated nodes against a real manager (placements/s, heap per task, node-failure replacement).")
public final class ScaleBenchCommand implements Callable<Integer> {
    @Option(names = "--nodes", defaultValue = "10000", description = "Simulated nodes (default 10000).")
    int nodes;

    @Option(names = "--tasks", split = ",", defaultValue = "100000,1000000", description = "Replica counts, in steps (default 100000,1000000).")
    List<Integer> taskCounts;

    @Option(names = "--fail-nodes", defaultValue = "100", description = "Nodes silenced at the end (default 100; 0: skip).")
    int failNodes;

    @Option(names = "--managers", split = ",", description = "API addresses of running managers without TLS (plain HTTP, as scale-manager runs); default: start them here.")
    List<String> managers;

    @Option(names = "--manager-heap", defaultValue = "8g", description = "Heap of each manager JVM started here (default 8g).")
    String managerHeap;

    @Option(names = "--manager-hosts", split = ",", defaultValue = "127.0.0.2,127.0.0.3,127.0.0.4",
            description = "Start one manager JVM on each of these loopback addresses, as a Raft group (default 127.0.0.2,127.0.0.3,127.0.0.4; one address: a single manager).")
    List<String> managerHosts;

    @Option(names = "--heartbeat-interval", defaultValue = "5", description = "Seconds between heartbeats of a simulated node (default 5).")
    int heartbeatSeconds;

    @Option(names = "--heartbeat-timeout", defaultValue = "15", description = "The started manager's heartbeat timeout, seconds (default 15).")
    int heartbeatTimeoutSeconds;

    @Option(names = "--election-timeout", defaultValue = "250",
            description = "Raft election timeout of the started managers, ms: a random time in [this, 2x this] (default 250, the manager's own). "
                    + "On a starved machine JVM pauses outlast 250-500 ms and leadership keeps moving; a longer one trades failover time for fewer elections.")
    long electionTimeoutMillis;

    @Option(names = "--poll-pause-ms", defaultValue = "1000", description = "Pause of a simulated node between two long polls (default 1000).")
    int pollPauseMillis;

    @Option(names = "--report-delay-ms", defaultValue = "500", description = "How long a simulated node gathers status changes before reporting (default 500).")
    int reportDelayMillis;

    @Option(names = "--timeout-minutes", defaultValue = "30", description = "Give up a step after this long (default 30).")
    int timeoutMinutes;

    @Option(names = "--data", paramLabel = "DIR", description = "Manager data directory (default: a fresh temporary one).")
    Path data;

    @Option(names = "--snapshot", negatable = true, defaultValue = "true", fallbackValue = "true",
            description = "After each step, the leader takes a Raft snapshot on request, times it and reads it back (default: on; --no-snapshot: off).")
    boolean snapshot;

    /** Stops the started managers if this JVM is stopped before its finally runs; null with --managers. */
    private Thread stopManagers;

    /** Where the started managers keep their data (m1, m2, … below it); null with --managers. */
    private Path managersDir;

    @Override
    public Integer call() throws Exception {
        ManagerProcess process = null;
        List<ManagerProcess> followers = new ArrayList<>();
        List<URI> apis = new ArrayList<>();
        if (managers == null || managers.isEmpty()) {
            Path dir = data != null ? data : Files.createTempDirectory("flotilla-scale");
            managersDir = dir;
            if (managerHosts.isEmpty()) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this), "--manager-hosts: give at least one address");
            }
            if (electionTimeoutMillis < 50 || electionTimeoutMillis > 60_000) {
                throw new picocli.CommandLine.ParameterException(new picocli.CommandLine(this),
                        "--election-timeout: 50 to 60000 ms, not " + electionTimeoutMillis);
            }
            Duration timeout = Duration.ofSeconds(heartbeatTimeoutSeconds);
            List<ManagerProcess.Ports> ports = new ArrayList<>();
            for (String host : managerHosts) {
                ports.add(ManagerProcess.Ports.on(host));
            }
            List<String> members = new ArrayList<>();
            try {
                for (int i = 1; i < ports.size(); i++) {
                    followers.add(ManagerProcess.start(dir.resolve("m" + (i + 1)), managerHeap, timeout, "m" + (i + 1),
                            ports.get(i), List.of("--join", ports.getFirst().peer("m1"),
                                    "--election-timeout-ms", Long.toString(electionTimeoutMillis))));
                    members.add(ports.get(i).peer("m" + (i + 1)));
                }
                List<String> extra = new ArrayList<>(List.of("--election-timeout-ms", Long.toString(electionTimeoutMillis)));
                if (!members.isEmpty()) {
                    extra.addAll(List.of("--members", String.join(",", members)));
                }
                process = ManagerProcess.start(dir.resolve("m1"), managerHeap, timeout, "m1", ports.getFirst(), extra)
                        .awaitReady(Duration.ofMinutes(3));
                for (ManagerProcess follower : followers) {
                    follower.awaitReady(Duration.ofMinutes(1));
                }
            } catch (IOException | RuntimeException e) {
                followers.forEach(ManagerProcess::close);
                if (process != null) {
                    process.close();
                }
                throw e;
            }
            apis.add(process.api());
            // A bench stopped by hand (SIGTERM, Ctrl-C) skips the finally below: without this, its
            // manager JVMs (several GB each) kept running.
            List<ManagerProcess> started = new ArrayList<>(followers);
            started.add(process);
            stopManagers = new Thread(() -> started.forEach(ManagerProcess::close), "bench-scale-stop-managers");
            Runtime.getRuntime().addShutdownHook(stopManagers);
            System.out.printf("managers: %d JVMs on %s, -Xmx%s each, data %s, heartbeat timeout %d s, election timeout %d-%d ms; leader m1 (pid %d) at %s%n",
                    ports.size(), managerHosts, managerHeap, dir, heartbeatTimeoutSeconds, electionTimeoutMillis,
                    2 * electionTimeoutMillis, process.pid(), process.api());
        } else {
            managers.forEach(m -> apis.add(URI.create("http://" + ApiClient.withDefaultPort(m))));
            System.out.println("managers: " + apis + " (heap per task not measured: not our process)");
        }
        NodeSimulator.Settings settings = new NodeSimulator.Settings(Duration.ofSeconds(30),
                Duration.ofMillis(pollPauseMillis), Duration.ofMillis(reportDelayMillis), Duration.ofSeconds(heartbeatSeconds));
        System.out.printf("simulator: %d nodes, %d CPUs, heartbeat every %d s, poll pause %d ms, report delay %d ms%n",
                nodes, Runtime.getRuntime().availableProcessors(), heartbeatSeconds, pollPauseMillis, reportDelayMillis);
        Table table = new Table("SCENARIO", "RESULT");
        try (NodeSimulator sim = new NodeSimulator(apis, settings)) {
            ScalePlainApi api = new ScalePlainApi(apis.getFirst());
            long start = System.nanoTime();
            List<SimulatedNode> simulated = sim.start(nodes, Duration.ofMinutes(10));
            double registered = seconds(start);
            System.out.printf("%d nodes registered in %.1f s%n", nodes, registered);
            table.row(nodes + " nodes hello → registered", String.format("%.1f s", registered));
            List<ManagerProcess> all = new ArrayList<>();
            if (process != null) {
                all.add(process);
                all.addAll(followers);
            }
            long[] baselineHeap = new long[all.size()];
            for (int i = 0; i < all.size(); i++) {
                baselineHeap[i] = all.get(i).heapUsedAfterGc();
                System.out.printf("m%d heap after GC with %d nodes, no tasks: %d MB%n", i + 1, nodes, baselineHeap[i] >> 20);
            }
            long baselineIndex = index(api);
            int previous = 0;
            for (int tasks : taskCounts) {
                long reported0 = sim.runningConfirmed.get();
                long index0 = index(api);
                long bytes0 = process == null ? 0 : process.sampleLogBytes();
                start = System.nanoTime();
                deploy(api, followers, stack(tasks));
                awaitReported(sim, process, reported0 + (tasks - previous), start, "deploy " + tasks);
                double elapsed = seconds(start);
                int placed = tasks - previous;
                long entries = index(api) - index0;
                long bytes = process == null ? 0 : process.sampleLogBytes() - bytes0;
                System.out.printf("%d → %d replicas: %d placements RUNNING in %.1f s = %.0f placements/s; %d Raft entries, %d MB%n",
                        previous, tasks, placed, elapsed, placed / elapsed, entries, bytes >> 20);
                table.row("deploy " + previous + " → " + tasks + " replicas, all RUNNING",
                        String.format("%.1f s, %.0f placements/s, %d Raft entries (%d MB)", elapsed, placed / elapsed,
                                entries, bytes >> 20));
                List<String> heaps = new ArrayList<>();
                for (int i = 0; i < all.size(); i++) {
                    ManagerProcess manager = all.get(i);
                    long heap = manager.heapUsedAfterGc();
                    boolean leads = isLeader(manager);
                    System.out.printf("m%d%s heap after GC at %d tasks: %d MB, %.0f bytes per task%n", i + 1,
                            leads ? " (leader)" : "", tasks, heap >> 20, (heap - baselineHeap[i]) / (double) tasks);
                    heaps.add(String.format("m%d%s %d MB (%.0f B/task over %d MB)", i + 1, leads ? " leader" : "", heap >> 20,
                            (heap - baselineHeap[i]) / (double) tasks, baselineHeap[i] >> 20));
                }
                if (!heaps.isEmpty()) {
                    table.row("manager heap at " + tasks + " tasks", String.join("; ", heaps));
                }
                if (snapshot && process != null) {
                    ManagerProcess leader = all.stream().filter(ScaleBenchCommand::isLeader).findFirst().orElse(process);
                    String line = ScaleSnapshots.request(dir(leader, all, managersDir), Duration.ofMinutes(5));
                    System.out.println("snapshot at " + tasks + " tasks: " + line);
                    table.row("snapshot at " + tasks + " tasks (leader)", line);
                }
                previous = tasks;
            }
            if (failNodes > 0) {
                List<SimulatedNode> victims = simulated.subList(0, Math.min(failNodes, simulated.size()));
                long orphans = victims.stream().mapToLong(SimulatedNode::tasksHeld).sum();
                long reported0 = sim.runningConfirmed.get();
                start = System.nanoTime();
                victims.forEach(SimulatedNode::stop);
                awaitReported(sim, process, reported0 + orphans, start, "replace " + orphans);
                double elapsed = seconds(start);
                System.out.printf("%d nodes silenced holding %d tasks: all replaced and RUNNING after %.1f s (heartbeat timeout %d s)%n",
                        victims.size(), orphans, elapsed, heartbeatTimeoutSeconds);
                table.row(victims.size() + " nodes fail (" + orphans + " tasks) → replacements RUNNING",
                        String.format("%.1f s (of which up to %d s heartbeat timeout + up to %d s last heartbeat age)",
                                elapsed, heartbeatTimeoutSeconds, heartbeatSeconds));
            }
            table.row("Raft log entries in total", Long.toString(index(api) - baselineIndex) + " after registration");
            if (process != null) {
                table.row("Raft log bytes written (leader)", (process.sampleLogBytes() >> 20) + " MB");
                process.snapshotLines().forEach(line -> System.out.println("m1: " + line.strip()));
                System.out.println("m1 snapshot files: " + process.snapshotFiles());
                for (int i = 0; i < followers.size(); i++) {
                    ManagerProcess follower = followers.get(i);
                    String name = "m" + (i + 2);
                    follower.snapshotLines().forEach(line -> System.out.println(name + ": " + line.strip()));
                    System.out.println(name + " snapshot files: " + follower.snapshotFiles());
                }
            }
            System.out.printf("simulator: %d requests, %d failed (%s)%n", sim.requests.get(), sim.failures.get(),
                    sim.failureSummary());
            table.row("simulator requests", String.format("%d, %d failed (%s)", sim.requests.get(), sim.failures.get(),
                    sim.failureSummary()));
            System.out.println();
            table.print(System.out);
        } finally {
            if (process != null) {
                process.close();
            }
            followers.forEach(ManagerProcess::close);
            if (stopManagers != null) {
                try {
                    Runtime.getRuntime().removeShutdownHook(stopManagers);
                } catch (IllegalStateException shuttingDown) {
                    // the hook runs anyway
                }
            }
        }
        return 0;
    }

    private void awaitReported(NodeSimulator sim, ManagerProcess process, long target, long start, String what)
            throws InterruptedException {
        long deadline = start + Duration.ofMinutes(timeoutMinutes).toNanos();
        long lastPrint = System.nanoTime();
        while (sim.runningConfirmed.get() < target) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException(what + ": only " + sim.runningConfirmed.get() + " of " + target
                        + " tasks seen RUNNING within " + timeoutMinutes + " min");
            }
            Thread.sleep(20);
            if (System.nanoTime() - lastPrint > 5_000_000_000L) {
                lastPrint = System.nanoTime();
                if (process != null) {
                    process.sampleLogBytes();
                }
                System.out.printf("  %s: %.0f s, %d/%d RUNNING (applied; %d reports accepted, %d sent again), %d requests, %d failed%n",
                        what, seconds(start), sim.runningConfirmed.get(), target, sim.runningReported.get(),
                        sim.reportedAgain.get(), sim.requests.get(), sim.failures.get());
            }
        }
    }

    /**
     * Deploys through the leader; on a loaded machine an election may come in between (no quorum
     * for a moment, or a new leader): the deploy is idempotent, so it is tried again for 2 minutes.
     */
    private static void deploy(ScalePlainApi first, List<ManagerProcess> others, StackSpec stack) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (true) {
            try {
                leader(first, others).deploy(stack);
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                System.out.println("  deploy refused (" + e.getMessage() + "); again in 1 s");
                Thread.sleep(1000);
            }
        }
    }

    /** The data directory of {@code manager}: m1, m2, … under the bench's directory, in start order. */
    private static Path dir(ManagerProcess manager, List<ManagerProcess> all, Path base) {
        return base.resolve("m" + (all.indexOf(manager) + 1));
    }

    private static boolean isLeader(ManagerProcess manager) {
        try {
            return Boolean.TRUE.equals(new ScalePlainApi(manager.api()).info().get("leader"));
        } catch (RuntimeException e) {
            return false;
        }
    }

    /** The manager that leads now (a deploy must go to the leader; leadership may have moved). */
    private static ScalePlainApi leader(ScalePlainApi first, List<ManagerProcess> others) {
        List<ScalePlainApi> all = new ArrayList<>(List.of(first));
        others.forEach(m -> all.add(new ScalePlainApi(m.api())));
        for (ScalePlainApi candidate : all) {
            try {
                if (Boolean.TRUE.equals(candidate.info().get("leader"))) {
                    return candidate;
                }
            } catch (RuntimeException e) {
                // that one does not answer now; try the next
            }
        }
        return first;
    }

    private static long index(ScalePlainApi api) {
        Map<String, Object> info = api.info();
        return ((Number) info.get("index")).longValue();
    }

    private static double seconds(long startNanos) {
        return (System.nanoTime() - startNanos) / 1e9;
    }

    static StackSpec stack(int replicas) {
        ServiceSpec spec = new ServiceSpec("scale_sim", "scale", ServiceMode.REPLICATED, replicas,
                TaskTemplate.process(List.of("sleep", "infinity"))
                        .withRestartPolicy(new RestartPolicy(RestartPolicy.ANY, Duration.ZERO, null, null)),
                List.of(), List.of(), Map.of(), null, null);
        return new StackSpec("scale", List.of(spec));
    }
}
