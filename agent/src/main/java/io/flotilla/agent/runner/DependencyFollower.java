package io.flotilla.agent.runner;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;

/**
 * Debounces one running task's dependency endpoints: it remembers what the task last saw, and
 * once the endpoints differ from that and then stay unchanged for {@link #DEBOUNCE}, hands the
 * new view and the services that changed to the action — once, so a rolling change of several
 * endpoints triggers one restart, signal or command. A change that is undone within the window
 * triggers nothing. Actions run one at a time, on a virtual thread.
 */
final class DependencyFollower {
    static final Duration DEBOUNCE = Duration.ofMillis(500);
    private static final ScheduledExecutorService TIMER = Executors.newSingleThreadScheduledExecutor(
            Thread.ofPlatform().name("flotilla-dependency-debounce").daemon().factory());

    private final Duration debounce;
    private final BiConsumer<Map<String, List<String>>, List<String>> action;
    private final Object actionLock = new Object();
    private Map<String, List<String>> seen;
    private Map<String, List<String>> pending;
    private ScheduledFuture<?> timer;
    private boolean closed;

    DependencyFollower(Map<String, List<String>> seen, Duration debounce,
                       BiConsumer<Map<String, List<String>>, List<String>> action) {
        this.seen = Map.copyOf(seen);
        this.debounce = debounce;
        this.action = action;
    }

    /** The latest endpoints of the task's dependencies. */
    synchronized void offer(Map<String, List<String>> latest) {
        if (closed || latest.equals(pending)) {
            return;
        }
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
        if (latest.equals(seen)) {
            pending = null;
            return;
        }
        pending = Map.copyOf(latest);
        timer = TIMER.schedule(this::fire, debounce.toMillis(), TimeUnit.MILLISECONDS);
    }

    synchronized void close() {
        closed = true;
        if (timer != null) {
            timer.cancel(false);
        }
    }

    private void fire() {
        Map<String, List<String>> next;
        List<String> changed;
        synchronized (this) {
            if (closed || pending == null) {
                return;
            }
            next = pending;
            changed = DependencyEnvironment.changed(seen, next);
            seen = next;
            pending = null;
            timer = null;
        }
        Thread.ofVirtual().name("dependency-change").start(() -> {
            synchronized (actionLock) {
                action.accept(next, changed);
            }
        });
    }
}
