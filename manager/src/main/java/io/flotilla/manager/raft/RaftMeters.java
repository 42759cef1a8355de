package io.flotilla.manager.raft;

import io.flotilla.manager.metrics.MeterGroup;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Timer;

/**
 * A manager's Raft peer in its node's metrics ({@code flotilla_raft_*}, docs/metrics.md): gauges
 * read from the peer at scrape time (term, commit and applied index, log size, leadership), and
 * what the state machine records as it goes (apply latency, snapshot time, leader changes seen).
 */
public record RaftMeters(Timer apply, Timer snapshot, Counter leaderChanges) {

    /** Registers the peer's meters in {@code group} and has its state machine record in them. */
    public static RaftMeters register(MeterGroup group, RaftClusterStore store) {
        group.gauge("flotilla.raft.term", "The Raft term this manager is in", store, RaftClusterStore::term);
        group.gauge("flotilla.raft.commit.index", "The highest log index known committed", store,
                RaftClusterStore::commitIndex);
        group.gauge("flotilla.raft.applied.index", "The highest log index applied to the cluster state", store,
                RaftClusterStore::appliedIndex);
        group.gauge("flotilla.raft.log.entries", "Entries in the Raft log since its last purge (snapshots purge it)",
                store, RaftClusterStore::logEntries);
        group.gauge("flotilla.raft.is.leader", "1 while this manager leads and has applied its whole log, else 0",
                store, s -> s.isLeader() ? 1 : 0);
        RaftMeters meters = new RaftMeters(
                group.timer("flotilla.raft.apply", "Time to apply one log entry to the cluster state"),
                group.timer("flotilla.raft.snapshot", "Time to write one snapshot of the cluster state"),
                group.counter("flotilla.raft.leader.changes", "Leader changes this peer has seen"));
        store.machine().meters(meters);
        return meters;
    }
}
