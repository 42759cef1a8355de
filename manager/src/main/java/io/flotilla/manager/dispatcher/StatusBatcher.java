package io.flotilla.manager.dispatcher;

import io.flotilla.manager.loops.CommandBatches;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Task;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit of agents' status reports: the reports that arrive while one log entry is being
 * committed go together into the next one, so 10,000 agents reporting at once make a few large
 * entries instead of 10,000 small ones (each a Raft round and a JSON decode on every manager).
 *
 * <p>The merged command has no reporter, so apply does not check that each update comes from the
 * task's node: the batcher checks it here instead, against the latest state. That is the same
 * check, because a task's node never changes once it is set. Each report's caller waits until
 * the entry holding its updates is applied (or fails with it).
 */
final class StatusBatcher {
    private record Report(String nodeId, List<TaskStatusUpdate> updates, CompletableFuture<Void> applied) {}

    private final ClusterStore store;
    private final LinkedBlockingQueue<Report> queue = new LinkedBlockingQueue<>();
    private Thread thread; // guarded by this

    StatusBatcher(ClusterStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Applies the node's updates (those for tasks of that node) in a shared entry; waits until applied. */
    void apply(String nodeId, List<TaskStatusUpdate> updates) throws InterruptedException {
        Report report = new Report(nodeId, updates, new CompletableFuture<>());
        queue.add(report);
        synchronized (this) {
            if (thread == null) {
                thread = Thread.ofPlatform().name("flotilla-status-batcher").daemon(true).start(this::run);
            }
        }
        Submissions.await(report.applied());
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
        try {
            for (Command part : CommandBatches.split(new Command.UpdateTaskStatuses(null, merged))) {
                if (!merged.isEmpty()) {
                    Submissions.await(store.submit(part));
                }
            }
            batch.forEach(report -> report.applied().complete(null));
        } catch (RuntimeException e) {
            batch.forEach(report -> report.applied().completeExceptionally(e));
        }
    }
}
