package io.flotilla.manager.loops;

import io.flotilla.manager.raft.ChangeFeed;
import io.flotilla.manager.raft.ClusterStateMachine;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.CommandBatches;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.scheduler.ChangeTracker;
import io.flotilla.scheduler.ReconcileScope;
import io.flotilla.state.Changes;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayDeque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's one control loop, on one thread: the driver of {@link LeaderCore}, which makes every
 * decision. While this manager leads, it waits for a state change or a tick, then steps the core
 * through a pass (liveness, reconcile, place), submitting each step's commands and waiting until
 * they are applied before the next step. It tells the core when leadership starts (a new term) and
 * what the log changed, from the store's {@link ChangeFeed} (each entry's {@link Changes}, gathered
 * by a {@link ChangeTracker}); without a feed every pass is a full one.
 *
 * <p>An iteration that fails is logged and retried on the next tick; nothing stops the loop but
 * {@link #close}. A submission that failed may still commit (a timeout, a leader whose log is
 * stuck): it stays in the leader's log and commits with the next entry. So after a failure the loop
 * decides again only once a {@link #BARRIER} it submitted is applied: every entry it submitted
 * before (one Raft client lane, ordered) is then applied or gone, and the next pass sees it. Without
 * that a pass re-decided on a state without its own last decision: a slot filled twice (the chaos
 * run saw a fenced slot run two tasks this way).
 */
public final class LeaderLoop implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderLoop.class);
    private static final int MAX_BUSY_ITERATIONS = 100;
    private static final int PIPELINED_PARTS = 8;
    /**
     * An entry that changes nothing (every manager version applies it so), submitted after a failed
     * submission: once it is applied, so is everything the loop submitted before it.
     */
    static final Command BARRIER = new Command.DeleteTasks(List.of());

    private final ClusterStore store;
    private final LeaderCore core;
    private final InstantSource clock;
    private final Duration tick;
    private volatile boolean running;
    private Thread thread;
    /** What changed since the last step; guarded by itself (fed on the apply thread, drained here). */
    private final ChangeTracker changes = new ChangeTracker();
    /** The manager's id, submitted in a LeaderChanged when it takes office; null: not announced (tests). */
    private volatile String announceAs;
    /** The last term announced (by {@link #announceNow} or the loop's thread). */
    private volatile long announcedTerm = -1;
    /** False when the store has no change feed: then every pass is a full one. */
    private final boolean incremental;
    /** Where passes and placements are counted ({@code flotilla_leader_*}); none until given. */
    private volatile Meters meters;
    /** A submission of this loop failed and may still commit: the next pass waits for a {@link #BARRIER}. */
    private boolean unsettled;
    /**
     * The term this loop decides in (the loop's thread only): every decision is submitted fenced by it
     * ({@link ClusterStore#submitInTerm}), so that no other leader appends it.
     */
    private long leadingTerm = -1;

    /** The loop's meters: the time of each pass that submitted or not, and the tasks it placed. */
    public record Meters(io.micrometer.core.instrument.Timer pass, io.micrometer.core.instrument.Counter placed) {}

    /**
     * @param feed  the store's applied log ({@link ChangeFeed#NONE}: none, every pass is full)
     * @param clock the instant each step decides at
     */
    public LeaderLoop(ClusterStore store, LeaderCore core, ChangeFeed feed, InstantSource clock, Duration tick) {
        this.store = Objects.requireNonNull(store, "store");
        this.core = Objects.requireNonNull(core, "core");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.tick = Objects.requireNonNull(tick, "tick");
        this.incremental = Objects.requireNonNull(feed, "feed") != ChangeFeed.NONE;
        feed.addApplyListener(new ClusterStateMachine.ApplyListener() {
            @Override
            public void applied(ClusterState before, Changes changed, ClusterState after) {
                synchronized (changes) {
                    changes.applied(changed, after);
                }
            }

            @Override
            public void reset(ClusterState state) {
                synchronized (changes) {
                    changes.reset();
                }
            }
        });
    }

    /**
     * On every new term it leads, this loop first submits {@code LeaderChanged(leaderId, term)}: the
     * {@code leader.changed} event of the history (docs/api.md, Events), one small entry per term.
     */
    public void announce(String leaderId) {
        this.announceAs = leaderId;
    }

    /**
     * Announces the current term now if this manager leads it, before the loop starts: the
     * manager's start then returns with the entry applied, not with it racing the first requests.
     */
    public void announceNow() throws InterruptedException {
        if (store.isLeader()) {
            try {
                announceTerm(store.term());
            } catch (RuntimeException e) {
                LOG.warn("could not record this manager's leadership: {}", e.toString()); // the manager starts anyway
            }
        }
    }

    private void announceTerm(long term) throws InterruptedException {
        String self = announceAs;
        if (self != null && term != announcedTerm) {
            announcedTerm = term; // once per term, even if this entry fails (leadership is then lost anyway)
            submitAll(List.of(new Command.LeaderChanged(self, term, clock.instant())), term);
        }
    }

    /** Records every pass in {@code loopMeters} from now on. */
    public void meters(Meters loopMeters) {
        this.meters = loopMeters;
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
        leadingTerm = store.isLeader() ? store.term() : -1; // the rules granted this term's grace at the manager's start
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
                    core.lead(clock.instant());
                    synchronized (changes) {
                        changes.reset(); // another leader decided meanwhile: look at everything once
                    }
                    LOG.info("leading in term {}: control loop resumes, nodes get a fresh grace period", term);
                }
                announceTerm(term); // also the term it led from its start in, unless announceNow did
                if (unsettled) {
                    settle();
                }
                store.awaitIndex(seen, tick);
                seen = store.state().index();
                long began = System.nanoTime();
                boolean submitted = pass();
                Meters current = meters;
                if (current != null) {
                    current.pass().record(System.nanoTime() - began, java.util.concurrent.TimeUnit.NANOSECONDS);
                }
                if (submitted) {
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
                unsettled = true; // across terms too: a lane's retry may append the entry in a later term
                logFailure(leadingTerm, store.isLeader() ? store.term() : -1, e);
                sleepQuietly();
            }
        }
    }

    /**
     * How a failed pass is logged: when this manager no longer leads the term the loop decided in
     * ({@code ledTerm}: the term it leads now, -1 when it leads none; Ratis may step a leader down
     * within its term), the fence refused the loop's decisions (nothing appended), which is
     * expected: one line, no stack trace; any other failure as a warning with its trace.
     */
    static void logFailure(long leadingTerm, long ledTerm, RuntimeException e) {
        if (ledTerm != leadingTerm) {
            LOG.info("control loop's decisions of term {} refused, this manager {}: {}", leadingTerm,
                    ledTerm < 0 ? "leads no term now" : "leads term " + ledTerm + " now", e.toString());
        } else {
            LOG.warn("control loop iteration failed; retrying once what it submitted is decided: {}", e.toString(), e);
        }
    }

    /**
     * Waits until everything this loop submitted before is applied or gone: submits a
     * {@link #BARRIER} and waits for it (a failure leaves the loop unsettled, and it tries again).
     */
    private void settle() throws InterruptedException {
        long before = store.state().index();
        submitAll(List.of(BARRIER), -1); // changes nothing: any leader may append it
        unsettled = false;
        LOG.info("control loop settled after a failed submission: applied up to index {} (was {}) before deciding again",
                store.state().index(), before);
    }

    /** One pass of the core, step by step, in the term the loop leads; returns true if it submitted anything. */
    boolean pass() throws InterruptedException {
        if (leadingTerm < 0) {
            leadingTerm = store.term(); // a test's pass without the loop's thread
        }
        boolean submitted = false;
        LeaderCore.Step step;
        do {
            ReconcileScope changed;
            synchronized (changes) { // drained before the state is read: a change never falls between the two
                changed = incremental ? changes.drain() : ReconcileScope.all();
            }
            step = core.step(store.state(), clock.instant(), changed);
            if (step.phase() == LeaderCore.Phase.LIVENESS) {
                for (Command command : step.commands()) {
                    if (command instanceof Command.SetNodeStates down) {
                        down.changes().forEach(change -> LOG.warn("node {} is down: {}", change.nodeId(), change.message()));
                    }
                }
            }
            submitAll(step.commands(), leadingTerm);
            submitted |= !step.commands().isEmpty();
            if (step.phase() == LeaderCore.Phase.PLACE) {
                countPlaced(step.commands());
                logFencedPlacements(step.commands());
            }
        } while (!step.passDone());
        return submitted;
    }

    /**
     * Every placement of a fenced task, with the term and the task's slot: rare, and what tells
     * afterwards which leader placed each copy when a slot ran two (the chaos run saw one).
     */
    private void logFencedPlacements(List<Command> commands) {
        for (Command command : commands) {
            if (command instanceof Command.AssignTasks assign) {
                for (Command.Assignment assignment : assign.assignments()) {
                    if (assignment.allocation().fenced()) {
                        String task = store.state().task(assignment.taskId()).map(io.flotilla.model.Task::displayName).orElse("?");
                        LOG.info("fenced task {} ({}) placed on node {} in term {}", assignment.taskId(), task,
                                assignment.nodeId(), store.term());
                    }
                }
            }
        }
    }

    private void countPlaced(List<Command> commands) {
        Meters current = meters;
        if (current == null) {
            return;
        }
        for (Command command : commands) {
            if (command instanceof Command.AssignTasks assign) {
                current.placed().increment(assign.assignments().size());
            }
        }
    }

    /**
     * Submits the commands in order, each split into bounded entries ({@link CommandBatches}: a
     * verdict on a node of 20,000 tasks is ~4 MB in one entry, Ratis' appender limit); the parts of
     * one command are pipelined (up to {@value #PIPELINED_PARTS} in flight), and every part is
     * applied before the next command and before this returns. Each is fenced by {@code term} (&lt; 0: none):
     * a leader of another term refuses it, and the pass fails.
     */
    private void submitAll(List<Command> commands, long term) throws InterruptedException {
        ClusterState state = null;
        for (Command command : commands) {
            ArrayDeque<CompletableFuture<ClusterState>> inFlight = new ArrayDeque<>();
            for (Command part : CommandBatches.split(command)) {
                if (inFlight.size() >= PIPELINED_PARTS) {
                    state = Submissions.await(inFlight.poll());
                }
                inFlight.add(term < 0 ? store.submit(part) : store.submitInTerm(part, term));
            }
            while (!inFlight.isEmpty()) {
                state = Submissions.await(inFlight.poll());
            }
        }
        if (state != null) {
            LOG.debug("applied {} commands, state index {}", commands.size(), state.index());
        }
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
