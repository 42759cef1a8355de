package io.flotilla.manager.simulation;

import io.flotilla.manager.simulation.SimulatedManager.Entry;
import io.flotilla.model.Task;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * The simulation's Raft among the manager replicas, modelled (Ratis itself is tested for real
 * elsewhere), and the safety invariants of its log:
 *
 * <ul>
 *   <li>Election: a manager that heard no leader for its timeout becomes a candidate for term+1;
 *       reachable managers with a lower term adopt the term and vote for it if its log is at least
 *       as up to date as theirs (Raft's election restriction). A majority of all managers makes
 *       it leader; it appends a no-op and becomes ready once that is committed.</li>
 *   <li>Replication: a leader copies its log to reachable followers (a follower with a higher
 *       term makes it step down); an entry of the leader's term is committed once a majority
 *       holds it, and everything before it with it. A leader without a majority for a while steps
 *       down (Ratis' leader lease).</li>
 * </ul>
 * {@link #checkSafety} holds after every step: one leader per term; no acknowledged entry missing
 * from the log of a leader of the same or a later term; every manager's committed prefix is the
 * one committed log; task states only move forward along it.
 */
final class SimulatedRaft {
    static final int LEADER_LEASE_STEPS = 6;

    private final List<SimulatedManager> managers;
    private final MessageRouter router;

    // ---- what the invariants remember ----
    private final Map<Long, String> leaderOfTerm = new HashMap<>();
    /** The committed log as observed so far: committed entries never change. */
    private final List<Entry> committed = new ArrayList<>();
    private ClusterState committedState = ClusterState.EMPTY;
    /** Entries whose commit was acknowledged (to a client, an agent or the leader loop). */
    private final List<Acknowledged> acknowledged = new ArrayList<>();

    /** An entry committed (and so acknowledged) by the leader of {@code term}. */
    record Acknowledged(int index, Entry entry, long term) {}

    SimulatedRaft(List<SimulatedManager> managers, MessageRouter router) {
        this.managers = managers;
        this.router = router;
    }

    /** The state of the committed log (what a client sees without a leader). */
    ClusterState committedState() {
        return committedState;
    }

    void maybeStartElection(SimulatedManager candidate, long step, Instant now) {
        if (!candidate.up || candidate.isLeader() || step - candidate.lastHeardStep < candidate.electionTimeoutSteps) {
            return;
        }
        candidate.term++;
        candidate.lastHeardStep = step;
        int votes = 1;
        for (SimulatedManager voter : managers) {
            if (voter == candidate || !voter.up || !router.deliver(candidate.id, voter.id) || voter.term >= candidate.term) {
                continue;
            }
            voter.stepDown(candidate.term);
            boolean upToDate = candidate.lastLogTerm() > voter.lastLogTerm()
                    || candidate.lastLogTerm() == voter.lastLogTerm() && candidate.log.size() >= voter.log.size();
            if (upToDate && router.deliver(voter.id, candidate.id)) {
                votes++;
                voter.lastHeardStep = step;
            }
        }
        if (votes * 2 > managers.size()) {
            candidate.becomeLeader(step, now);
        }
    }

    void replicate(SimulatedManager leader, long step) {
        int reached = 1;
        for (SimulatedManager follower : managers) {
            if (follower == leader || !follower.up || !router.deliver(leader.id, follower.id)) {
                continue;
            }
            if (follower.term > leader.term) {
                leader.stepDown(follower.term);
                return;
            }
            follower.stepDown(leader.term);
            follower.lastHeardStep = step;
            follower.log.clear();
            follower.log.addAll(leader.log); // AppendEntries, reduced: the leader's log wins
            if (router.deliver(follower.id, leader.id)) {
                leader.matchIndex.put(follower.id, leader.log.size());
                reached++;
            }
        }
        if (reached * 2 > managers.size()) {
            leader.lastMajorityContactStep = step;
        } else if (step - leader.lastMajorityContactStep > LEADER_LEASE_STEPS) {
            leader.stepDown(leader.term);
            return;
        }
        leader.lastHeardStep = step;
        for (int index = leader.log.size(); index > leader.commitIndex; index--) {
            if (leader.log.get(index - 1).term() != leader.term) {
                break; // only entries of its own term are committed by counting (Raft §5.4.2)
            }
            int holders = 1;
            for (Map.Entry<String, Integer> match : leader.matchIndex.entrySet()) {
                if (match.getValue() >= index) {
                    holders++;
                }
            }
            if (holders * 2 > managers.size()) {
                commit(leader, index);
                break;
            }
        }
        for (SimulatedManager follower : managers) {
            if (follower != leader && follower.up && follower.term == leader.term
                    && leader.matchIndex.getOrDefault(follower.id, 0) >= leader.commitIndex
                    && follower.log.size() >= leader.commitIndex) {
                follower.commitIndex = Math.max(follower.commitIndex, leader.commitIndex);
            }
        }
    }

    /** The leader commits up to {@code index}: the entries become part of the one committed log, and are acknowledged. */
    private void commit(SimulatedManager leader, int index) {
        for (int i = 0; i < index; i++) {
            Entry entry = leader.log.get(i);
            if (i < committed.size()) {
                if (!committed.get(i).equals(entry)) {
                    throw new AssertionError("committed entry " + i + " changed: " + committed.get(i) + " → " + entry
                            + " (leader " + leader.id + ", term " + leader.term + ")");
                }
            } else {
                committed.add(entry);
                acknowledged.add(new Acknowledged(i, entry, leader.term));
                if (entry.command() != null) {
                    ClusterState before = committedState;
                    committedState = StateMachine.apply(committedState, i + 1, entry.command());
                    checkForwardOnly(before, committedState, entry);
                }
            }
        }
        leader.commitIndex = index;
    }

    /**
     * After every step: one leader per term; no acknowledged entry missing from the log of a leader
     * of the same or a later term; every manager's committed prefix is the committed log.
     */
    void checkSafety() {
        for (SimulatedManager manager : managers) {
            if (manager.isLeader()) {
                String previous = leaderOfTerm.putIfAbsent(manager.term, manager.id);
                if (previous != null && !previous.equals(manager.id)) {
                    throw new AssertionError("two leaders in term " + manager.term + ": " + previous + " and " + manager.id);
                }
                for (Acknowledged ack : acknowledged) {
                    if (ack.term() > manager.term) {
                        continue; // a stale leader of an older term, cut off: not a later leader
                    }
                    if (ack.index() >= manager.log.size() || !manager.log.get(ack.index()).equals(ack.entry())) {
                        throw new AssertionError("leader " + manager.id + " (term " + manager.term + ") lost acknowledged entry "
                                + ack.index() + ": " + ack.entry());
                    }
                }
            }
            if (manager.up) {
                for (int i = 0; i < manager.commitIndex; i++) {
                    if (i >= committed.size() || !manager.log.get(i).equals(committed.get(i))) {
                        throw new AssertionError(manager.id + " committed entry " + i + " differs from the committed log");
                    }
                }
            }
        }
    }

    private static void checkForwardOnly(ClusterState before, ClusterState after, Entry entry) {
        for (Task task : after.tasks()) {
            Task old = before.task(task.id()).orElse(null);
            if (old != null && (task.state().compareTo(old.state()) < 0 || old.state().isTerminal() && task.state() != old.state())) {
                throw new AssertionError("task " + task.id() + " moved back " + old.state() + " → " + task.state()
                        + " applying " + entry);
            }
        }
    }

    int termsWithALeader() {
        return leaderOfTerm.size();
    }

    long committedEntries() {
        return committed.size();
    }
}
