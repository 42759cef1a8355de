package io.flotilla.scheduler;

import io.flotilla.model.RestartPolicy;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.time.Duration;
import java.time.Instant;

/**
 * The restart policy as pure functions of the ended task (Swarm's restart supervisor, without its
 * timers: the delay becomes the replacement's {@code notBefore}, which the scheduler honours).
 *
 * <ul>
 *   <li>ORPHANED (node lost) and SHUTDOWN (stopped by the system, not by the workload) are always
 *       replaced at once, whatever the condition, and do not count as restarts: it was not the
 *       task's fault. A SHUTDOWN the orchestrator asked for (scale down, update, drain) never
 *       reaches here, because only tasks still desired RUNNING are supervised — except through
 *       an empty slot, where replacing it is what we want anyway.</li>
 *   <li>{@code any} restarts COMPLETE, FAILED and REJECTED; {@code on-failure} restarts FAILED,
 *       REJECTED and COMPLETE with a non-zero exit code; {@code none} restarts nothing.</li>
 *   <li>Backoff: the first restart is immediate, then delay, 2×delay, 4×delay …, capped at
 *       {@link RestartPolicy#MAX_BACKOFF}.</li>
 *   <li>Window: a task that ran for at least {@code window} (10 s when no window is set) resets the
 *       counter, so backoff starts over and {@code maxAttempts} counts restarts within the
 *       window. We do not keep the instant a task became RUNNING (its status is overwritten when
 *       it ends), so the run time is approximated as the terminal status timestamp minus the
 *       task's start eligibility: {@code max(createdAt, notBefore)}. This over-estimates by the
 *       time spent pending and starting, which only makes a reset slightly more likely.</li>
 *   <li>{@code maxAttempts} null or 0 means unlimited (0 is "ignored" in SwarmKit too).</li>
 * </ul>
 * The decision depends only on the task (and {@code now} for {@code notBefore}), so a slot whose
 * newest task was refused a restart stays empty on every later pass: no churn.
 */
final class RestartSupervisor {
    /** How long a task must have run to reset its restart counter when the policy sets no window. */
    static final Duration DEFAULT_WINDOW = Duration.ofSeconds(10);

    private RestartSupervisor() {}

    static RestartDecision decide(Task ended, Instant now) {
        TaskState state = ended.state();
        if (!state.isTerminal()) {
            throw new IllegalArgumentException("task " + ended.id() + " has not ended: " + state);
        }
        if (state == TaskState.ORPHANED || state == TaskState.SHUTDOWN) {
            return new RestartDecision(true, ended.restartCount(), null, "replaced after " + state.displayName());
        }
        RestartPolicy policy = ended.spec().restartPolicy();
        if (!conditionAllows(policy.condition(), ended)) {
            return RestartDecision.no("restart condition " + policy.condition() + " does not restart a task that ended "
                    + state.displayName() + exitText(ended));
        }
        int previous = ranLongEnough(ended, policy.window()) ? 0 : ended.restartCount();
        Integer maxAttempts = policy.maxAttempts();
        if (maxAttempts != null && maxAttempts > 0 && previous >= maxAttempts) {
            return RestartDecision.no("gave up after " + previous + " restarts (max_attempts " + maxAttempts + ")");
        }
        int count = previous + 1;
        Duration backoff = backoff(count, policy.delay());
        return new RestartDecision(true, count, backoff.isZero() ? null : now.plus(backoff),
                "restart " + count + " after " + backoff);
    }

    static boolean conditionAllows(String condition, Task ended) {
        return switch (condition) {
            case RestartPolicy.ANY -> true;
            case RestartPolicy.NONE -> false;
            case RestartPolicy.ON_FAILURE -> ended.state() == TaskState.FAILED || ended.state() == TaskState.REJECTED
                    || (ended.state() == TaskState.COMPLETE && ended.status().exitCode() != null
                    && ended.status().exitCode() != 0);
            default -> throw new IllegalArgumentException("unknown restart condition " + condition);
        };
    }

    /** The wait before restart number {@code restartCount} (1-based): 0, delay, 2×delay, 4×delay … capped. */
    static Duration backoff(int restartCount, Duration delay) {
        if (restartCount <= 1 || delay.isZero() || delay.isNegative()) {
            return Duration.ZERO;
        }
        Duration wait = delay;
        for (int i = 2; i < restartCount && wait.compareTo(RestartPolicy.MAX_BACKOFF) < 0; i++) {
            wait = wait.multipliedBy(2);
        }
        return wait.compareTo(RestartPolicy.MAX_BACKOFF) > 0 ? RestartPolicy.MAX_BACKOFF : wait;
    }

    static boolean ranLongEnough(Task ended, Duration window) {
        Duration needed = window == null ? DEFAULT_WINDOW : window;
        Duration ran = approximateRunTime(ended);
        return ran != null && ran.compareTo(needed) >= 0;
    }

    /**
     * How long an ended task ran, approximated (see the class comment) as its terminal status
     * timestamp minus {@code max(createdAt, notBefore)}; null when unknown.
     */
    static Duration approximateRunTime(Task ended) {
        Instant started = ended.createdAt();
        if (ended.notBefore() != null && (started == null || ended.notBefore().isAfter(started))) {
            started = ended.notBefore();
        }
        return started == null ? null : Duration.between(started, ended.status().timestamp());
    }

    private static String exitText(Task ended) {
        return ended.status().exitCode() == null ? "" : " (exit code " + ended.status().exitCode() + ")";
    }
}
