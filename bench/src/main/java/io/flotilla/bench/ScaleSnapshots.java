package io.flotilla.bench;

import io.flotilla.manager.Manager;
import io.flotilla.model.Json;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * Snapshots on request for {@code bench scale}: the bench drops a request file into a manager's
 * data directory; the manager ({@link ScaleManagerCommand}) takes a Raft snapshot, times it,
 * reads the file back as a follower catching up would (JSON decode and state build), and answers
 * with one line in a result file. Files, not an API: the scale managers' API is the real one, and
 * a snapshot endpoint is not part of it.
 */
final class ScaleSnapshots {
    static final String REQUEST = "snapshot-request";
    static final String RESULT = "snapshot-result";

    private ScaleSnapshots() {}

    /** Bench side: asks the manager whose data is in {@code dataDir} for a snapshot; returns its answer line. */
    static String request(Path dataDir, Duration timeout) throws IOException, InterruptedException {
        Path result = dataDir.resolve(RESULT);
        Files.deleteIfExists(result);
        Files.writeString(dataDir.resolve(REQUEST), "now");
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!Files.exists(result)) {
            if (System.nanoTime() > deadline) {
                return "no answer within " + timeout.toSeconds() + " s";
            }
            Thread.sleep(200);
        }
        return Files.readString(result).strip();
    }

    /** Manager side: watches {@code dataDir} for requests until the JVM ends (a daemon thread). */
    static void serve(Manager manager, Path dataDir) {
        Thread.ofPlatform().name("scale-snapshots").daemon(true).start(() -> {
            while (true) {
                try {
                    Path request = dataDir.resolve(REQUEST);
                    if (Files.deleteIfExists(request)) {
                        answer(dataDir, take(manager, dataDir));
                    }
                    Thread.sleep(250);
                } catch (InterruptedException e) {
                    return;
                } catch (IOException | RuntimeException e) {
                    try {
                        answer(dataDir, "failed: " + e);
                    } catch (IOException ignored) {
                        // the bench times out and says so
                    }
                }
            }
        });
    }

    private static String take(Manager manager, Path dataDir) throws IOException, InterruptedException {
        Optional<Path> before = newest(dataDir);
        long start = System.nanoTime();
        String how = "";
        try {
            manager.takeSnapshot();
        } catch (IOException | RuntimeException e) {
            how = " (the request timed out: " + e.getMessage() + "; timed to the file's appearance)";
            long deadline = System.nanoTime() + Duration.ofMinutes(3).toNanos();
            while (newest(dataDir).equals(before) && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
        }
        long tookMillis = (System.nanoTime() - start) / 1_000_000;
        Path file = newest(dataDir).orElseThrow(() -> new IOException("no snapshot file under " + dataDir));
        long bytes = Files.size(file);
        long readStart = System.nanoTime();
        ClusterState state = Json.read(Files.readAllBytes(file), StateSnapshot.class).toState();
        long readMillis = (System.nanoTime() - readStart) / 1_000_000;
        return String.format("%s: %d MB, taken in %.1f s%s, read back in %.1f s (%d tasks, %d nodes)",
                file.getFileName(), bytes >> 20, tookMillis / 1e3, how, readMillis / 1e3, state.tasks().size(),
                state.nodes().size());
    }

    private static void answer(Path dataDir, String line) throws IOException {
        Path tmp = dataDir.resolve(RESULT + ".tmp");
        Files.writeString(tmp, line + "\n", StandardCharsets.UTF_8);
        Files.move(tmp, dataDir.resolve(RESULT), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    /** The newest complete snapshot file under the manager's raft/ directory. */
    private static Optional<Path> newest(Path dataDir) throws IOException {
        Path raft = dataDir.resolve("raft");
        if (!Files.isDirectory(raft)) {
            return Optional.empty();
        }
        try (Stream<Path> files = Files.walk(raft)) {
            return files.filter(f -> {
                String name = f.getFileName().toString();
                return name.startsWith("snapshot.") && !name.endsWith(".md5") && !name.endsWith(".tmp");
            }).max(Comparator.comparing(f -> f.getFileName().toString().substring("snapshot.".length()),
                    Comparator.comparingLong(ScaleSnapshots::snapshotIndex)));
        }
    }

    /** {@code snapshot.<term>_<index>} → index. */
    private static long snapshotIndex(String termIndex) {
        int underscore = termIndex.lastIndexOf('_');
        try {
            return Long.parseLong(termIndex.substring(underscore + 1));
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
