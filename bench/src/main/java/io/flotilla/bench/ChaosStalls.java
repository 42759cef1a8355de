package io.flotilla.bench;

import java.io.PrintStream;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Stalls of the whole machine as the run's own process sees them: a thread sleeps
 * {@value #TICK_MILLIS} ms over and over and records every sleep that overshot by {@link #STALL} or
 * more. A machine that stalls that long pauses every node process with it (two cores running eight
 * JVMs, one of them starting again). A node judged down for heartbeats it missed in such a
 * stall is judged rightly, as one paused past its timeout is: {@link ChaosDowns} counts it so, and
 * the run prints every stall, so that none hides.
 */
final class ChaosStalls implements AutoCloseable {
    static final Duration STALL = Duration.ofMillis(500);
    static final long TICK_MILLIS = 20;

    /** A stall: from before the sleep that overslept to its end. */
    record Stall(Instant start, Instant end) {}

    private final List<Stall> stalls = Collections.synchronizedList(new ArrayList<>());
    private volatile boolean running = true;
    private final Thread thread;

    ChaosStalls() {
        thread = Thread.ofPlatform().daemon().name("chaos-stalls").start(this::watch);
    }

    private void watch() {
        while (running) {
            Instant at = Instant.now();
            long before = System.nanoTime();
            try {
                Thread.sleep(TICK_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
            if (System.nanoTime() - before - TICK_MILLIS * 1_000_000 >= STALL.toNanos()) {
                stalls.add(new Stall(at, Instant.now()));
            }
        }
    }

    List<Stall> stalls() {
        synchronized (stalls) {
            return List.copyOf(stalls);
        }
    }

    void print(PrintStream out) {
        List<Stall> seen = stalls();
        long longest = seen.stream().mapToLong(s -> Duration.between(s.start(), s.end()).toMillis()).max().orElse(0);
        out.printf("chaos: machine stalls of %d ms or more seen by the run: %d (longest %d ms)%s%n", STALL.toMillis(),
                seen.size(), longest, seen.isEmpty() ? "" : ": " + seen);
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
    }
}
