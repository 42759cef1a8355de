package io.flotilla.cli;

import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/** Runs the CLI in-process with captured stdout/stderr (System.out is swapped: callers are sequential). */
final class Cli {
    private Cli() {}

    static synchronized ShopEndToEndIT.CliResult run(String host, String... args) {
        List<String> argv = new ArrayList<>(List.of(args));
        if (host != null && needsHost(args)) {
            argv.add("--host");
            argv.add(host);
        }
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(argv.toArray(String[]::new));
            return new ShopEndToEndIT.CliResult(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    /**
     * Runs the {@code ./flotilla} launcher as a separate process (as a user's shell would), against
     * {@code host} with the credential in {@code tlsDir}; returns its output, stderr included.
     */
    static String launch(String host, java.nio.file.Path tlsDir, String... args)
            throws java.io.IOException, InterruptedException {
        return launched(host, tlsDir, args).output();
    }

    /** What a run of the launcher gave: its exit status and its output, stderr included. */
    record Launched(int exitCode, String output) {}

    /** As {@link #launch}, with the exit status (the run must end within 120 s). */
    static Launched launched(String host, java.nio.file.Path tlsDir, String... args)
            throws java.io.IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of(DevNodeProcess.ROOT.resolve("flotilla").toString()));
        command.addAll(List.of(args));
        ProcessBuilder builder = new ProcessBuilder(command).directory(DevNodeProcess.ROOT.toFile()).redirectErrorStream(true);
        builder.environment().put("FLOTILLA_HOST", host);
        builder.environment().put("FLOTILLA_TLS_DIR", tlsDir.toString());
        // each test's environment would get a daemon of its own, lingering after it: CliDaemonIT tests them
        builder.environment().put("FLOTILLA_CLI_DAEMON", "0");
        Process process = builder.start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(120, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new AssertionError("flotilla " + String.join(" ", args) + " did not end within 120 s: " + out);
        }
        return new Launched(process.exitValue(), out);
    }

    private static boolean needsHost(String[] args) {
        return !(args.length >= 2 && args[0].equals("stack") && args[1].equals("config"));
    }
}
