package io.flotilla.model.api;

import io.flotilla.model.Service;

/** A service with its task counts, for {@code service ls}. */
public record ServiceSummary(Service service, int running, int desired) {}
