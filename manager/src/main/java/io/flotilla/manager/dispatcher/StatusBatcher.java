package io.flotilla.manager.dispatcher;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.CommandBatches;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.model.Command;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Group commit of agents' status reports: the reports that arrive while one log entry is being
 * committed go together into the next one, so 10,000 agents reporting at once make a few large
 * entries instead of 10,000 small ones (each a Raft round and a JSON decode on every manager).
 *
 * <p>Asynchronous: {@link #offer} queues a report and returns at once; the report's HTTP answer
 * says "accepted", not "applied". A report is also its node's heartbeat, and an agent sends the
 * next one only when the last is answered: while the log was busy (a million tasks being
 * created), reports waited for their commit, heartbeats stopped arriving and every node was
 * judged down at once. What an entry fails to commit (leadership lost, a commit timeout) is
 * logged and dropped: agents are level-triggered, and report again any task whose state in
 * their assignment set is behind their own. The queue holds one status per task (a task reported
 * again while queued replaces its status: re-reports from agents that see their task behind cost
 * no log bytes) and is bounded ({@value #MAX_QUEUED_UPDATES} tasks): beyond that a report is
 * refused (503), and the agent keeps and resends it. A report of what the state already holds (the
 * same status but for its timestamp: an agent or simulated node that reported again before it
 * learned its first report was applied), or of what an entry being committed holds, is dropped on
 * arrival, and again before its entry is written, so it costs neither queue room nor log bytes nor
 * a node's set being sent again.
 *
 * <p>Up to {@value #MAX_IN_FLIGHT} entries are committed at once (from the one batcher thread, so
 * in order): with one at a time, each 5,000-status entry waited for its whole Raft round and for
 * the apply on the leader before the next one was even written.
 *
 * <p>The merged command has no reporter, so apply does not check that each update comes from the
 * task's node: the batcher checks it instead ({@link DispatchRules#redundant}), against the latest
 * state. That is the same check, because a task's node never changes once it is set.
 */
final class StatusBatcher {
    /** A status waiting for its entry, from the node that reported it. */
    private record Queued(String nodeId, TaskStatusUpdate update) {}

    /** Updates queued, at most: about 100 MB of heap, several seconds of commits even at full speed. */
    static final int MAX_QUEUED_UPDATES = 500_000;
    /** Entries being committed at once, at most. */
    static final int MAX_IN_FLIGHT = 3;
    private static final Logger LOG = LoggerFactory.getLogger(StatusBatcher.class);

    private final ClusterStore store;
    /**
     * Waiting statuses by task, in arrival order; guarded by this. A task reported again before its
     * status was committed (an agent that sees its task still behind reports it again) replaces
     * its queued status instead of adding one: the queue holds at most one status per task.
     */
    private final java.util.LinkedHashMap<String, Queued> queue = new java.util.LinkedHashMap<>();
    private final AtomicLong committedUpdates = new AtomicLong();
    private final AtomicLong droppedUpdates = new AtomicLong();
    private Thread thread; // guarded by this
    private int inFlight; // guarded by this: updates taken from the queue, not yet committed or dropped
    private int entriesInFlight; // guarded by this
    /** The statuses in entries being committed, by task; guarded by this. */
    private final java.util.Map<String, TaskStatus> inFlightStatuses = new java.util.HashMap<>();

    StatusBatcher(ClusterStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Queues the node's updates (those for tasks of that node) for a shared entry and returns at
     * once; refuses them ({@link UnavailableException}) when the queue is full.
     */
    synchronized void offer(String nodeId, List<TaskStatusUpdate> updates) {
        if (queue.size() + inFlight + updates.size() > MAX_QUEUED_UPDATES) {
            throw new UnavailableException("the manager has " + queue.size()
                    + " task status updates waiting to be committed; report again later");
        }
        ClusterState state = store.state();
        for (TaskStatusUpdate update : updates) {
            TaskStatus sent = inFlightStatuses.get(update.taskId());
            if (DispatchRules.redundant(state.task(update.taskId()).orElse(null), nodeId, update)
                    || (sent != null && sent.equalsButTimestamp(update.status()))) {
                continue;
            }
            Queued old = queue.get(update.taskId());
            if (old == null || update.status().state().compareTo(old.update().status().state()) >= 0) {
                queue.put(update.taskId(), new Queued(nodeId, update)); // the newer, or the further one
            }
        }
        if (thread == null) {
            thread = Thread.ofPlatform().name("flotilla-status-batcher").daemon(true).start(this::run);
        }
        notifyAll();
    }

    /** Updates queued and not yet committed (or dropped). */
    synchronized int queued() {
        return queue.size() + inFlight;
    }

    /** Updates committed so far, and dropped because their entry failed (agents report those again). */
    long committed() {
        return committedUpdates.get();
    }

    long dropped() {
        return droppedUpdates.get();
    }

    private void run() {
        try {
            while (true) {
                List<Queued> batch = take();
                if (batch == null) {
                    return;
                }
                commit(batch);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            synchronized (this) {
                thread = null;
            }
        }
    }

    /**
     * Up to one entry's worth of queued statuses, oldest first, once fewer than {@value #MAX_IN_FLIGHT}
     * entries are being committed; null (and the thread ends) after a second with none.
     */
    private synchronized List<Queued> take() throws InterruptedException {
        while (entriesInFlight >= MAX_IN_FLIGHT) {
            wait();
        }
        if (queue.isEmpty()) {
            wait(1_000);
            if (queue.isEmpty()) {
                thread = null;
                return null;
            }
        }
        List<Queued> batch = new ArrayList<>(Math.min(queue.size(), CommandBatches.MAX_ITEMS));
        java.util.Iterator<Queued> it = queue.values().iterator();
        while (it.hasNext() && batch.size() < CommandBatches.MAX_ITEMS) {
            Queued next = it.next();
            batch.add(next);
            inFlightStatuses.put(next.update().taskId(), next.update().status());
            it.remove();
        }
        inFlight += batch.size();
        entriesInFlight++;
        return batch;
    }

    /** Writes the batch's entry and returns; its completion frees the room it took. */
    private void commit(List<Queued> batch) {
        CompletableFuture<?> committed;
        int written;
        try {
            ClusterState state = store.state();
            List<TaskStatusUpdate> merged = new ArrayList<>(batch.size());
            for (Queued queued : batch) {
                // not if applied meanwhile (an earlier entry held it too)
                TaskStatusUpdate update = queued.update();
                if (!DispatchRules.redundant(state.task(update.taskId()).orElse(null), queued.nodeId(), update)) {
                    merged.add(update);
                }
            }
            written = merged.size();
            committed = merged.isEmpty() ? CompletableFuture.completedFuture(null)
                    : store.submit(new Command.UpdateTaskStatuses(null, merged));
        } catch (RuntimeException e) {
            written = 0;
            committed = CompletableFuture.failedFuture(e);
        }
        int count = written;
        committed.whenComplete((state, error) -> {
            if (error == null) {
                committedUpdates.addAndGet(count);
            } else {
                long dropped = droppedUpdates.addAndGet(batch.size());
                LOG.warn("{} task status updates not committed ({}); the agents report them again ({} dropped so far)",
                        batch.size(), Submissions.cause(error).getMessage(), dropped);
            }
            synchronized (this) {
                batch.forEach(queued -> inFlightStatuses.remove(queued.update().taskId(), queued.update().status()));
                inFlight -= batch.size();
                entriesInFlight--;
                notifyAll();
            }
        });
    }
}
