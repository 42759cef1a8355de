package io.flotilla.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The faults of a chaos run, one at a time from a schedule the seed fixes: SIGKILL of the leader,
 * of a manager, of a worker (its JVM and its task processes, as a host dies; it is restarted on its
 * data dir after {@code down}), of a worker's agent alone (its JVM: its tasks keep running and must be
 * adopted when it is restarted), SIGSTOP/SIGCONT of a manager or a worker for less than the
 * heartbeat timeout (1.5 s), and partitions ({@link ChaosPartitions}) that cut the leader, a
 * manager or a worker off from every other node for 1–4 s; with five managers, every other
 * partition of the leader takes a second manager with it (a minority of two that still reach each
 * other, against three managers and the workers). A killed manager is back and answering,
 * and a partitioned node reachable again, before the next fault, so a majority is always up. Each
 * fault's node and time span are kept ({@link #spans}): a node judged down outside the span of a
 * kill or a partition is judged wrongly ({@link ChaosDowns}).
 */
final class ChaosNemesis {
    enum Kind { KILL_LEADER, KILL_MANAGER, KILL_WORKER, KILL_AGENT, PAUSE_MANAGER, PAUSE_WORKER,
        PARTITION_LEADER, PARTITION_MANAGER, PARTITION_WORKER, FILL_DISK_LEADER, FILL_DISK_MANAGER,
        /** Not drawn: a node process that ended by itself, until {@link ChaosSupervisor} had it back. */
        EXITED;

        boolean pause() {
            return this == PAUSE_MANAGER || this == PAUSE_WORKER;
        }

        boolean kill() {
            return name().startsWith("KILL_") || this == EXITED;
        }

        boolean partition() {
            return name().startsWith("PARTITION_");
        }

        boolean worker() {
            return this == KILL_WORKER || this == KILL_AGENT || this == PAUSE_WORKER || this == PARTITION_WORKER;
        }

        boolean leader() {
            return this == KILL_LEADER || this == PARTITION_LEADER || this == FILL_DISK_LEADER;
        }

        boolean disk() {
            return name().startsWith("FILL_DISK_");
        }
    }

    /** Which faults a run draws from: processes only (kills and pauses), partitions only, full disks only, or all. */
    enum Faults {
        PROCESS(List.of(Kind.KILL_LEADER, Kind.KILL_MANAGER, Kind.KILL_WORKER, Kind.KILL_AGENT, Kind.PAUSE_MANAGER, Kind.PAUSE_WORKER)),
        PARTITION(List.of(Kind.PARTITION_LEADER, Kind.PARTITION_MANAGER, Kind.PARTITION_WORKER)),
        DISK(List.of(Kind.FILL_DISK_LEADER, Kind.FILL_DISK_MANAGER)),
        ALL(java.util.Arrays.stream(Kind.values()).filter(kind -> kind != Kind.EXITED).toList()); // EXITED is no fault

        final List<Kind> kinds;

        Faults(List<Kind> kinds) {
            this.kinds = kinds;
        }

        /** The kinds of a comma-separated list of sets ({@code partition,disk}), in the enum's order. */
        static List<Kind> parse(String sets) {
            java.util.EnumSet<Kind> kinds = java.util.EnumSet.noneOf(Kind.class);
            for (String set : sets.split(",")) {
                try {
                    kinds.addAll(valueOf(set.strip().toUpperCase(java.util.Locale.ROOT)).kinds);
                } catch (IllegalArgumentException e) {
                    throw new IllegalArgumentException("faults are process, partition, disk or all (or a list of them), not '"
                            + set.strip() + "'");
                }
            }
            return List.copyOf(kinds);
        }
    }

    /** A fault as it happened: the node's address, from the signal until the node was resumed or restarted (and, for a manager, answering). */
    record Span(Kind kind, String address, java.time.Instant start, java.time.Instant end) {}

    /**
     * One fault: its kind, the node it hits when not the leader (managers first, then the workers: the
     * first the one running the ledger), its pause before and its length.
     */
    record Fault(Kind kind, int node, Duration before, Duration length) {}

    /** Longest SIGSTOP: below the 1.5 s after which a silent node is judged down. */
    static final Duration MAX_PAUSE = Duration.ofMillis(1000);

