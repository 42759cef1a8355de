package io.flotilla.network;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A {@link Commands} that runs nothing: it answers the commands given an answer (by the start of
 * the command line), answers the rest with an empty output, and records every command line.
 */
final class RecordingCommands implements Commands {
    private final Map<String, String> answers = new LinkedHashMap<>();
    private final List<List<String>> run = new ArrayList<>();

    /** Commands whose line starts with {@code commandLine} print {@code output}. */
    RecordingCommands answer(String commandLine, String output) {
        answers.put(commandLine, output);
        return this;
    }

    @Override
    public synchronized String run(List<String> argv) {
        run.add(List.copyOf(argv));
        String line = String.join(" ", argv);
        return answers.entrySet().stream().filter(entry -> line.startsWith(entry.getKey()))
                .map(Map.Entry::getValue).findFirst().orElse("");
    }

    synchronized List<String> lines() {
        return run.stream().map(argv -> String.join(" ", argv)).toList();
    }

    synchronized void clear() {
        run.clear();
    }
}
