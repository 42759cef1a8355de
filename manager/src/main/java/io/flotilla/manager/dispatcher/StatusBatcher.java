package io.flotilla.manager.dispatcher;

import io.flotilla.manager.loops.CommandBatches;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.model.Command;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Task;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * their assignment set is behind their own. The queue is bounded ({@value #MAX_QUEUED_UPDATES}
 * updates): beyond that a report is refused (503), and the agent keeps and resends it.
 *
 * <p>The merged command has no reporter, so apply does not check that each update comes from the
 * task's node: the batcher checks it here instead, against the latest state. That is the same
 * check, because a task's node never changes once it is set.
 */
final class StatusBatcher {
    private record Report(String nodeId, List<TaskStatusUpdate> updates) {}

    /** Updates queued, at most: about 100 MB of heap, several seconds of commits even at full speed. */
    static final int MAX_QUEUED_UPDATES = 500_000;
    private static final Logger LOG = LoggerFactory.getLogger(StatusBatcher.class);

    private final ClusterStore store;
    private final LinkedBlockingQueue<Report> queue = new LinkedBlockingQueue<>();
    private final AtomicInteger queuedUpdates = new AtomicInteger();
    private final AtomicLong committedUpdates = new AtomicLong();
    private final AtomicLong droppedUpdates = new AtomicLong();
    private Thread thread; // guarded by this

    StatusBatcher(ClusterStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /**
     * Queues the node's updates (those for tasks of that node) for a shared entry and returns at
     * once; refuses them ({@link UnavailableException}) when the queue is full.
     */
    void offer(String nodeId, List<TaskStatusUpdate> updates) {
        if (queuedUpdates.get() + updates.size() > MAX_QUEUED_UPDATES) {
            throw new UnavailableException("the manager has " + queuedUpdates.get()
                    + " task status updates waiting to be committed; report again later");
        }
        queuedUpdates.addAndGet(updates.size());
        queue.add(new Report(nodeId, List.copyOf(updates)));
        synchronized (this) {
            if (thread == null) {
                thread = Thread.ofPlatform().name("flotilla-status-batcher").daemon(true).start(this::run);
            }
        }
    }

    /** Updates queued and not yet committed (or dropped). */
    int queued() {
        return queuedUpdates.get();
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
                Report first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    synchronized (this) {
                        if (queue.isEmpty()) {
                            thread = null;
                            return;
                        }
                    }
                    continue;
                }
                List<Report> batch = new ArrayList<>();
                batch.add(first);
                int items = first.updates().size();
                Report next;
                while (items < CommandBatches.MAX_ITEMS && (next = queue.poll()) != null) {
                    batch.add(next);
                    items += next.updates().size();
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

    private void commit(List<Report> batch) throws InterruptedException {
        int taken = batch.stream().mapToInt(r -> r.updates().size()).sum();
        try {
            ClusterState state = store.state();
            List<TaskStatusUpdate> merged = new ArrayList<>();
            for (Report report : batch) {
                for (TaskStatusUpdate update : report.updates()) {
                    Task task = state.task(update.taskId()).orElse(null);
                    if (task != null && report.nodeId().equals(task.nodeId())) {
                        merged.add(update);
                    }
                }
            }
            if (!merged.isEmpty()) {
                for (Command part : CommandBatches.split(new Command.UpdateTaskStatuses(null, merged))) {
                    Submissions.await(store.submit(part));
                }
            }
            committedUpdates.addAndGet(merged.size());
        } catch (RuntimeException e) {
            long dropped = droppedUpdates.addAndGet(taken);
            LOG.warn("{} task status updates of {} reports not committed ({}); the agents report them again ({} dropped so far)",
                    taken, batch.size(), e.getMessage(), dropped);
        } finally {
            queuedUpdates.addAndGet(-taken);
        }
    }
}
