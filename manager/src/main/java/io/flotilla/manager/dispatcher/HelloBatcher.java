package io.flotilla.manager.dispatcher;

import io.flotilla.manager.loops.CommandBatches;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Group commit of agents' hellos, like {@link StatusBatcher} for status reports: the nodes that say
 * hello while one entry is being committed go together into the next {@link Command.UpsertNodes},
 * so 10,000 agents registering at once make a few entries instead of 10,000. Each caller waits
 * until the entry holding its node is applied (or fails with it), and gets a state that includes it.
 */
final class HelloBatcher {
    private record Hello(Node node, CompletableFuture<ClusterState> applied) {}

    private final ClusterStore store;
    private final LinkedBlockingQueue<Hello> queue = new LinkedBlockingQueue<>();
    private Thread thread; // guarded by this

    HelloBatcher(ClusterStore store) {
        this.store = Objects.requireNonNull(store, "store");
    }

    /** Upserts the node in a shared entry; waits until applied and returns a state that includes it. */
    ClusterState upsert(Node node) throws InterruptedException {
        Hello hello = new Hello(Objects.requireNonNull(node, "node"), new CompletableFuture<>());
        queue.add(hello);
        synchronized (this) {
            if (thread == null) {
                thread = Thread.ofPlatform().name("flotilla-hello-batcher").daemon(true).start(this::run);
            }
        }
        return Submissions.await(hello.applied());
    }

    private void run() {
        try {
            while (true) {
                Hello first = queue.poll(1, TimeUnit.SECONDS);
                if (first == null) {
                    synchronized (this) {
                        if (queue.isEmpty()) {
                            thread = null;
                            return;
                        }
                    }
                    continue;
                }
                List<Hello> batch = new ArrayList<>();
                batch.add(first);
                Hello next;
                while (batch.size() < CommandBatches.MAX_NODES && (next = queue.poll()) != null) {
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

    private void commit(List<Hello> batch) throws InterruptedException {
        try {
            Command command = batch.size() == 1
                    ? new Command.UpsertNode(batch.getFirst().node())
                    : new Command.UpsertNodes(batch.stream().map(Hello::node).toList());
            ClusterState state = Submissions.await(store.submit(command));
            batch.forEach(hello -> hello.applied().complete(state));
        } catch (RuntimeException e) {
            batch.forEach(hello -> hello.applied().completeExceptionally(e));
        }
    }
}
