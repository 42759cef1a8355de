package io.flotilla.manager.dispatcher;

import java.time.Duration;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Marks, every {@link Heartbeats#WATCH_PERIOD}, that this manager's process runs
 * ({@link Heartbeats#running}), so that a stall of its own (a long GC pause, a process starved or
 * stopped) is not counted against the nodes' heartbeats. One platform thread, which sleeps.
 */
public final class StallWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(StallWatch.class);

    private final Thread thread;
    private volatile boolean running = true;

    private StallWatch(Heartbeats heartbeats, InstantSource clock) {
        this.thread = Thread.ofPlatform().name("flotilla-stall-watch").daemon(true).unstarted(() -> watch(heartbeats, clock));
    }

    /** Starts watching; the heartbeats excuse every stall it sees until {@link #close}. */
    public static StallWatch start(Heartbeats heartbeats, InstantSource clock) {
        StallWatch watch = new StallWatch(heartbeats, clock);
        watch.thread.start();
        return watch;
    }

    private void watch(Heartbeats heartbeats, InstantSource clock) {
        while (running) {
            Duration stalled = heartbeats.running(clock.instant(), System.nanoTime());
            if (!stalled.isZero()) {
                LOG.warn("this manager stood still for {} ms: no node's silence counts that time", stalled.toMillis());
            }
            try {
                Thread.sleep(Heartbeats.WATCH_PERIOD);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
