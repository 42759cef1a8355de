package io.flotilla.bench;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;

/**
 * CPU time (user plus system) that processes have used, from Linux's {@code /proc/<pid>/stat}: its
 * {@code utime} and {@code stime} (fields 14 and 15) cover every thread of the process, living or
 * exited, and {@code cutime} and {@code cstime} (16 and 17) the children it has waited for, with
 * theirs. The kernel counts in nanoseconds but reports clock ticks ({@code USER_HZ}, which
 * {@code getconf CLK_TCK} prints: 100 on every architecture the bench runs on), so each reading of
 * one process is truncated to 10 ms, and the difference of two readings is off by less than 10 ms
 * per process.
 */
final class ProcessCpu {
    static final long NANOS_PER_TICK = 1_000_000_000L / 100;

    private ProcessCpu() {}

    /**
     * The process's own CPU time in nanoseconds: all of its threads (a JVM's GC and JIT threads too),
     * none of its children (a JVM's wrk).
     *
     * @throws UncheckedIOException when the process is gone
     */
    static long nanos(ProcessHandle process) {
        long[] ticks = ticks(process.pid());
        if (ticks == null) {
            throw new UncheckedIOException(new NoSuchFileException("/proc/" + process.pid() + "/stat: the process is gone"));
        }
        return ticks[0] * NANOS_PER_TICK;
    }

    /**
     * The CPU time in nanoseconds of the process and of all its descendants (nginx's master and its
     * workers): each living one's own time plus what the reaped ones left with their parents. A
     * descendant that exits between two readings stays counted if its parent waits for it, as
     * nginx's master and a shell do.
     *
     * @throws UncheckedIOException when the process itself is gone
     */
    static long treeNanos(ProcessHandle process) {
        long[] root = ticks(process.pid());
        if (root == null) {
            throw new UncheckedIOException(new NoSuchFileException("/proc/" + process.pid() + "/stat: the process is gone"));
        }
        long ticks = root[0] + root[1];
        for (ProcessHandle descendant : process.descendants().toList()) {
            long[] own = ticks(descendant.pid());
            if (own != null) { // gone since the listing: its parent has its time, or will have
                ticks += own[0] + own[1];
            }
        }
        return ticks * NANOS_PER_TICK;
    }

    /** {utime + stime, cutime + cstime} of one process, in ticks; null when it is gone. */
    static long[] ticks(long pid) {
        String stat;
        try {
            stat = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
        } catch (NoSuchFileException e) {
            return null;
        } catch (IOException e) {
            if (!Files.exists(Path.of("/proc", Long.toString(pid)))) {
                return null; // ESRCH while reading: exited just then
            }
            throw new UncheckedIOException(e);
        }
        return parse(stat);
    }

    /** {utime + stime, cutime + cstime} from the text of a {@code /proc/<pid>/stat}. */
    static long[] parse(String stat) {
        // "pid (comm) state ppid ...": comm may hold spaces and parentheses, so count from the last ')'.
        String[] fields = stat.substring(stat.lastIndexOf(')') + 2).strip().split(" ");
        // fields[0] is field 3 (state): utime, stime, cutime, cstime are fields 14-17.
        return new long[] {Long.parseLong(fields[11]) + Long.parseLong(fields[12]), Long.parseLong(fields[13]) + Long.parseLong(fields[14])};
    }
}
