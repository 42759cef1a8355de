package io.flotilla.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.stream.Stream;

/**
 * The CLI daemons (scripts/cli-daemon.sh) a benchmark's launcher runs start, kept apart from the
 * user's: the benchmark gives the launcher its own {@code HOME}, whose
 * {@code .flotilla/cli-daemon/} holds one state file ({@code port token pid}) per daemon.
 */
final class CliDaemons {
    private final Path dir;

    CliDaemons(Path home) {
        this.dir = home.resolve(".flotilla").resolve("cli-daemon");
    }

    /** The state files (not their logs or start marks). */
    List<Path> files() throws IOException {
        if (!Files.isDirectory(dir)) {
            return List.of();
        }
        try (Stream<Path> files = Files.list(dir)) {
            return files.filter(f -> !f.getFileName().toString().contains(".")).toList();
        }
    }

    /** Waits until a daemon has published its file. */
    void await(Duration limit) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + limit.toNanos();
        while (files().isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("no CLI daemon started within " + limit.toSeconds() + " s; see " + dir);
            }
            Thread.sleep(100);
        }
    }

    /** Stops every daemon that has a file here. */
    void stopAll() {
        try {
            for (Path file : files()) {
                String[] fields = Files.readString(file).strip().split(" ");
                ProcessHandle.of(Long.parseLong(fields[2])).ifPresent(ProcessHandle::destroy);
            }
        } catch (IOException | RuntimeException e) {
            System.err.println("could not stop the CLI daemons in " + dir + ": " + e.getMessage());
        }
    }
}
