package io.flotilla.model;

import java.time.Duration;
import java.util.List;

/**
 * A compose healthcheck. {@code test} keeps the compose form: {@code ["CMD", prog, args…]},
 * {@code ["CMD-SHELL", "command"]} or {@code ["NONE"]}. Defaults follow Docker: 30 s interval,
 * 30 s timeout, 3 retries, no start period.
 */
public record HealthcheckSpec(List<String> test, Duration interval, Duration timeout, int retries,
                              Duration startPeriod, Duration startInterval) {
    public static final Duration DEFAULT_INTERVAL = Duration.ofSeconds(30);
    public static final Duration DEFAULT_TIMEOUT = Duration.ofSeconds(30);
    public static final int DEFAULT_RETRIES = 3;

    public HealthcheckSpec {
        test = Checks.list(test);
        interval = interval == null ? DEFAULT_INTERVAL : interval;
        timeout = timeout == null ? DEFAULT_TIMEOUT : timeout;
        retries = retries <= 0 ? DEFAULT_RETRIES : retries;
        startPeriod = startPeriod == null ? Duration.ZERO : startPeriod;
        startInterval = startInterval == null ? Duration.ofSeconds(5) : startInterval;
    }

    /** True when the check is switched off ({@code disable: true} or {@code test: ["NONE"]}). */
    public boolean disabled() {
        return test.isEmpty() || "NONE".equals(test.getFirst());
    }
}
