package io.flotilla.model.api;

import java.time.Duration;

/** The answer to a registration or renewal: the entry's id, the index it was applied at, its ttl. */
public record RegistrationResult(String id, String service, long index, Duration ttl) {}
