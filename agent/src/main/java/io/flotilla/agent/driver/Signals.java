package io.flotilla.agent.driver;

import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Signal names as compose writes them ({@code SIGTERM}, {@code TERM}, {@code sigusr1}, {@code 10})
 * turned into what {@code kill -s} accepts. Java cannot send arbitrary signals, so the agent runs
 * {@code kill}.
 */
public final class Signals {
    private static final Pattern NAME = Pattern.compile("[A-Z][A-Z0-9+-]*|[0-9]{1,2}");

    private Signals() {}

    /** {@code SIGUSR1} → {@code USR1}; {@code 10} → {@code 10}; anything else is refused. */
    public static String normalize(String signal) {
        if (signal == null || signal.isBlank()) {
            throw new IllegalArgumentException("no signal given");
        }
        String name = signal.trim().toUpperCase(Locale.ROOT);
        if (name.startsWith("SIG")) {
            name = name.substring(3);
        }
        if (!NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("not a signal name: " + signal);
        }
        return name;
    }
}
