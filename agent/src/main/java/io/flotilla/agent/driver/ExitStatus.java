package io.flotilla.agent.driver;

/**
 * How a task's process ended. The shim records the shell's view of it ({@code $?}): a number,
 * 128+n for a process killed by signal n, so a task that exits with 137 on its own reads as
 * killed by signal 9, as in Docker.
 */
public sealed interface ExitStatus permits ExitStatus.Exited, ExitStatus.Signaled, ExitStatus.Unknown {
    /** The highest signal number Linux knows (real-time signals included). */
    int MAX_SIGNAL = 64;

    /** The exit code to report (128+n for a signal), or null when nobody knows it. */
    Integer exitCode();

    /** A short description for {@code TaskStatus.error}: {@code exited with code 3}. */
    String describe();

    default boolean succeeded() {
        return this instanceof Exited exited && exited.code() == 0;
    }

    /** Reads a shell exit status as written by the shim. */
    static ExitStatus fromShellCode(int code) {
        if (code > 128 && code <= 128 + MAX_SIGNAL) {
            return new Signaled(code - 128);
        }
        return new Exited(code);
    }

    record Exited(int code) implements ExitStatus {
        @Override
        public Integer exitCode() {
            return code;
        }

        @Override
        public String describe() {
            return "exited with code " + code;
        }
    }

    record Signaled(int signal) implements ExitStatus {
        @Override
        public Integer exitCode() {
            return 128 + signal;
        }

        @Override
        public String describe() {
            return "killed by signal " + signal;
        }
    }

    /** The task ended but its status was lost (the shim itself was killed, or never started). */
    record Unknown(String reason) implements ExitStatus {
        @Override
        public Integer exitCode() {
            return null;
        }

        @Override
        public String describe() {
            return reason;
        }
    }
}
