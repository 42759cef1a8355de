package io.flotilla.manager.dispatcher;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * Group commit of small per-node changes (hellos, nodes reporting again), like {@link StatusBatcher}
 * for status reports: the items that arrive while one entry is being committed go together into
 * the next one, so 10,000 agents at once make a few entries instead of 10,000 (each a Raft round,
 * and a queue the ordered Raft client cannot drain under load). Each caller waits until the entry
 * holding its item is applied (or fails with it), and gets a state that includes it.
 */
final class GroupCommit<T> {
    private record Item<T>(T value, CompletableFuture<ClusterState> applied) {}

    private final ClusterStore store;
    private final String name;
    private final int maxItems;
    private final Function<List<T>, Command> command;
    private final LinkedBlockingQueue<Item<T>> queue = new LinkedBlockingQueue<>();
    private Thread thread; // guarded by this

    /** @param command the one command (entry) for a batch of at most {@code maxItems} items, in arrival order */
    GroupCommit(ClusterStore store, String name, int maxItems, Function<List<T>, Command> command) {
        this.store = Objects.requireNonNull(store, "store");
        this.name = Objects.requireNonNull(name, "name");
        this.maxItems = maxItems;
        this.command = Objects.requireNonNull(command, "command");
    }

    /** Commits the item in a shared entry; waits until applied and returns a state that includes it. */
    ClusterState submit(T value) throws InterruptedException {
        return Submissions.await(submitAsync(value));
    }

    /** Queues the item for a shared entry; the future completes with a state that includes it (or fails with the entry). */
    CompletableFuture<ClusterState> submitAsync(T value) {
        Item<T> item = new Item<>(Objects.requireNonNull(value, "value"), new CompletableFuture<>());
        queue.add(item);
        synchronized (this) {
            if (thread == null) {
                thread = Thread.ofPlatform().name("flotilla-" + name + "-batcher").daemon(true).start(this::run);
            }
        }
        return item.applied();
    }

    private void run() {
        try {
            while (true) {
                Item<T> first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    synchronized (this) {
                        if (queue.isEmpty()) {
                            thread = null;
                            return;
                        }
                    }
                    continue;
                }
                List<Item<T>> batch = new ArrayList<>();
                batch.add(first);
                Item<T> next;
                while (batch.size() < maxItems && (next = queue.poll()) != null) {
                    batch.add(next);
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

    private void commit(List<Item<T>> batch) throws InterruptedException {
        try {
            ClusterState state = Submissions.await(store.submit(command.apply(batch.stream().map(Item::value).toList())));
            batch.forEach(item -> item.applied().complete(state));
        } catch (RuntimeException e) {
            batch.forEach(item -> item.applied().completeExceptionally(e));
        }
    }
}