    private final FailoverCluster cluster;
    private final ChaosPartitions partitions;
    private final PrintStream out;
    private final java.util.function.Supplier<String> ledgerHost;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final Map<Kind, Integer> done = new TreeMap<>();
    private final List<Span> spans = new java.util.concurrent.CopyOnWriteArrayList<>();
    /** The node a kill fault has down right now (it is restarted by the fault, not by {@link ChaosSupervisor}), or null. */
    private volatile String killing;
    private Thread thread;

    /**
     * @param partitions how to cut nodes off; null when the schedule has no partition
     * @param ledgerHost the address of the worker running the fenced ledger ({@link ChaosLedger}), or null:
     *                   a worker fault's first worker, so that half of them hit the ledger's host
     */
    ChaosNemesis(FailoverCluster cluster, ChaosPartitions partitions, PrintStream out, java.util.function.Supplier<String> ledgerHost) {
        this.cluster = cluster;
        this.partitions = partitions;
        this.out = out;
        this.ledgerHost = ledgerHost;
    }

    /**
     * The schedule of {@code count} faults of the kinds {@code faults} allows for {@code seed}, on a
     * cluster of {@code managers} managers and {@code workers} workers: the same seed, the same faults in the same
     * order. A {@link SplittableRandom}, not a {@code Random}: the first draws of {@code new Random(s)}
     * for neighbouring seeds are nearly the same (seeds 1–29 all start with the same few kinds).
     */
    static List<Fault> schedule(long seed, int count, Faults faults, int managers, int workers) {
        return schedule(seed, count, faults.kinds, managers, workers);
    }

