package io.flotilla.model;

import java.time.Duration;

/**
 * deploy.restart_policy. {@code condition}: {@code none}, {@code on-failure} or {@code any}
 * (default). The first restart is immediate; later ones back off exponentially from {@code delay}
 * (doubling, capped at {@link #MAX_BACKOFF}). {@code maxAttempts} null means unlimited; restarts
 * older than {@code window} (when set) do not count against it.
 */
public record RestartPolicy(String condition, Duration delay, Integer maxAttempts, Duration window) {
    public static final String ANY = "any";
    public static final String ON_FAILURE = "on-failure";
    public static final String NONE = "none";
    public static final Duration DEFAULT_DELAY = Duration.ofSeconds(5);
    public static final Duration MAX_BACKOFF = Duration.ofMinutes(5);
    public static final RestartPolicy DEFAULT = new RestartPolicy(ANY, DEFAULT_DELAY, null, null);

    public RestartPolicy {
        condition = condition == null ? ANY : condition;
        if (!condition.equals(ANY) && !condition.equals(ON_FAILURE) && !condition.equals(NONE)) {
            throw new IllegalArgumentException("restart condition must be none, on-failure or any: " + condition);
        }
        delay = delay == null ? DEFAULT_DELAY : delay;
    }
}
