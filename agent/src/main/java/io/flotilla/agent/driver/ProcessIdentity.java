package io.flotilla.agent.driver;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

/**
 * A process named by pid and start time (field 22 of {@code /proc/<pid>/stat}), so that a pid the
 * kernel has handed to another process since is not taken for the one we started.
 */
public record ProcessIdentity(long pid, long startTime) {
    /** The identity of the live process {@code pid}; empty if there is none (or only a zombie). */
    public static Optional<ProcessIdentity> of(long pid) {
        return ProcStat.read(pid).filter(stat -> !stat.zombie())
                .map(stat -> new ProcessIdentity(pid, stat.startTime()));
    }

    /** True while this very process is alive (not a zombie, not a newer process with the same pid). */
    public boolean isAlive() {
        return of(pid).map(this::equals).orElse(false);
    }

    /** The fields of {@code /proc/<pid>/stat} the agent uses. */
    record ProcStat(char state, long processGroup, long startTime) {
        boolean zombie() {
            return state == 'Z' || state == 'X';
        }

        static Optional<ProcStat> read(long pid) {
            String line;
            try {
                line = Files.readString(Path.of("/proc", Long.toString(pid), "stat"));
            } catch (IOException e) {
                return Optional.empty();
            }
            return parse(line);
        }

        /** The command name (field 2) may hold spaces and parentheses: fields are counted after its last ')'. */
        static Optional<ProcStat> parse(String line) {
            int end = line.lastIndexOf(')');
            if (end < 0) {
                return Optional.empty();
            }
            String[] fields = line.substring(end + 1).trim().split("\\s+");
            // fields[0] is field 3 (state), fields[2] is field 5 (pgrp), fields[19] is field 22 (starttime)
            if (fields.length < 20) {
                return Optional.empty();
            }
            try {
                return Optional.of(new ProcStat(fields[0].charAt(0), Long.parseLong(fields[2]),
                        Long.parseLong(fields[19])));
            } catch (NumberFormatException e) {
                return Optional.empty();
            }
        }
    }
}
