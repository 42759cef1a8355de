package io.flotilla.manager.loops;

import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.model.Command;
import io.flotilla.scheduler.ChangeTracker;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.ReconcileScope;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.List;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The leader's decisions, one step at a time: judge node liveness, reconcile (specs → tasks) and
 * place (tasks → nodes) — the three phases of a pass. No thread, no I/O, no clock of its own: the
 * state, the instant and what the log changed come with each {@link #step}; the heartbeats with
 * the dispatcher's rules it shares ({@link DispatchRules}), which record them as agents call.
 * {@link LeaderLoop} is the thread that drives it on the Raft store; the manager simulation drives
 * the same core on a fake clock (Kafka's {@code KafkaRaftClientDriver} around {@code poll()}).
 *
 * <p>A driver steps until a step ends the pass, submitting each step's commands and waiting until
 * they are applied before the next step. Each step decides the next phase that has something to
 * do, on the state it is given — so a phase decides on a state that holds what the phase before it
 * submitted, and the orchestrator never sees a state without the tasks it just created (it would
 * create them twice). A pass cut short (a submission failed) goes on from the next phase, on the
 * state as it is then.
 *
 * <p>Reconcile passes are incremental: each looks only at the services, slots and nodes the log
 * changed since the previous one (the {@code changed} scopes given to the steps, gathered by a
 * {@link ChangeTracker} on the log), so a deploy of a million replicas costs each pass what changed,
 * not a walk over a million slots. A full pass runs when the core starts leading, whenever a step
 * is given {@link ReconcileScope#all()} (a snapshot was loaded, or the driver has no change feed),
 * and every {@link #FULL_PASS_INTERVAL} (or {@value #FULL_PASS_SPACING} times the last full pass's
 * duration, if longer) — the level-triggered safety net. A pass creates a bounded number of tasks:
 * the slots it leaves empty are carried into the next scope.
 *
 * <p>Not thread-safe: one driver steps it and tells it when it leads. The dispatcher's rules it
 * shares are thread-safe (request threads record heartbeats while a step judges them).
 */
public final class LeaderCore {
    private static final Logger LOG = LoggerFactory.getLogger(LeaderCore.class);
    /** How often (at least this far apart) the orchestrator looks at everything even though the log says little changed. */
    static final Duration FULL_PASS_INTERVAL = Duration.ofSeconds(30);
    /**
     * A full pass also waits this many times as long as the last one took: at a million tasks a
     * full pass takes seconds, and the safety net must not become most of the loop's work.
     */
    static final int FULL_PASS_SPACING = 20;
    private static final Duration SLOW_PASS = Duration.ofMillis(500);

    /** The phases of a pass, in order. */
    public enum Phase {
        /** Nodes not heard of for too long go DOWN, their tasks ORPHANED ({@link DispatchRules#verdicts}). */
        LIVENESS,
        /** Specs → tasks ({@link Orchestrator}). */
        RECONCILE,
        /** Unassigned tasks → nodes ({@link Scheduler}). */
        PLACE
    }

    /**
     * What one step decided.
     *
     * @param phase    the phase that decided the commands (the last phase when none did)
     * @param commands to submit, in order, each applied before the next step
     * @param passDone true when this step ended the pass: the next step starts a new one
     */
    public record Step(Phase phase, List<Command> commands, boolean passDone) {
        public Step {
            commands = List.copyOf(commands);
        }
    }

    private final DispatchRules rules;
    private final Orchestrator orchestrator;
    private final Scheduler scheduler;
    private final InstantSource clock;
    private final List<Phase> phases;
    /** What the log changed and no reconcile pass has looked at yet: everything, until the first pass. */
    private final ChangeTracker pending = new ChangeTracker();
    private int next;
    private Instant lastFullPass;
    private Duration fullPassSpacing = FULL_PASS_INTERVAL;

    /**
     * @param rules        the dispatcher's rules, whose heartbeats the liveness phase judges
     * @param clock        only times the reconcile passes (it spaces the full ones); decisions use the steps' instant
     * @param orchestrate  false: only liveness is judged; no reconcile, no placement (for tests that drive tasks by hand)
     */
    public LeaderCore(DispatchRules rules, Orchestrator orchestrator, Scheduler scheduler, InstantSource clock,
                      boolean orchestrate) {
        this.rules = Objects.requireNonNull(rules, "rules");
        this.orchestrator = Objects.requireNonNull(orchestrator, "orchestrator");
        this.scheduler = Objects.requireNonNull(scheduler, "scheduler");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.phases = orchestrate ? List.of(Phase.values()) : List.of(Phase.LIVENESS);
    }

    /** The dispatcher's rules this core judges liveness with. */
    public DispatchRules rules() {
        return rules;
    }

    /**
     * This manager leads from {@code now} (again): every node gets a fresh grace period
     * ({@link DispatchRules#lead}), and the next step starts a pass that looks at everything —
     * another leader decided meanwhile.
     */
    public void lead(Instant now) {
        rules.lead(now);
        pending.reset();
        next = 0;
    }

    /**
     * Decides the next phase of the pass that has something to do on {@code state} at {@code now}.
     *
     * @param changed what the log changed since the previous step ({@link ReconcileScope#all()}: unknown)
     */
    public Step step(ClusterState state, Instant now, ReconcileScope changed) {
        pending.carry(changed); // kept until a reconcile pass looks at it
        while (next < phases.size()) {
            Phase phase = phases.get(next++);
            List<Command> commands = switch (phase) {
                case LIVENESS -> rules.verdicts(state, now);
                case RECONCILE -> reconcile(state, now);
                case PLACE -> scheduler.place(state, now);
            };
            if (!commands.isEmpty()) {
                boolean done = next == phases.size();
                next = done ? 0 : next;
                return new Step(phase, commands, done);
            }
        }
        next = 0;
        return new Step(phases.getLast(), List.of(), true);
    }

    private List<Command> reconcile(ClusterState state, Instant now) {
        ReconcileScope scope = pending.drain();
        if (fullPassDue(now)) {
            scope = ReconcileScope.all();
        }
        if (scope.everything()) {
            lastFullPass = now;
        }
        Instant start = clock.instant();
        Orchestrator.Pass pass = orchestrator.pass(state, now, scope);
        pending.carry(pass.deferred()); // slots left empty by the bound on creations: the next pass fills them
        Duration took = Duration.between(start, clock.instant());
        if (scope.everything()) {
            Duration spaced = took.multipliedBy(FULL_PASS_SPACING);
            fullPassSpacing = spaced.compareTo(FULL_PASS_INTERVAL) > 0 ? spaced : FULL_PASS_INTERVAL;
        }
        if (took.compareTo(SLOW_PASS) > 0) {
            LOG.info("reconcile pass over {} took {} ms", scope, took.toMillis());
        }
        return pass.commands();
    }

    /** Whether the safety net is due: never run, the spacing passed, or the clock went back past the last one. */
    private boolean fullPassDue(Instant now) {
        return lastFullPass == null || now.isBefore(lastFullPass) || !now.isBefore(lastFullPass.plus(fullPassSpacing));
    }
}
