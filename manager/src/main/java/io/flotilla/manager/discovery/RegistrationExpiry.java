package io.flotilla.manager.discovery;

import io.flotilla.model.Command;
import io.flotilla.model.Registration;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.List;
import java.util.Optional;

/** The leader's verdict on self-registrations (pure): those not renewed within their TTL expire. */
public final class RegistrationExpiry {
    public static final String EXPIRED = "expired";

    private RegistrationExpiry() {}

    public static Optional<Command> verdict(ClusterState state, Renewals renewals, Instant now) {
        List<String> expired = state.registrations().all().stream()
                .filter(r -> renewals.lastSeen(r.id(), r.registeredAt()).plus(r.ttl()).isBefore(now))
                .map(Registration::id)
                .sorted()
                .toList();
        return expired.isEmpty() ? Optional.empty() : Optional.of(new Command.DeregisterEndpoints(expired, EXPIRED, now));
    }
}
