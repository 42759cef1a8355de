package io.flotilla.manager.simulation;

import io.flotilla.manager.dispatcher.Heartbeats;
import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * One manager replica of the simulation: a Raft log reduced to what the invariants need (term,
 * log, commit index, role; the log and term survive a crash, the rest does not) and the state it
 * applied from the committed prefix with the real {@link StateMachine}. Leaders keep their
 * dispatcher's heartbeats in memory, as the real one does.
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
    Heartbeats heartbeats;

    SimulatedManager(String id) {
        this.id = id;
    }

    boolean isLeader() {
        return up && role == Role.LEADER;
    }

    /** A leader is ready (dispatches, decides) once the no-op of its term is committed and applied. */
    boolean isReadyLeader() {
        return isLeader() && noOpIndex >= 0 && commitIndex > noOpIndex && appliedIndex == commitIndex;
    }

    /** Caught up with itself: every entry it appended is applied, so it never decides twice on one state. */
    boolean caughtUp() {
        return isReadyLeader() && commitIndex == log.size();
    }

    long lastLogTerm() {
        return log.isEmpty() ? 0 : log.getLast().term();
    }

    void becomeLeader(long step, Instant now) {
        role = Role.LEADER;
        matchIndex.clear();
        lastMajorityContactStep = step;
        heartbeats = new Heartbeats(now); // a new leader grants every node a fresh grace period
        noOpIndex = log.size();
        log.add(new Entry(term, null, -1));
    }

    void stepDown(long newTerm) {
        term = Math.max(term, newTerm);
        role = Role.FOLLOWER;
        heartbeats = null;
        noOpIndex = -1;
    }

    void crash() {
        up = false;
        role = Role.FOLLOWER;
        heartbeats = null;
        noOpIndex = -1;
        commitIndex = 0; // volatile: learnt again from the leader
        appliedIndex = 0;
        state = ClusterState.EMPTY;
    }

    /** Applies newly committed entries with the real state machine. */
    void applyCommitted() {
        while (appliedIndex < commitIndex) {
            Entry entry = log.get(appliedIndex);
            appliedIndex++;
            if (entry.command() != null) {
                state = StateMachine.apply(state, appliedIndex, entry.command());
            }
        }
    }
}
