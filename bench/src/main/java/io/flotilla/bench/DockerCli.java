package io.flotilla.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs the {@code docker} CLI, as a user of Swarm or of plain {@code docker run} would. */
final class DockerCli {
    private DockerCli() {}

    static String run(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>();
        command.add("docker");
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        }
        return output.strip();
    }

    /** Starts every command at once and waits for all of them. */
    static void parallel(List<List<String>> commands) throws IOException, InterruptedException {
        List<Process> processes = new ArrayList<>();
        for (List<String> args : commands) {
            List<String> command = new ArrayList<>();
            command.add("docker");
            command.addAll(args);
            processes.add(new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start());
        }
        for (Process process : processes) {
            if (process.waitFor() != 0) {
                throw new IOException("a parallel docker command failed (exit " + process.exitValue() + ")");
            }
        }
    }
}
