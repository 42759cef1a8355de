package io.flotilla.manager.loops;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;

/**
 * Moved to {@link io.flotilla.manager.raft.CommandBatches}, next to the store whose entries it
 * bounds, so that the dispatcher no longer reaches into the leader loop's package for it. This
 * forwards {@link #submitSplit} for the caller that has yet to move (the cluster's node removal);
 * it goes once that one imports the new place.
 */
public final class CommandBatches {
    private CommandBatches() {}

    public static ClusterState submitSplit(ClusterStore store, Command command) throws InterruptedException {
        return io.flotilla.manager.raft.CommandBatches.submitSplit(store, command);
    }
}
