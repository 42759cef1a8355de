package io.flotilla.manager.raft;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

/**
 * A change that arrives while this peer sees no quorum waits a little for one before it is
 * refused: right after a leader dies the survivors elect another within an election timeout or
 * two, and a client's write sent in between should be accepted by the new leader, not refused and
 * left for the client to retry (Swarm's managers, too, hold a request until a leader is elected).
 * A quorum lost for good is refused after {@link #WAIT}, with the same description as before.
 *
 * <p>The wait polls the peer's view every {@link #POLL} on a timer, holding no thread. A lane
 * ({@link RaftClientLanes}) keeps its order through a wait: a change submitted on a lane while an
 * earlier one waits is sent after it, within its own deadline.
 */
final class LeaderWait {
    /** Two maximum election timeouts: an election that loses a round to a split vote still fits. */
    static final Duration WAIT = RaftSettings.ELECTION_TIMEOUT_MAX.multipliedBy(2);
    static final Duration POLL = Duration.ofMillis(10);

    private final Supplier<Quorum> quorum;
    private final BooleanSupplier closed;
    private final Duration wait;
    private final Executor timer;
    /** Per lane, guarded by the lane's entry: done once the last change that waited on it was sent (or refused). */
    private final Tail[] tails;

    private static final class Tail {
        CompletableFuture<?> sent;
    }

    LeaderWait(Supplier<Quorum> quorum, BooleanSupplier closed, int lanes) {
        this(quorum, closed, lanes, WAIT, CompletableFuture.delayedExecutor(POLL.toMillis(), TimeUnit.MILLISECONDS));
    }

    LeaderWait(Supplier<Quorum> quorum, BooleanSupplier closed, int lanes, Duration wait, Executor timer) {
        this.quorum = quorum;
        this.closed = closed;
        this.wait = wait;
        this.timer = timer;
        this.tails = new Tail[lanes];
        for (int lane = 0; lane < lanes; lane++) {
            tails[lane] = new Tail();
        }
    }

    /**
     * {@code send} at once when this peer sees a quorum and nothing waits on {@code lane}; otherwise
     * once it sees one, after the lane's earlier waiting changes; a failed {@link UnavailableException}
     * when it sees none within the wait.
     */
    <T> CompletableFuture<T> send(int lane, Supplier<CompletableFuture<T>> send) {
        long deadline = System.nanoTime() + wait.toNanos();
        CompletableFuture<Void> ready;
        CompletableFuture<Void> sent = new CompletableFuture<>();
        Tail lock = tails[lane];
        synchronized (lock) {
            CompletableFuture<?> tail = lock.sent;
            boolean queued = tail != null && !tail.isDone();
            if (!queued && quorum.get().available()) {
                return send.get();
            }
            ready = queued ? tail.handle((ignored, error) -> null).thenCompose(ignored -> until(deadline)) : until(deadline);
            lock.sent = sent;
        }
        CompletableFuture<T> result = new CompletableFuture<>();
        ready.whenComplete((ignored, error) -> {
            try {
                if (error != null) {
                    result.completeExceptionally(error instanceof CompletionException && error.getCause() != null
                            ? error.getCause() : error);
                } else {
                    send.get().whenComplete((value, failure) -> {
                        if (failure != null) {
                            result.completeExceptionally(failure);
                        } else {
                            result.complete(value);
                        }
                    });
                }
            } catch (RuntimeException e) {
                result.completeExceptionally(e);
            } finally {
                sent.complete(null); // the next change on the lane may go now: this one is in Ratis's queue
            }
        });
        return result;
    }

    /** Completes once this peer sees a quorum; fails with {@link UnavailableException} if it sees none by {@code deadline}. */
    CompletableFuture<Void> until(long deadline) {
        CompletableFuture<Void> ready = new CompletableFuture<>();
        poll(ready, deadline);
        return ready;
    }

    private void poll(CompletableFuture<Void> ready, long deadline) {
        if (closed.getAsBoolean()) {
            ready.completeExceptionally(new UnavailableException("the manager is stopping"));
            return;
        }
        Quorum now = quorum.get();
        if (now.available()) {
            ready.complete(null);
        } else if (System.nanoTime() - deadline >= 0) {
            ready.completeExceptionally(new UnavailableException(now.describe()));
        } else {
            timer.execute(() -> poll(ready, deadline));
        }
    }
}
