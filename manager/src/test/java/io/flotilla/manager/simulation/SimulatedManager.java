package io.flotilla.manager.simulation;

import io.flotilla.manager.loops.LeaderCore;
import io.flotilla.model.Command;
import io.flotilla.scheduler.ChangeTracker;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One manager replica of the simulation: a Raft log reduced to what the invariants need (term,
 * log, commit index, role; the log and term survive a crash, the rest does not), the state it
 * applied from the committed prefix with the real {@link StateMachine}, and the manager process's
 * real {@link LeaderCore} — its heartbeats and pass state in memory, lost with a crash — fed what
 * each applied entry changed, as the leader loop's change feed does.
 */
final class SimulatedManager {
    enum Role { FOLLOWER, LEADER }

    /** A log entry; {@code command} null is the no-op a new leader appends to commit its term. */
    record Entry(long term, Command command, long id) {}

    final String id;
    boolean up = true;
    long term;
    Role role = Role.FOLLOWER;
    final List<Entry> log = new ArrayList<>();
    int commitIndex; // entries [0, commitIndex) are committed
    int appliedIndex;
    ClusterState state = ClusterState.EMPTY;
    /** Leader only: how far each peer's log matches ours. */
    final Map<String, Integer> matchIndex = new HashMap<>();
    int noOpIndex = -1;
    long lastHeardStep;
    long lastMajorityContactStep;
    int electionTimeoutSteps;
    /** The process's leader core (made when the process starts); it decides while this replica leads. */
    LeaderCore core;
    /** What the applied entries changed since the core's last step (the loop's change feed). */
    final ChangeTracker changes = new ChangeTracker();
    /**
     * For the lease invariant, kept by the simulation (not read from the core): when this replica
     * last became leader, and when, since then, it last answered each node's round.
     */
    Instant leadingSince;
    final Map<String, Instant> answered = new HashMap<>();

    SimulatedManager(String id, LeaderCore core) {
        this.id = id;
        this.core = core;
    }

    boolean isLeader() {
        return up && role == Role.LEADER;
    }

    /** A leader is ready (dispatches, decides) once the no-op of its term is committed and applied. */
    boolean isReadyLeader() {
        return isLeader() && noOpIndex >= 0 && commitIndex > noOpIndex && appliedIndex == commitIndex;
    }

    /**
     * Caught up with itself: every entry it appended is applied, so it never decides twice on one
     * state (the real loop waits for every submission, and after a failed one for a barrier entry).
     */
    boolean caughtUp() {
        return isReadyLeader() && commitIndex == log.size();
    }

    long lastLogTerm() {
        return log.isEmpty() ? 0 : log.getLast().term();
    }

    /** Elected: the core leads from now (every node gets a fresh grace period; the next pass looks at everything). */
    void becomeLeader(long step, Instant now) {
        role = Role.LEADER;
        matchIndex.clear();
        lastMajorityContactStep = step;
        leadingSince = now;
        answered.clear();
        core.lead(now);
        changes.reset();
        noOpIndex = log.size();
        log.add(new Entry(term, null, -1));
    }

    void stepDown(long newTerm) {
        term = Math.max(term, newTerm);
        role = Role.FOLLOWER;
        noOpIndex = -1;
    }

    /** The process dies: everything but the log and the term is gone, its core with it. */
    void crash() {
        up = false;
        role = Role.FOLLOWER;
        core = null;
        noOpIndex = -1;
        commitIndex = 0; // volatile: learnt again from the leader
        appliedIndex = 0;
        state = ClusterState.EMPTY;
        changes.reset();
        leadingSince = null;
        answered.clear();
    }

    /** The process starts again, with a new core. */
    void restart(LeaderCore newCore, long step) {
        up = true;
        core = newCore;
        lastHeardStep = step;
    }

    /** Applies newly committed entries with the real state machine, telling the change feed what each changed. */
    void applyCommitted() {
        while (appliedIndex < commitIndex) {
            Entry entry = log.get(appliedIndex);
            appliedIndex++;
            if (entry.command() != null) {
                StateMachine.Applied applied = StateMachine.applyWithChanges(state, appliedIndex, entry.command());
                state = applied.state();
                changes.applied(applied.changes(), state);
            }
        }
    }

    /** One step of the real leader core on this replica's state (a caught-up leader only). */
    LeaderCore.Step leaderStep(Instant now) {
        return core.step(state, now, changes.drain());
    }
}
