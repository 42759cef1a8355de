package io.flotilla.manager.raft;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.state.Changes;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import io.flotilla.state.StateSnapshot;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import org.apache.ratis.io.MD5Hash;
import org.apache.ratis.proto.RaftProtos.LogEntryProto;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.protocol.TermIndex;
import org.apache.ratis.server.storage.FileInfo;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.statemachine.StateMachineStorage;
import org.apache.ratis.statemachine.TransactionContext;
import org.apache.ratis.statemachine.impl.BaseStateMachine;
import org.apache.ratis.statemachine.impl.SimpleStateMachineStorage;
import org.apache.ratis.statemachine.impl.SingleFileSnapshotInfo;
import org.apache.ratis.util.LifeCycle;
import org.apache.ratis.util.MD5FileUtil;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The Ratis state machine: each log entry is one JSON {@link Command}, applied with
 * {@link StateMachine#apply} into an immutable {@link ClusterState}.
 *
 * <p>Invariants: {@link #state()} and the last applied term-index change together under
 * {@link #lock}, so a snapshot always names the index its content is at. {@code state().index()}
 * is the index of the last applied <em>command</em>; Ratis's own entries (configuration, the
 * leader's first entry of a term) advance the applied term-index but not the state.
 *
 * <p>The reply to a command is {@code ok <index>}, or {@code error <message>} when the entry
 * could not be decoded or applied: such an entry is skipped (identically on every replica) rather
 * than failing the Raft server.
 */
public final class ClusterStateMachine extends BaseStateMachine {
    private static final Logger LOG = LoggerFactory.getLogger(ClusterStateMachine.class);
    static final String OK = "ok ";
    static final String ERROR = "error ";

    private final SimpleStateMachineStorage storage = new SimpleStateMachineStorage();
    /** How long after a failed snapshot the next one is tried. */
    static final java.time.Duration SNAPSHOT_RETRY_PAUSE = java.time.Duration.ofSeconds(1);
    /** {@link System#nanoTime()} of the last failed snapshot; long ago at first. */
    private volatile long snapshotFailedAt = System.nanoTime() - SNAPSHOT_RETRY_PAUSE.toNanos() - 1;
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition advanced = lock.newCondition();
    private volatile ClusterState state = ClusterState.EMPTY;
    private final AppliedWaiters waiters = new AppliedWaiters(() -> state);

    @Override
    public void initialize(RaftServer server, RaftGroupId groupId, RaftStorage raftStorage) throws IOException {
        super.initialize(server, groupId, raftStorage);
        storage.init(raftStorage);
        Seed first = seed;
        if (first != null && storage.loadLatestSnapshot() == null) {
            // a restored cluster's first start: the backup's state becomes the snapshot the log continues from
            writeSnapshot(first.state(), TermIndex.valueOf(0, first.index()));
            LOG.info("restored state written as the first snapshot (log index {}, state index {})", first.index(),
                    first.state().index());
        }
        getLifeCycle().transition(LifeCycle.State.STARTING);
        loadSnapshot(storage.loadLatestSnapshot());
        getLifeCycle().transition(LifeCycle.State.RUNNING);
    }

    /**
     * Before a follower installs a snapshot its leader sent (its log was purged past what the
     * follower has), Ratis pauses the state machine, and asserts that it is {@code PAUSED} before
     * {@link #reinitialize} loads the snapshot. {@code BaseStateMachine.pause()} does nothing: the
     * assertion failed, the peer's state machine updater died, and the manager stayed up with a
     * closed Raft peer for good (found by {@code bench chaos} with five managers).
     */
    @Override
    public void pause() {
        if (getLifeCycleState() == LifeCycle.State.RUNNING) {
            getLifeCycle().transition(LifeCycle.State.PAUSING);
            getLifeCycle().transition(LifeCycle.State.PAUSED);
        }
    }

    /**
     * A state to start from ({@code flotilla cluster restore}), at Raft log index {@code index}:
     * on a fresh storage dir it is written as the first snapshot, with term 0 so that every term
     * this group elects is newer; the log continues at {@code index + 1}, so the state's indexes
     * keep growing. Set before the server starts; ignored on a storage dir that has a snapshot.
     */
    public record Seed(StateSnapshot state, long index) {}

    private volatile Seed seed;

    void seed(Seed restored) {
        this.seed = restored;
    }

    /** The state and the Raft term and index it is applied up to, read together: what a backup holds. */
    public record Applied(ClusterState state, long term, long index) {}

    public Applied applied() {
        lock.lock();
        try {
            TermIndex at = getLastAppliedTermIndex();
            return new Applied(state, at == null ? 0 : at.getTerm(), at == null ? state.index() : at.getIndex());
        } finally {
            lock.unlock();
        }
    }

    /** After a snapshot was installed ({@link #pause}): the state is the snapshot's, and applying goes on from it. */
    @Override
    public void reinitialize() throws IOException {
        loadSnapshot(storage.loadLatestSnapshot());
        if (getLifeCycleState() == LifeCycle.State.PAUSED) {
            getLifeCycle().transition(LifeCycle.State.STARTING);
            getLifeCycle().transition(LifeCycle.State.RUNNING);
        }
    }

    @Override
    public StateMachineStorage getStateMachineStorage() {
        return storage;
    }

    public ClusterState state() {
        return state;
    }

    /**
     * Follows every applied command, in log order, with the states before and after it and what it
     * changed (apply's {@link Changes}), and every snapshot load: how discovery keeps its registry
     * and change history on every manager, and the leader loop its reconcile scope. Called with the
     * apply lock held, before waiters are woken, so a write acknowledged to a client is already
     * visible to listeners. A listener must be quick and must not throw.
     */
    public interface ApplyListener {
        void applied(ClusterState before, Changes changes, ClusterState after);

        void reset(ClusterState state);
    }

    private final List<ApplyListener> applyListeners = new CopyOnWriteArrayList<>();

    /** Adds a listener; add it before the server starts to see the whole log replayed. */
    public void addApplyListener(ApplyListener listener) {
        applyListeners.add(listener);
        listener.reset(state);
    }

    private void notifyApplied(ClusterState before, Changes changes, ClusterState after) {
        for (ApplyListener listener : applyListeners) {
            try {
                listener.applied(before, changes, after);
            } catch (RuntimeException e) {
                LOG.error("apply listener failed on index {}", after.index(), e);
            }
        }
    }

    /** The meters this machine records in ({@link RaftMeters}); none until given. */
    private volatile RaftMeters meters;

    /** Records applies, snapshots and leader changes in {@code raftMeters} from now on. */
    void meters(RaftMeters raftMeters) {
        this.meters = raftMeters;
    }

    @Override
    public void notifyLeaderChanged(org.apache.ratis.protocol.RaftGroupMemberId member,
                                    org.apache.ratis.protocol.RaftPeerId newLeader) {
        RaftMeters current = meters;
        if (current != null) {
            current.leaderChanges().increment();
        }
    }

    private volatile String fatal;

    /** Why this state machine stopped its log (an entry it cannot read), or why the log failed, or null. */
    public String fatal() {
        return fatal;
    }

    /** Ratis' log worker failed a write (a full disk): it writes nothing more, ever; the node exits with this. */
    @Override
    public void notifyLogFailed(Throwable cause, LogEntryProto failedEntry) {
        String at = failedEntry == null ? "" : " at index " + failedEntry.getIndex();
        fatal = "its Raft log could not be written" + at + " (" + cause + "), and Ratis never writes that log again; "
                + LogStall.RESTART_ADVICE;
        LOG.error("the Raft log failed{}: {}", at, cause.toString());
    }

    /**
     * A fenced command ({@link TermFence}) decided in another term than the one this leader would
     * write it in is refused here, before it is appended: Ratis calls this under its server lock,
     * where the current term is the entry's.
     */
    @Override
    public TransactionContext preAppendTransaction(TransactionContext trx) throws IOException {
        if (trx.getClientRequest() != null) {
            String refusal = TermFence.refusal(TermFence.of(trx.getClientRequest().getMessage().getContent()),
                    getServer().join().getDivision(getGroupId()).getInfo().getCurrentTerm());
            if (refusal != null) {
                // the default would make this leader step down: it is the rightful one, the sender is not
                throw new org.apache.ratis.protocol.exceptions.StateMachineException(refusal, false);
            }
        }
        return trx;
    }

    /**
     * A consistent read's query ({@link LinearizableReads}), run once this peer has applied up to the
     * read index: answers the log index applied here, which the asking manager waits to reach.
     */
    @Override
    public CompletableFuture<Message> query(Message request) {
        TermIndex at = getLastAppliedTermIndex();
        return CompletableFuture.completedFuture(Message.valueOf(Long.toString(at == null ? 0 : at.getIndex())));
    }

    @Override
    public CompletableFuture<Message> applyTransaction(TransactionContext trx) {
        LogEntryProto entry = trx.getLogEntry();
        TermIndex termIndex = TermIndex.valueOf(entry);
        String reply;
        long began = System.nanoTime();
        lock.lock();
        try {
            try {
                Command command = LogEntries.decode(entry.getStateMachineLogEntry().getLogData().toByteArray(), termIndex);
                ClusterState before = state;
                StateMachine.Applied applied = StateMachine.applyWithChanges(state, termIndex.getIndex(), command);
                state = applied.state();
                reply = OK + termIndex.getIndex();
                notifyApplied(before, applied.changes(), state);
            } catch (LogEntries.UnreadableEntry e) {
                fatal = e.getMessage(); // Ratis closes the server; the node exits with this (RaftClusterStore#failure)
                throw e;
            } catch (RuntimeException e) {
                // Deterministic: every replica fails on the same entry and skips it the same way.
                LOG.error("log entry {} could not be applied; skipped", termIndex, e);
                reply = ERROR + "log entry " + termIndex.getIndex() + " could not be applied: " + e.getMessage();
            }
            updateLastAppliedTermIndex(termIndex);
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
        RaftMeters current = meters;
        if (current != null) {
            current.apply().record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        waiters.complete();
        return CompletableFuture.completedFuture(Message.valueOf(reply));
    }

    /** Waits until the state's index is greater than {@code after} or {@code max} passed; returns the latest state. */
    public ClusterState awaitIndex(long after, Duration max) throws InterruptedException {
        long remaining = max.toNanos();
        lock.lock();
        try {
            while (state.index() <= after && remaining > 0) {
                remaining = advanced.awaitNanos(remaining);
            }
            return state;
        } finally {
            lock.unlock();
        }
    }

    /** Completes with the latest state once the state's index has reached {@code index}. */
    public CompletableFuture<ClusterState> whenApplied(long index) {
        return waiters.whenApplied(index);
    }

    /** Fails every pending {@link #whenApplied} future: the manager is stopping. */
    void failWaiters(RuntimeException reason) {
        waiters.failAll(reason);
    }

    /**
     * Writes the state as {@link StateSnapshot} JSON to a temporary file, forces it to disk and
     * renames it to the name Ratis expects ({@code snapshot.<term>_<index>}), with its MD5 beside.
     * A snapshot that cannot be written (a full disk) fails as an {@link IOException}, which Ratis
     * logs and survives, leaving nothing half-written; any other exception would close this peer
     * for good. After a failure the next attempt waits {@link #SNAPSHOT_RETRY_PAUSE}: Ratis asks
     * again after every applied entry, and the log keeps every entry until a snapshot succeeds.
     */
    @Override
    public long takeSnapshot() throws IOException {
        if (System.nanoTime() - snapshotFailedAt < SNAPSHOT_RETRY_PAUSE.toNanos()) {
            return -1;
        }
        ClusterState snapshotState;
        TermIndex applied;
        lock.lock();
        try {
            snapshotState = state;
            applied = getLastAppliedTermIndex();
        } finally {
            lock.unlock();
        }
        if (applied == null || applied.getIndex() < 0) {
            return -1;
        }
        long began = System.nanoTime();
        try {
            writeSnapshot(StateSnapshot.of(snapshotState), applied);
        } catch (IOException | RuntimeException e) {
            snapshotFailedAt = System.nanoTime();
            throw new IOException("snapshot at " + applied + " not written (the log keeps its entries; next try in "
                    + SNAPSHOT_RETRY_PAUSE.toMillis() + " ms): " + e, e);
        }
        RaftMeters current = meters;
        if (current != null) {
            current.snapshot().record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
        }
        LOG.info("snapshot taken at {} (state index {}, {} services, {} tasks, {} nodes)", applied,
                snapshotState.index(), snapshotState.services().size(), snapshotState.tasks().size(),
                snapshotState.nodes().size());
        return applied.getIndex();
    }

    /**
     * The snapshot file and its MD5 are both written before the snapshot takes its name, so a
     * snapshot is there whole or not at all; on a failure what was written is removed.
     */
    private void writeSnapshot(StateSnapshot snapshot, TermIndex applied) throws IOException {
        Path target = storage.getSnapshotFile(applied.getTerm(), applied.getIndex()).toPath();
        Path tmp = target.resolveSibling(target.getFileName() + ".tmp");
        Path digest = MD5FileUtil.getDigestFileForFile(target.toFile()).toPath();
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                    StandardOpenOption.TRUNCATE_EXISTING)) {
                channel.write(java.nio.ByteBuffer.wrap(Json.writeBytes(snapshot)));
                channel.force(true);
            }
            MD5Hash md5 = MD5FileUtil.computeMd5ForFile(tmp.toFile());
            MD5FileUtil.saveMD5File(target.toFile(), md5);
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
            storage.updateLatestSnapshot(new SingleFileSnapshotInfo(new FileInfo(target, md5), applied));
        } catch (IOException | RuntimeException e) {
            deleteQuietly(tmp);
            if (!Files.exists(target)) {
                deleteQuietly(digest);
            }
            throw e;
        }
    }

    private static void deleteQuietly(Path file) {
        try {
            Files.deleteIfExists(file);
        } catch (IOException e) {
            LOG.warn("cannot remove {} after a failed snapshot: {}", file, e.toString());
        }
    }

    private void loadSnapshot(SingleFileSnapshotInfo snapshot) throws IOException {
        if (snapshot == null) {
            return;
        }
        Path file = snapshot.getFile().getPath();
        if (!Files.exists(file)) {
            LOG.warn("snapshot file {} is missing; starting from the log", file);
            return;
        }
        MD5Hash md5 = snapshot.getFile().getFileDigest();
        if (md5 != null) {
            MD5FileUtil.verifySavedMD5(file.toFile(), md5);
        }
        TermIndex termIndex = SimpleStateMachineStorage.getTermIndexFromSnapshotFile(file.toFile());
        ClusterState loaded = Json.read(Files.readAllBytes(file), StateSnapshot.class).toState();
        lock.lock();
        try {
            state = loaded;
            for (ApplyListener listener : applyListeners) {
                listener.reset(loaded);
            }
            setLastAppliedTermIndex(termIndex);
            advanced.signalAll();
        } finally {
            lock.unlock();
        }
        LOG.info("loaded snapshot {} (state index {})", termIndex, loaded.index());
    }

    /** For tests: how long a waiter list is (to check nothing leaks). */
    int pendingWaiters() {
        return waiters.pending();
    }
}