    /** The same, drawing from {@code kinds}. */
    static List<Fault> schedule(long seed, int count, List<Kind> kinds, int managers, int workers) {
        SplittableRandom random = new SplittableRandom(seed);
        List<Fault> faults = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            Kind kind = kinds.get(random.nextInt(kinds.size()));
            int node = kind.worker() ? managers + random.nextInt(workers) : random.nextInt(managers);
            Duration length = kind.pause() ? Duration.ofMillis(300 + random.nextInt(700))
                    : Duration.ofMillis(1000 + random.nextInt(3000));
            faults.add(new Fault(kind, node, Duration.ofMillis(500 + random.nextInt(2000)), length));
        }
        return faults;
    }

    void start(List<Fault> faults) {
        thread = new Thread(() -> {
            for (Fault fault : faults) {
                if (stop.get() || !sleep(fault.before())) {
                    return;
                }
                try {
                    inject(fault);
                    done.merge(fault.kind(), 1, Integer::sum);
                } catch (Exception e) {
                    out.println("nemesis: " + fault + " failed: " + e.getMessage());
                }
            }
        }, "chaos-nemesis");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops after the fault under way (its node restarted or resumed). */
    void stop() throws InterruptedException {
        stop.set(true);
        if (thread != null) {
            thread.join(Duration.ofMinutes(3));
        }
    }

    /** The faults injected so far, each with its node and time span, and the supervisor's restarts. */
    List<Span> spans() {
        return List.copyOf(spans);
    }

    /** Adds a span the run saw besides the faults (a node that ended by itself: {@link Kind#EXITED}). */
    void record(Span span) {
        spans.add(span);
    }

    /** Whether a kill fault has the node at {@code address} down now (and will start it again itself). */
    boolean killing(String address) {
        return address.equals(killing);
    }

    /** Faults injected, by kind. */
    Map<Kind, Integer> done() {
        return Map.copyOf(done);
    }

    private void inject(Fault fault) throws Exception {
        String leader = fault.kind().leader() ? cluster.leaderApi() : null;
        String target = leader != null ? leader.substring(0, leader.indexOf(':'))
                : fault.kind().worker() ? worker(fault.node() - cluster.managers()) : cluster.addr(fault.node());
        FailoverNode node = cluster.node(target);
        String companion = companion(fault, target);
        out.printf("nemesis: %s %s%s for %d ms%n", fault.kind(), target,
                companion == null ? "" : " with " + companion + " (a minority of two managers)", fault.length().toMillis());
        java.time.Instant start = java.time.Instant.now();
        if (fault.kind().pause()) {
            signal("STOP", node.process().pid());
            try {
                Thread.sleep(Math.min(fault.length().toMillis(), MAX_PAUSE.toMillis()));
            } finally {
                signal("CONT", node.process().pid());
                spans.add(new Span(fault.kind(), target, start, java.time.Instant.now()));
            }
            return;
        }
        try {
            if (fault.kind().partition()) {
                partition(fault, companion == null ? List.of(target) : List.of(target, companion));
            } else if (fault.kind().disk()) {
                fillDisk(fault, target);
            } else {
                kill(fault, node, target);
            }
        } finally {
            java.time.Instant end = java.time.Instant.now();
            spans.add(new Span(fault.kind(), target, start, end));
            if (companion != null) {
                spans.add(new Span(fault.kind(), companion, start, end));
            }
        }
    }

    /**
     * The manager cut off with the leader, or null: with five managers, a partition of the leader
     * whose drawn node is odd (a draw the leader's faults otherwise leave unused, so that seeds keep
     * their schedules) takes the drawn manager along, or the next one if the drawn one leads.
     */
    private String companion(Fault fault, String leader) {
        if (fault.kind() != Kind.PARTITION_LEADER || cluster.managers() < 5 || fault.node() % 2 == 0) {
            return null;
        }
        String drawn = cluster.addr(fault.node());
        return drawn.equals(leader) ? cluster.addr((fault.node() + 1) % cluster.managers()) : drawn;
    }

    /** Worker 0 is the ledger's host when it runs on a worker, then the others; else they are in order. */
    private String worker(int index) {
        List<String> workers = new ArrayList<>(cluster.addresses().subList(cluster.managers(), cluster.size()));
        String host = ledgerHost.get();
        if (host != null && workers.remove(host)) {
            workers.addFirst(host);
        }
        return workers.get(index);
    }

    private void kill(Fault fault, FailoverNode node, String target) throws Exception {
        killing = target;
        try {
            killAndRestart(fault, node, target);
        } finally {
            killing = null;
        }
    }

    private void killAndRestart(Fault fault, FailoverNode node, String target) throws Exception {
        if (fault.kind() == Kind.KILL_AGENT) {
            // the node's JVM alone: its tasks keep running, and the restarted agent must adopt them
            node.process().destroyForcibly().waitFor();
        } else {
            node.killHost();
        }
        Thread.sleep(fault.length().toMillis());
        cluster.restart(target);
        if (fault.node() < cluster.managers() || fault.kind() == Kind.KILL_LEADER) {
            // back and answering before the next fault: never two managers down at once
            FailoverReads.awaitApi(target);
        }
    }

    /**
     * Cuts the nodes off from every other node (they still reach each other) for the fault's length,
     * heals, and waits (≤ 90 s) until the cluster counts them again: every node ready and no manager
     * unreachable, through the leader.
     */
    private void partition(Fault fault, List<String> side) throws Exception {
        partitions.isolate(side, cluster.addresses());
        try {
            Thread.sleep(fault.length().toMillis());
        } finally {
            partitions.heal();
        }
        cluster.awaitCounted(String.join(" and ", side) + " counted again after the partition");
    }

    /**
     * Fills the node's data dir ({@link ChaosDisks}) for the fault's length, frees it, and waits until
     * the cluster counts the node again. The run snapshots every {@link ChaosRun#SNAPSHOT_INTERVAL}
     * entries, so a snapshot (and the log purge after it) meets the full disk; the Raft log itself
     * writes into segments it preallocated and meets it only when a segment rolls.
     */
    private void fillDisk(Fault fault, String target) throws Exception {
        long bytes = ChaosDisks.fill(cluster.data(target));
        out.printf("nemesis: %s's disk full (%d MiB written)%n", target, bytes >> 20);
        try {
            Thread.sleep(fault.length().toMillis());
        } finally {
            ChaosDisks.free(cluster.data(target));
        }
        cluster.awaitCounted(target + " counted again after its disk was freed");
    }

    private static void signal(String signal, long pid) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + signal, Long.toString(pid)).inheritIO().start();
        if (kill.waitFor() != 0) {
            throw new IOException("kill -" + signal + " " + pid + " failed");
        }
    }

    private boolean sleep(Duration duration) {
        try {
            Thread.sleep(duration.toMillis());
            return true;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }
}
