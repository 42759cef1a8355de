package io.flotilla.node.mesh;

import io.flotilla.manager.raft.UnavailableException;
import io.flotilla.mesh.TableCatchUp;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.LongSupplier;
import java.util.function.Supplier;

/**
 * Whether a manager's mesh table lags behind the cluster ({@link TableCatchUp}): a Raft read index
 * (the leader's commit index, confirmed by a majority; {@code ClusterStore#awaitConsistent}), then
 * this manager applying up to it, then the mesh's feeder building a table from that state. A
 * manager back from a partition or a restart routes from its own state until then.
 *
 * <p>A manager that knows no leader yet is not current either: one back from a partition may go
 * seconds before it hears from the leader again (the long chaos run saw 5 s on a loaded machine),
 * so the read is tried again every {@value #RETRY_MILLIS} ms until {@link #READ_WAIT} is over; only
 * then does the check fail (the manager cannot tell, and the request waits no longer).
 *
 * <p>One check runs at a time; the requests that ask meanwhile share its answer (they all started
 * waiting after it began, within a few milliseconds). A node without a manager (a worker, or a
 * manager demoted meanwhile) counts as current: its table comes from the managers' watch.
 */
final class ManagerCatchUp implements TableCatchUp {
    /** The longest the read index may take: a request waits no longer than this in any case ({@code RouteRefresh}). */
    static final Duration READ_WAIT = Duration.ofSeconds(4);
    /** After the state caught up: the longest to wait for the feeder's table built from it. */
    private static final long BUILD_WAIT_NANOS = TimeUnit.MILLISECONDS.toNanos(500);
    /** How often a manager that knows no leader tries the read again. */
    static final long RETRY_MILLIS = 50;
    private static final CompletableFuture<Void> CURRENT = CompletableFuture.completedFuture(null);

    /** What a check needs of the node's manager. */
    interface Target {
        /** Returns once the manager's state holds every change committed before the call; throws without a leader. */
        void awaitConsistent(Duration max) throws InterruptedException;

        /** The registry index of the manager's state now. */
        long index();
    }

    /** The node's manager now, or null while it has none. */
    private final Supplier<Target> manager;
    private final Runnable wakeFeeder;
    /** The registry index the mesh's table was last built from. */
    private final LongSupplier built;
    private final AtomicReference<CompletableFuture<Void>> running = new AtomicReference<>();
    private final Duration readWait;

    /**
     * @param manager    the node's manager now, or null
     * @param wakeFeeder makes the mesh's feeder build its table now
     * @param built      the registry index the mesh's table was last built from
     * @param readWait   how long the read index may take, retries included ({@link #READ_WAIT})
     */
    ManagerCatchUp(Supplier<Target> manager, Runnable wakeFeeder, LongSupplier built, Duration readWait) {
        this.readWait = readWait;
        this.manager = manager;
        this.wakeFeeder = wakeFeeder;
        this.built = built;
    }

    @Override
    public CompletionStage<?> caughtUp() {
        Target current = manager.get();
        if (current == null) {
            return CURRENT;
        }
        CompletableFuture<Void> check = running.get();
        if (check != null && !check.isDone()) {
            return check;
        }
        CompletableFuture<Void> next = new CompletableFuture<>();
        if (!running.compareAndSet(check, next)) {
            return running.get(); // another request started one just now
        }
        Thread.ofVirtual().name("mesh-catch-up").start(() -> check(current, next));
        return next;
    }

    private void check(Target current, CompletableFuture<Void> result) {
        try {
            readIndex(current);
            long target = current.index();
            wakeFeeder.run();
            long deadline = System.nanoTime() + BUILD_WAIT_NANOS;
            while (built.getAsLong() < target && System.nanoTime() - deadline < 0) {
                Thread.sleep(5);
            }
            result.complete(null);
        } catch (InterruptedException e) {
            result.completeExceptionally(e);
        } catch (RuntimeException e) {
            result.completeExceptionally(e); // no leader confirmed by a majority: the node cannot tell
        }
    }

    /** Returns once the manager has applied up to a read index; throws {@link UnavailableException} when none came within {@link #readWait}. */
    private void readIndex(Target current) throws InterruptedException {
        long deadline = System.nanoTime() + readWait.toNanos();
        while (true) {
            try {
                current.awaitConsistent(Duration.ofNanos(Math.max(1, deadline - System.nanoTime())));
                return;
            } catch (UnavailableException e) {
                if (deadline - System.nanoTime() <= TimeUnit.MILLISECONDS.toNanos(RETRY_MILLIS)) {
                    throw e;
                }
                Thread.sleep(RETRY_MILLIS); // no leader known yet: one may come (a partition just healed)
            }
        }
    }
}
