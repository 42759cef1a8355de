package io.flotilla.bench;

import java.io.IOException;
import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The chaos run's service manager: a node process that ended by itself, and not by a kill of the
 * nemesis, is started again on its data dir after {@link #RESTART_DELAY}, as systemd's
 * {@code Restart=on-failure} with {@code RestartSec=1} does (docs/operations.md). A manager exits
 * with status 70 when its Raft log cannot go on (an unreadable entry, or a log that stopped writing
 * after a full disk); the nodes it restarts are counted in the run's output, and each restart is a
 * span ({@link ChaosNemesis.Kind#EXITED}) that excuses, as a kill does, the node's judgement as
 * down and the failures of requests that entered through it.
 */
final class ChaosSupervisor implements AutoCloseable {
    static final Duration RESTART_DELAY = Duration.ofSeconds(1);
    private static final Duration POLL = Duration.ofMillis(200);
    /**
     * A node that decided to exit stops heartbeating and serving while it shuts down, before its
     * process is gone (the long run of 02:54 saw 2 s between "Exiting with status 70" and the end,
     * and the node judged down in between): its span starts this long before it was last seen alive.
     */
    static final Duration SHUTDOWN = Duration.ofSeconds(5);

    private final FailoverCluster cluster;
    private final ChaosNemesis nemesis;
    private final PrintStream out;
    private final AtomicInteger restarts = new AtomicInteger();
    /** When each node's process was last seen alive: its exit came after (the span starts there). */
    private final java.util.Map<String, Instant> lastAlive = new java.util.HashMap<>();
    private volatile boolean running = true;
    private final Thread thread;

    ChaosSupervisor(FailoverCluster cluster, ChaosNemesis nemesis, PrintStream out) {
        this.cluster = cluster;
        this.nemesis = nemesis;
        this.out = out;
        this.thread = Thread.ofPlatform().name("chaos-supervisor").daemon(true).start(this::run);
    }

    /** How many node processes ended by themselves and were started again. */
    int restarts() {
        return restarts.get();
    }

    private void run() {
        while (running) {
            for (String address : cluster.addresses()) {
                FailoverNode node = cluster.node(address);
                if (node == null) {
                    continue;
                }
                Instant now = Instant.now();
                if (node.process().isAlive()) {
                    lastAlive.put(address, now);
                } else if (!nemesis.killing(address) && running) {
                    restart(address, node, lastAlive.getOrDefault(address, now));
                }
            }
            try {
                Thread.sleep(POLL.toMillis());
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void restart(String address, FailoverNode node, Instant start) {
        out.printf("supervisor: %s exited by itself with status %d; starting it again in %d ms%n", address,
                node.process().exitValue(), RESTART_DELAY.toMillis());
        try {
            Thread.sleep(RESTART_DELAY.toMillis());
            if (!running || nemesis.killing(address) || cluster.node(address) != node) {
                return; // stopping, or the nemesis has (or had) it: its fault starts it again
            }
            cluster.restart(address);
            restarts.incrementAndGet();
            FailoverReads.awaitApi(address);
        } catch (IOException | RuntimeException e) {
            out.println("supervisor: could not start " + address + " again: " + e.getMessage());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } finally {
            nemesis.record(new ChaosNemesis.Span(ChaosNemesis.Kind.EXITED, address, start.minus(SHUTDOWN), Instant.now()));
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(Duration.ofSeconds(100));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
