package io.flotilla.node;

import io.flotilla.manager.cluster.BackupFile;
import io.flotilla.manager.cluster.RestoredState;
import io.flotilla.manager.raft.ClusterStateMachine;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.model.NodeRole;
import io.flotilla.state.StateSnapshot;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code flotilla init --force-new-cluster --data DIR} on a surviving manager, as Swarm's
 * {@code --force-new-cluster}: when a majority of managers is lost for good, this manager's own
 * applied state (its snapshot and every entry its log knows committed) becomes a new one-manager
 * Raft group, with the same node id, address, CA and keys, so workers' agents reconnect to it
 * and their running tasks are adopted, not restarted. The operator then adds managers back.
 *
 * <p>How: the old log is replayed offline (a Raft peer of its old group on a loopback port of its
 * own, without TLS, so it can reach no other manager), its applied state is read with its index,
 * the old {@code raft/} is moved aside (kept, never deleted), and the state is left as
 * {@code manager/restore.backup} for the start that follows, as a restore does
 * ({@link RestoredState}). Entries this manager had not seen committed are lost: they were never
 * acknowledged by it, and a majority that acknowledged them is gone.
 */
public final class ForceNewCluster {
    private static final Logger LOG = LoggerFactory.getLogger(ForceNewCluster.class);
    private static final Duration REPLAY = Duration.ofSeconds(60);

    private ForceNewCluster() {}

    /** What was kept: the state's log index, and where the old Raft log went. */
    public record Prepared(NodeConfig config, long index, Path oldLog) {}

    public static Prepared prepare(Path dataDir, NodeConfig config) throws IOException, InterruptedException {
        Path data = dataDir.toAbsolutePath().normalize();
        Path raft = data.resolve("manager").resolve("raft");
        if (config.role() != NodeRole.MANAGER || !Files.isDirectory(raft)) {
            throw new IllegalArgumentException("--force-new-cluster needs the data dir of a manager (" + data + " is "
                    + (config.role() != NodeRole.MANAGER ? "a worker's" : "a manager's without a Raft log")
                    + "): only a manager's log holds the cluster state");
        }
        ClusterStateMachine.Applied applied = replay(config.nodeId(), raft);
        if (applied.state().cluster() == null) {
            throw new IllegalArgumentException("the Raft log in " + raft + " holds no cluster state: nothing to start from");
        }
        byte[] file = BackupFile.write(new BackupFile.Header(BackupFile.VERSION, applied.state().cluster().clusterId(),
                applied.index(), applied.term(), Instant.now().toString(), 0),
                new BackupFile.Body(StateSnapshot.of(applied.state()), null, null, null, null));
        Path seed = data.resolve("manager").resolve(RestoredState.FILE);
        Path tmp = seed.resolveSibling(RestoredState.FILE + ".tmp");
        Files.deleteIfExists(tmp);
        Files.createFile(tmp, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.write(tmp, file);
        Path oldLog = raft.resolveSibling("raft.before-force-new-cluster-" + System.currentTimeMillis());
        Files.move(raft, oldLog, StandardCopyOption.ATOMIC_MOVE);
        Files.move(tmp, seed, StandardCopyOption.ATOMIC_MOVE);
        NodeConfig alone = new NodeConfig(config.nodeId(), config.clusterId(), NodeRole.MANAGER, config.advertise(),
                List.of(), true);
        alone.save(data);
        LOG.info("forcing a new cluster from this manager's state at log index {} (the old log is in {})",
                applied.index(), oldLog);
        return new Prepared(alone, applied.index(), oldLog);
    }

    /** This peer's log applied as far as it knows it committed; the peer talks to no one meanwhile. */
    private static ClusterStateMachine.Applied replay(String nodeId, Path raft) throws IOException, InterruptedException {
        InetSocketAddress loopback = new InetSocketAddress("127.0.0.1", NodeAddresses.freePort(
                java.net.InetAddress.getLoopbackAddress()));
        try (RaftClusterStore store = new RaftClusterStore(nodeId, loopback, raft,
                RaftClusterStore.DEFAULT_SNAPSHOT_THRESHOLD, false, List.of())) {
            store.start(Duration.ofSeconds(30)); // a group of this manager alone leads; any other waits 5 s and goes on
            long deadline = System.nanoTime() + REPLAY.toNanos();
            long last = -1;
            int stable = 0;
            while (stable < 5) {
                long applied = store.appliedIndex();
                stable = applied == last && applied >= store.commitIndex() ? stable + 1 : 0;
                last = applied;
                if (System.nanoTime() > deadline) {
                    throw new IOException("the Raft log in " + raft + " was not replayed within " + REPLAY);
                }
                Thread.sleep(100);
            }
            return store.machine().applied();
        }
    }
}
