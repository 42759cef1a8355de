package io.flotilla.agent.health;

/** The outcome of one health check run: passed (exit 0) or not, with what it printed. */
public record HealthCheckResult(boolean passed, String output) {}
