package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.List;

/** STUB: to be written. Unassigned tasks → nodes. Pure: state and now in, commands out. */
public final class Scheduler {
    public List<Command> place(ClusterState state, Instant now) {
        return List.of();
    }
}
