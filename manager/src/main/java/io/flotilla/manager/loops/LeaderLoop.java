package io.flotilla.manager.loops;

import io.flotilla.manager.dispatcher.Dispatcher;
import io.flotilla.manager.raft.ClusterStateMachine;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.CommandBatches;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.scheduler.ChangeTracker;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.ReconcileScope;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's one control loop, on one thread: wait for a state change or a tick, then judge node
 * liveness, reconcile (specs → tasks) and place (tasks → nodes), submitting each decision and
 * waiting until it is applied before deciding again.
 *
 * <p>Reconcile passes are incremental: a {@link ChangeTracker} follows the applied log and each
 * pass looks only at the services, slots and nodes changed since the previous one (so a deploy of
 * a million replicas costs each pass what changed, not a walk over a million slots). A full pass
 * runs when the loop starts leading, after a snapshot load, and every {@link #FULL_PASS_INTERVAL}
 * (or {@value #FULL_PASS_SPACING} times the last full pass's duration, if longer) — the
 * level-triggered safety net. Placement takes a bounded batch of unplaced tasks per pass, and a
 * pass creates a bounded number of tasks: the slots it leaves empty are carried into the next
 * scope ({@link ChangeTracker#carry}).
 *
 * <p>Invariant: every decision is made on a state at least as new as the result of the previous
 * submission, so the orchestrator never sees a state without the tasks it just created (which
 * would make it create them twice). An iteration that fails is logged and retried on the next
 * tick; nothing stops the loop but {@link #close}.
 */
public final class LeaderLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderLoop.class);
    private static final int MAX_BUSY_ITERATIONS = 100;
    private static final int PIPELINED_PARTS = 8;
    /** How often (at least this far apart) the orchestrator looks at everything even though the change feed says little changed. */
    static final Duration FULL_PASS_INTERVAL = Duration.ofSeconds(30);
    /**
     * A full pass also waits this many times as long as the last one took: at a million tasks a
     * full pass takes seconds, and the safety net must not become most of the loop's work.
     */
    static final int FULL_PASS_SPACING = 20;

    private final ClusterStore store;
    private final Dispatcher dispatcher;
    private final Orchestrator orchestrator;
    private final Scheduler scheduler;
    private final InstantSource clock;
    private final Duration tick;
    private final boolean orchestrate;
    private volatile boolean running;
    private Thread thread;
    /** What changed since the last pass; guarded by itself (fed on the apply thread, drained here). */
    private final ChangeTracker changes = new ChangeTracker();
    /** False when the store has no change feed: then every pass is a full one. */
    private final boolean incremental;
    private long lastFullPassNanos;
    private long fullPassSpacingNanos = FULL_PASS_INTERVAL.toNanos();

    public LeaderLoop(ClusterStore store, Dispatcher dispatcher, Orchestrator orchestrator, Scheduler scheduler,
                      InstantSource clock, Duration tick, boolean orchestrate) {
        this.store = Objects.requireNonNull(store, "store");
        this.dispatcher = Objects.requireNonNull(dispatcher, "dispatcher");
        this.orchestrator = Objects.requireNonNull(orchestrator, "orchestrator");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tick = Objects.requireNonNull(tick, "tick");
        this.orchestrate = orchestrate;
        this.incremental = store instanceof RaftClusterStore raft && follow(raft.machine());
    }

    private boolean follow(ClusterStateMachine machine) {
        machine.addApplyListener(new ClusterStateMachine.ApplyListener() {
            @Override
            public void applied(ClusterState before, Command command, ClusterState after) {
                synchronized (changes) {
                    changes.applied(before, command, after);
                }
            }

            @Override
            public void reset(ClusterState state) {
                synchronized (changes) {
                    changes.reset();
                }
            }
        });
        return true;
    }

    public synchronized void start() {
        if (thread != null) {
            return;
        }
        running = true;
        thread = Thread.ofPlatform().name("flotilla-leader-loop").daemon(true).start(this::run);
    }

    private void run() {
        long seen = -1;
        int busy = 0;
        long leadingTerm = store.isLeader() ? store.term() : -1; // Manager.start granted this term's grace
        while (running) {
            try {
                if (!store.isLeader()) {
                    synchronized (changes) {
                        changes.reset(); // a follower gathers nothing: a leader starts with a full pass anyway
                    }
                    Thread.sleep(tick.toMillis());
                    continue;
                }
                long term = store.term();
                if (term != leadingTerm) {
                    leadingTerm = term;
                    dispatcher.becameLeader();
                    synchronized (changes) {
                        changes.reset(); // another leader decided meanwhile: look at everything once
                    }
                    LOG.info("leading in term {}: control loop resumes, nodes get a fresh grace period", term);
                }
                store.awaitIndex(seen, tick);
                seen = store.state().index();
                if (iterate()) {
                    // Something changed: look again at once, not after the next tick, unless the
                    // decisions never converge (a bug that would flood the log): then pace them.
                    busy++;
                    seen = busy < MAX_BUSY_ITERATIONS ? -1 : seen;
                    if (busy == MAX_BUSY_ITERATIONS) {
                        LOG.warn("{} passes in a row changed the state; pacing the loop to one pass per tick", busy);
                    }
                } else {
                    busy = 0;
                }
            } catch (InterruptedException e) {
                return; // only close() interrupts this thread
            } catch (RuntimeException e) {
                LOG.warn("control loop iteration failed; retrying: {}", e.toString(), e);
                sleepQuietly();
            }
        }
    }

    /** One pass; returns true if it submitted anything. */
    boolean iterate() throws InterruptedException {
        int submitted = dispatcher.checkLiveness().size();
        if (!orchestrate) {
            return submitted > 0;
        }
        ReconcileScope scope = ReconcileScope.all();
        long nowNanos = System.nanoTime();
        synchronized (changes) { // drained before the state is read: a change never falls between the two
            ReconcileScope changed = changes.drain();
            if (incremental && nowNanos - lastFullPassNanos < fullPassSpacingNanos) {
                scope = changed;
            }
        }
        if (scope.everything()) {
            lastFullPassNanos = nowNanos;
        }
        long startNanos = System.nanoTime();
        Orchestrator.Pass pass = orchestrator.pass(store.state(), clock.instant(), scope);
        List<Command> decided = pass.commands();
        if (!pass.deferred().isEmpty()) {
            synchronized (changes) { // slots left empty by the bound on creations: the next pass fills them
                changes.carry(pass.deferred());
            }
        }
        long reconcileMillis = (System.nanoTime() - startNanos) / 1_000_000;
        if (scope.everything()) {
            fullPassSpacingNanos = Math.max(FULL_PASS_INTERVAL.toNanos(), FULL_PASS_SPACING * (System.nanoTime() - startNanos));
        }
        if (reconcileMillis > 500) {
            LOG.info("reconcile pass over {} took {} ms", scope, reconcileMillis);
        }
        submitted += submitAll(decided);
        submitted += submitAll(scheduler.place(store.state(), clock.instant()));
        return submitted > 0;
    }

    /**
     * Submits the commands in order, each split into bounded entries ({@link CommandBatches}); the
     * parts of one command are pipelined (up to {@value #PIPELINED_PARTS} in flight), and every part
     * is applied before the next command and before this returns.
     */
    private int submitAll(List<Command> commands) throws InterruptedException {
        ClusterState state = null;
        for (Command command : commands) {
            java.util.ArrayDeque<java.util.concurrent.CompletableFuture<ClusterState>> inFlight = new java.util.ArrayDeque<>();
            for (Command part : CommandBatches.split(command)) {
                if (inFlight.size() >= PIPELINED_PARTS) {
                    state = Submissions.await(inFlight.poll());
                }
                inFlight.add(store.submit(part));
            }
            while (!inFlight.isEmpty()) {
                state = Submissions.await(inFlight.poll());
            }
        }
        if (state != null) {
            LOG.debug("applied {} commands, state index {}", commands.size(), state.index());
        }
        return commands.size();
    }

    private void sleepQuietly() {
        try {
            Thread.sleep(tick.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            running = false;
        }
    }

    @Override
    public void close() {
        Thread current;
        synchronized (this) {
            running = false;
            current = thread;
            thread = null;
        }
        if (current != null) {
            current.interrupt();
            try {
                current.join(5_000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }
}
