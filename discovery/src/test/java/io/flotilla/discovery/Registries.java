package io.flotilla.discovery;

import io.flotilla.model.Command;
import io.flotilla.model.Registration;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/** A registry fed by applying commands, as the Raft state machine feeds it. */
final class Registries {
    static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");

    final EndpointRegistry registry;
    ClusterState state = ClusterState.EMPTY;
    long index;

    Registries(int history) {
        registry = new EndpointRegistry(history);
    }

    ClusterState apply(Command command) {
        ClusterState before = state;
        StateMachine.Applied applied = StateMachine.applyWithChanges(state, ++index, command);
        state = applied.state();
        registry.applied(before, applied.changes(), state);
        return state;
    }

    static Registration registration(String id, String service, String address, int port, String... tags) {
        return new Registration(id, service, null, address, Map.of("http", port), List.of(tags), Map.of(),
                Duration.ofSeconds(10), T0, null);
    }

    void register(Registration... registrations) {
        apply(new Command.RegisterEndpoints(List.of(registrations)));
    }

    void deregister(String... ids) {
        apply(new Command.DeregisterEndpoints(List.of(ids), "deregistered", T0));
    }
}
