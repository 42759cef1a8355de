package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.io.UncheckedIOException;
import java.util.concurrent.TimeUnit;
import java.util.function.ToLongFunction;
import org.junit.jupiter.api.Test;

/**
 * {@link ProcessCpu} on real processes: shells that spin. The machine may be busy, so each test
 * waits (up to 20 s) for a process to have burnt a given CPU time rather than for a given wall
 * time; a reading that misses the CPU never gets there and fails.
 */
class ProcessCpuTest {
    private static final long MS = 1_000_000L;
    private static final String SPIN = "while :; do :; done";

    @Test
    void aSpinningProcessUsesCpuAndAnIdleOneDoesNot() throws Exception {
        Process idle = new ProcessBuilder("sleep", "30").start();
        Process busy = new ProcessBuilder("sh", "-c", SPIN).start();
        try {
            long idleBefore = ProcessCpu.nanos(idle.toHandle());
            awaitCpu(busy, ProcessCpu::nanos, 300 * MS);
            assertThat(ProcessCpu.nanos(idle.toHandle()) - idleBefore).isLessThanOrEqualTo(20 * MS);
        } finally {
            stop(idle);
            stop(busy);
        }
    }

    @Test
    void theTreeCountsLivingDescendantsAndTheProcessAloneDoesNot() throws Exception {
        // the shell waits; its background child (a subshell) spins
        Process shell = new ProcessBuilder("sh", "-c", "(" + SPIN + ") & wait").start();
        try {
            awaitCpu(shell, ProcessCpu::treeNanos, 300 * MS);
            assertThat(shell.toHandle().descendants()).isNotEmpty();
            assertThat(ProcessCpu.nanos(shell.toHandle())).as("the waiting shell's own time").isLessThan(100 * MS);
        } finally {
            stop(shell);
        }
    }

    @Test
    void theTreeKeepsTheTimeOfADescendantThatHasExited() throws Exception {
        // the subshell may use 1 s of CPU (ulimit -t 1), is killed, the shell reaps it and sleeps
        Process shell = new ProcessBuilder("sh", "-c", "(ulimit -t 1; " + SPIN + "); exec sleep 30").start();
        try {
            awaitCpu(shell, ProcessCpu::treeNanos, 900 * MS);
            long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
            while (shell.toHandle().descendants().findAny().isPresent() && System.nanoTime() < deadline) {
                Thread.sleep(20); // the subshell is still there (ulimit kills it at 1 s of CPU)
            }
            assertThat(shell.toHandle().descendants()).as("the spinning subshell has exited").isEmpty();
            assertThat(ProcessCpu.treeNanos(shell.toHandle())).isGreaterThanOrEqualTo(900 * MS);
        } finally {
            stop(shell);
        }
    }

    @Test
    void aJvmsOwnTimeLeavesOutItsChildren() throws Exception {
        ProcessHandle jvm = ProcessHandle.current();
        long before = ProcessCpu.nanos(jvm);
        Process busy = new ProcessBuilder("sh", "-c", SPIN).start();
        long child;
        try {
            child = awaitCpu(busy, ProcessCpu::nanos, 500 * MS);
        } finally {
            stop(busy); // reaped: its time goes to this JVM's cutime, which nanos leaves out
        }
        assertThat(ProcessCpu.nanos(jvm) - before).as("this JVM while its child spun for %d ms", child / MS)
                .isLessThan(child);
    }

    @Test
    void aGoneProcessIsAnError() throws Exception {
        Process done = new ProcessBuilder("true").start();
        done.waitFor();
        assertThatThrownBy(() -> ProcessCpu.nanos(done.toHandle())).isInstanceOf(UncheckedIOException.class);
        assertThatThrownBy(() -> ProcessCpu.treeNanos(done.toHandle())).isInstanceOf(UncheckedIOException.class);
    }

    @Test
    void readsTheFieldsAfterACommandNameWithSpacesAndParentheses() {
        String stat = "4242 (we) ird (name) S 1 4242 4242 0 -1 4194560 1089 0 0 0 731 52 9 4 20 0 1 0 3316 2400 256 0 0 0\n";
        assertThat(ProcessCpu.parse(stat)).containsExactly(731 + 52, 9 + 4);
        assertThat(ProcessCpu.ticks(ProcessHandle.current().pid())[0]).as("a JVM that has run tests has used CPU").isPositive();
        assertThat(ProcessCpu.ticks(Long.MAX_VALUE)).isNull();
    }

    /** Waits until the reading reaches {@code atLeast} nanoseconds; returns the reading. */
    private static long awaitCpu(Process process, ToLongFunction<ProcessHandle> reading, long atLeast) throws InterruptedException {
        long start = reading.applyAsLong(process.toHandle());
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        long used = 0;
        while (System.nanoTime() < deadline) {
            used = reading.applyAsLong(process.toHandle()) - start;
            if (used >= atLeast) {
                return used;
            }
            Thread.sleep(20);
        }
        throw new AssertionError("pid " + process.pid() + " used " + used / MS + " ms of CPU in 20 s, expected " + atLeast / MS + " ms");
    }

    private static void stop(Process process) throws InterruptedException {
        process.toHandle().descendants().forEach(ProcessHandle::destroyForcibly);
        process.destroyForcibly();
        process.waitFor(5, TimeUnit.SECONDS);
    }
}
