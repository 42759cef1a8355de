package io.flotilla.manager.api;

/** One row of {@code GET /v1/stacks}. */
public record StackSummary(String name, int services) {}
