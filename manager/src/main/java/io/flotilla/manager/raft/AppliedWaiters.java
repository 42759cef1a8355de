package io.flotilla.manager.raft;

import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentNavigableMap;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Supplier;

/**
 * The callers waiting for the state machine to apply a log index (a proposer whose entry
 * committed, waiting for the state that includes it), completed as the applied state moves.
 */
final class AppliedWaiters {
    private final ConcurrentNavigableMap<Long, List<CompletableFuture<ClusterState>>> waiters = new ConcurrentSkipListMap<>();
    private final Supplier<ClusterState> state;

    /** @param state the latest applied state */
    AppliedWaiters(Supplier<ClusterState> state) {
        this.state = state;
    }

    /** Completes with the latest state once the state's index has reached {@code index}. */
    CompletableFuture<ClusterState> whenApplied(long index) {
        ClusterState current = state.get();
        if (current.index() >= index) {
            return CompletableFuture.completedFuture(current);
        }
        CompletableFuture<ClusterState> future = new CompletableFuture<>();
        waiters.computeIfAbsent(index, i -> new CopyOnWriteArrayList<>()).add(future);
        complete(); // the index may have been reached while registering
        return future;
    }

    /** Completes every waiter whose index the latest state has reached. */
    void complete() {
        ClusterState current = state.get();
        ConcurrentNavigableMap<Long, List<CompletableFuture<ClusterState>>> due = waiters.headMap(current.index(), true);
        while (!due.isEmpty()) {
            Map.Entry<Long, List<CompletableFuture<ClusterState>>> first = due.pollFirstEntry();
            if (first == null) {
                break;
            }
            first.getValue().forEach(future -> future.complete(current));
        }
    }

    /** How many callers wait (tests: nothing leaks). */
    int pending() {
        return waiters.values().stream().mapToInt(List::size).sum();
    }

    /** Fails every waiter: the manager is stopping. */
    void failAll(RuntimeException reason) {
        List<CompletableFuture<ClusterState>> all = new ArrayList<>();
        Map.Entry<Long, List<CompletableFuture<ClusterState>>> entry;
        while ((entry = waiters.pollFirstEntry()) != null) {
            all.addAll(entry.getValue());
        }
        all.forEach(future -> future.completeExceptionally(reason));
    }
}
