package io.flotilla.bench;

import java.time.Duration;

/** Polling until a condition holds, for the benchmarks that time a failover from outside. */
final class BenchWaits {
    private BenchWaits() {}

    /** A condition that may throw while the cluster is still moving (a refused connection, a 503). */
    interface Check {
        boolean ok() throws Exception;
    }

    /**
     * Polls {@code check} every {@code poll} until it holds; an exception counts as "not yet" and the
     * last one is named if time runs out.
     */
    static void awaitUntil(String what, Duration max, Duration poll, Check check) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        Exception last = null;
        while (System.nanoTime() < deadline) {
            try {
                if (check.ok()) {
                    return;
                }
            } catch (Exception e) {
                last = e;
            }
            Thread.sleep(poll.toMillis());
        }
        throw new IllegalStateException("timed out waiting for: " + what + (last == null ? "" : " (" + last.getMessage() + ")"));
    }
}
