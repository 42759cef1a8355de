package io.flotilla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.manager.ManagerTuning;
import io.flotilla.model.Node;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A manager that was down while the others snapshotted and purged their logs past its last entry
 * catches up from the leader's snapshot (Ratis' install-snapshot path): real node processes, a
 * snapshot every 50 entries, 1,500 writes while it is down (four clients at once), and three elections among the two others
 * (each closes a log segment; Ratis purges closed segments only, in steps of 1,024 entries). Before
 * {@code ClusterStateMachine.pause()}, the restarted manager's Raft peer closed on the installed
 * snapshot and never answered the new labels.
 */
class SnapshotCatchUpTest {
    private static final int WRITES = 1500;
    private static final int ROUNDS = 3;
    private static final int WRITERS = 4;

    @Test
    @Timeout(300)
    void aManagerBehindAPurgedLogCatchesUpFromTheLeadersSnapshot() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "catch-up")), "run");
        FailoverCluster cluster = new FailoverCluster("127.0.17.", 1, dir, false, 3, null);
        cluster.systemProperty(ManagerTuning.SNAPSHOT_INTERVAL_PROPERTY, "50");
        try {
            cluster.form();
            String lagging = cluster.addr(2);
            String worker = FailoverReads.nodeIdAt(cluster.addr(0), cluster.addr(3));
            cluster.node(lagging).killHost();

            for (int round = 0; round < ROUNDS; round++) {
                // WRITERS clients at once, each its own label: a third of the time of one after the other
                int from = round * WRITES / ROUNDS;
                int to = (round + 1) * WRITES / ROUNDS;
                List<Thread> writers = new java.util.ArrayList<>();
                java.util.concurrent.atomic.AtomicReference<Throwable> failed = new java.util.concurrent.atomic.AtomicReference<>();
                for (int w = 0; w < WRITERS; w++) {
                    int writerNo = w;
                    Thread thread = new Thread(() -> {
                        try {
                            for (int i = from + writerNo; i < to; i += WRITERS) {
                                write(cluster, worker, "fill" + writerNo + "=" + i);
                            }
                        } catch (Throwable e) {
                            failed.compareAndSet(null, e);
                        }
                    });
                    thread.start();
                    writers.add(thread);
                }
                for (Thread thread : writers) {
                    thread.join();
                }
                if (failed.get() != null) {
                    throw new AssertionError("a write was never accepted", failed.get());
                }
                // a new term: Ratis closes the log segment, which a later snapshot then purges
                FailoverNode leader = cluster.node(hostOf(cluster.leaderApi()));
                new ProcessBuilder("kill", "-STOP", Long.toString(leader.process().pid())).start().waitFor();
                Thread.sleep(1200);
                new ProcessBuilder("kill", "-CONT", Long.toString(leader.process().pid())).start().waitFor();
            }
            write(cluster, worker, "seq=" + (WRITES - 1));
            cluster.restart(lagging);

            String last = "seq=" + (WRITES - 1);
            FailoverReads.awaitUntil(lagging + " answering the last write from its own state", Duration.ofSeconds(120), () -> {
                Node node = new ApiClient(lagging).get("/v1/nodes/" + worker, Node.class, Duration.ofSeconds(5));
                return last.equals("seq=" + node.spec().labels().get("seq"));
            });
            FailoverReads.awaitUntil(lagging + " reachable again", Duration.ofSeconds(60), () -> new ClusterClient(cluster.addr(0))
                    .info().managers().stream().noneMatch(m -> m.status().equals("Unreachable")));
            // and it takes part again: a write through it lands everywhere
            new ClusterClient(lagging).updateNode(worker, Map.of("labelAdd", List.of("after=yes")));
            for (int i = 0; i < 3; i++) {
                String manager = cluster.addr(i);
                FailoverReads.awaitUntil(manager + " has the write made through " + lagging, Duration.ofSeconds(30), () ->
                        "yes".equals(new ApiClient(manager).get("/v1/nodes/" + worker, Node.class, Duration.ofSeconds(5))
                                .spec().labels().get("after")));
            }
            assertEquals("yes", new ApiClient(lagging).get("/v1/nodes/" + worker, Node.class, Duration.ofSeconds(5))
                    .spec().labels().get("after"));
        } finally {
            cluster.killAll();
        }
    }

    /** One label write through either survivor, sent again until accepted (an election may be under way). */
    private static void write(FailoverCluster cluster, String worker, String label) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        for (int attempt = 0; ; attempt++) {
            try {
                new ClusterClient(cluster.addr(attempt % 2)).updateNode(worker, Map.of("labelAdd", List.of(label)));
                return;
            } catch (RuntimeException e) {
                if (System.nanoTime() > deadline) {
                    throw e;
                }
                Thread.sleep(50);
            }
        }
    }

    private static String hostOf(String api) {
        return api.substring(0, api.indexOf(':'));
    }
}
