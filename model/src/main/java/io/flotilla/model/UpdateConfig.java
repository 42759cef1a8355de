package io.flotilla.model;

import java.time.Duration;

/** deploy.update_config and deploy.rollback_config, with Swarm's defaults. */
public record UpdateConfig(int parallelism, Duration delay, String failureAction, Duration monitor,
                           double maxFailureRatio, String order) {
    public static final UpdateConfig DEFAULT = new UpdateConfig(1, Duration.ZERO, "pause", Duration.ofSeconds(5), 0, "stop-first");

    public UpdateConfig {
        Checks.nonNegative(parallelism, "parallelism");
        delay = delay == null ? Duration.ZERO : delay;
        failureAction = failureAction == null ? "pause" : failureAction;
        monitor = monitor == null ? Duration.ofSeconds(5) : monitor;
        order = order == null ? "stop-first" : order;
    }
}
