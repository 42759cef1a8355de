package io.flotilla.network;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link Commands} as child processes (ProcessBuilder, argument lists, no shell), each behind an
 * optional prefix such as {@code nsenter --net=/var/run/netns/flh1}. A command has 10 seconds;
 * the kernel tools answer in milliseconds, so a slower one is stuck (a held xtables lock) and is
 * killed and reported rather than waited for.
 */
public final class ProcessCommands implements Commands {
    private static final Logger LOG = LoggerFactory.getLogger(ProcessCommands.class);
    private static final long TIMEOUT_SECONDS = 10;
    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    private final List<String> prefix;

    public ProcessCommands(List<String> prefix) {
        this.prefix = List.copyOf(prefix);
    }

    @Override
    public String run(List<String> argv) {
        List<String> command = new ArrayList<>(prefix);
        command.addAll(argv);
        LOG.debug("run {}", command);
        Process process;
        try {
            process = new ProcessBuilder(command).redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
        } catch (IOException e) {
            throw new CommandFailedException(command, -1, "cannot start: " + e.getMessage());
        }
        // Both outputs are read on virtual threads: neither pipe can fill and block the command,
        // and a command that hangs is killed at its deadline instead of blocking a read.
        CompletableFuture<String> stdout = CompletableFuture.supplyAsync(() -> read(process.getInputStream()), READERS);
        CompletableFuture<String> stderr = CompletableFuture.supplyAsync(() -> read(process.getErrorStream()), READERS);
        try {
            if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                throw new CommandFailedException(command, -1, "no answer in " + TIMEOUT_SECONDS + " s");
            }
            String output = stdout.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            String errors = stderr.get(TIMEOUT_SECONDS, TimeUnit.SECONDS);
            if (process.exitValue() != 0) {
                throw new CommandFailedException(command, process.exitValue(), errors);
            }
            return output;
        } catch (InterruptedException e) {
            process.destroyForcibly();
            Thread.currentThread().interrupt();
            throw new CommandFailedException(command, -1, "interrupted");
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            process.destroyForcibly();
            throw new CommandFailedException(command, -1, "cannot read its output: " + e);
        }
    }

    private static String read(InputStream stream) {
        try (stream) {
            return new String(stream.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public String toString() {
        return prefix.isEmpty() ? "host commands" : String.join(" ", prefix);
    }
}
