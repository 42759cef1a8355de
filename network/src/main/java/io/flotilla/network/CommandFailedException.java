package io.flotilla.network;

import java.util.List;

/** A kernel tool that failed: the command line, its exit status and what it said on stderr. */
public final class CommandFailedException extends RuntimeException {
    private final List<String> argv;
    private final int exitStatus;
    private final String stderr;

    public CommandFailedException(List<String> argv, int exitStatus, String stderr) {
        super("'" + String.join(" ", argv) + "' failed"
                + (exitStatus >= 0 ? " (exit " + exitStatus + ")" : "") + ": " + stderr.strip());
        this.argv = List.copyOf(argv);
        this.exitStatus = exitStatus;
        this.stderr = stderr;
    }

    public List<String> argv() {
        return argv;
    }

    /** The exit status, or -1 when the command did not start or was killed at its deadline. */
    public int exitStatus() {
        return exitStatus;
    }

    public String stderr() {
        return stderr;
    }
}
