package io.flotilla.agent.runner;

import io.flotilla.agent.driver.Signals;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.Logger;

/**
 * Ends one task's process gracefully: the template's stop signal to its process group, then
 * SIGKILL to the group after the stop grace period. A task stopped for good (SHUTDOWN) first
 * keeps running for its drain delay, so that the routing mesh no longer sends it requests.
 */
final class TaskStopper {
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);
    /** The container label that sets a task's drain delay ({@link #drainDelay}). */
    static final String DRAIN_DELAY_LABEL = "flotilla.drain_delay";
    /** The drain delay of a task whose service has ports. */
    static final Duration DEFAULT_DRAIN_DELAY = Duration.ofSeconds(1);

    private final Task task;
    private final Assignment assignment;
    private final Logger log;

    TaskStopper(Task task, Assignment assignment, Logger log) {
        this.task = task;
        this.assignment = assignment;
        this.log = log;
    }

    /** On a virtual thread of its own: waits {@code drain} (none when zero), then {@link #terminate}. */
    void stopAfter(Duration drain, TaskHandle running) {
        Thread.ofVirtual().name("stop-" + task.id()).start(() -> {
            if (!drain.isZero()) {
                log.info("task {}: draining {} before its stop signal", task.id(), drain);
                sleepQuietly(drain);
            }
            terminate(running);
        });
    }

    /**
     * How long a task wanted stopped keeps running before its stop signal, so that every node's
     * routing mesh has dropped its endpoint first (the endpoint left the registry when the task
     * was marked to stop; the mesh follows within ~100 ms): requests in flight finish, new ones
     * go elsewhere. {@link #DEFAULT_DRAIN_DELAY} for a task whose service declares ports, none
     * otherwise; the container label {@code flotilla.drain_delay} (compose {@code labels}, e.g.
     * {@code 3s}, {@code 0s}) overrides it.
     */
    Duration drainDelay() {
        return drainDelay(task, assignment);
    }

    /** As {@link #drainDelay()}, for a task with this assignment. */
    static Duration drainDelay(Task task, Assignment assignment) {
        String label = task.spec().labels().get(DRAIN_DELAY_LABEL);
        if (label != null && !label.isBlank()) {
            try {
                return parseDelay(label.strip());
            } catch (IllegalArgumentException e) {
                return DEFAULT_DRAIN_DELAY;
            }
        }
        return assignment.ports().isEmpty() ? Duration.ZERO : DEFAULT_DRAIN_DELAY;
    }

    private static Duration parseDelay(String text) {
        Matcher m = Pattern.compile("(\\d+)(ms|s|m)").matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a delay: " + text);
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** The stop signal, then SIGKILL after the grace period; returns once the process ended (or SIGKILL did not help). */
    void terminate(TaskHandle running) {
        String signal;
        try {
            signal = Signals.normalize(task.spec().stopSignal());
        } catch (IllegalArgumentException e) {
            log.warn("task {}: {}; using SIGTERM", task.id(), e.getMessage());
            signal = "TERM";
        }
        try {
            running.signal(signal);
        } catch (IOException e) {
            log.warn("task {}: cannot send SIG{}: {}", task.id(), signal, e.getMessage());
        }
        Duration grace = task.spec().stopGracePeriod();
        try {
            running.exit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (TimeoutException e) {
            log.info("task {}: still running {} after SIG{}; sending SIGKILL to its process group", task.id(),
                    grace, signal);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            return;
        }
        running.killAll();
        try {
            running.exit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.warn("task {}: did not end after SIGKILL", task.id());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
