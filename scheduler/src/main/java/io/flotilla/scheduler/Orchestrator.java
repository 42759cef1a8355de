package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.List;
import java.util.function.Supplier;

/** STUB: to be written. Specs → tasks. Pure: state and now in, commands out. */
public final class Orchestrator {
    public Orchestrator(Supplier<String> taskIds) {
    }

    public List<Command> reconcile(ClusterState state, Instant now) {
        return List.of();
    }
}
