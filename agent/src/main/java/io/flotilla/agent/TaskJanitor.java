package io.flotilla.agent;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.agent.logs.LogRotator;
import io.flotilla.model.TaskStatus;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps the task directories in bounds. Logs of live tasks are rotated ({@link LogRotator}).
 * The directory of a finished task (one with {@code status.json} or the shim's {@code exit}) that
 * the manager no longer assigns is kept for {@code service logs} and post-mortems: the newest
 * {@value #KEEP_PER_SLOT} per service slot, none older than {@link #KEEP_FOR}. Directories of
 * tasks the agent still runs or the manager still lists are never touched. The secrets tmpfs of a
 * task that does not run is unmounted at once ({@link #removeFilesOfEndedTasks}), whatever the
 * directory's fate.
 */
final class TaskJanitor {
    static final int KEEP_PER_SLOT = 5;
    static final Duration KEEP_FOR = Duration.ofHours(24);
    private static final Logger log = LoggerFactory.getLogger(TaskJanitor.class);

    private final Path dataDir;
    private final LogRotator rotator;
    private final InstantSource clock;

    TaskJanitor(Path dataDir, LogRotator rotator, InstantSource clock) {
        this.dataDir = dataDir;
        this.rotator = rotator;
        this.clock = clock;
    }

    void rotateLogs(Iterable<String> liveTaskIds) {
        for (String taskId : liveTaskIds) {
            Path logFile = TaskDirectory.of(dataDir, taskId).outputLog();
            try {
                if (rotator.rotateIfNeeded(logFile)) {
                    log.debug("task {}: rotated its output log", taskId);
                }
            } catch (IOException e) {
                log.warn("task {}: cannot rotate its output log: {}", taskId, e.getMessage());
            }
        }
    }

    /**
     * Unmounts the secrets tmpfs of every task directory whose task is not live (it ended, or an
     * agent crashed between its end and the unmount): secrets leave the node when their task does,
     * whatever keeps the directory for its logs. {@code live} is asked per directory, right before
     * the removal, so a task started meanwhile keeps its files. Returns the task ids cleaned.
     */
    List<String> removeFilesOfEndedTasks(java.util.function.Predicate<String> live) {
        Path root = TaskDirectory.tasksRoot(dataDir);
        List<String> cleaned = new ArrayList<>();
        if (!Files.isDirectory(root)) {
            return cleaned;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                TaskDirectory directory = new TaskDirectory(child);
                Path files = FilesTmpfs.of(directory);
                if (!Files.exists(files) || live.test(directory.taskId())) {
                    continue;
                }
                try {
                    FilesTmpfs.remove(files);
                    cleaned.add(directory.taskId());
                    log.info("task {}: removed the secrets and configs of the ended task", directory.taskId());
                } catch (IOException e) {
                    log.warn("task {}: cannot remove its secrets and configs: {}", directory.taskId(), e.getMessage());
                }
            }
        } catch (IOException e) {
            log.warn("cannot list task directories: {}", e.getMessage());
        }
        return cleaned;
    }

    /** Deletes the directories of finished tasks beyond the policy; returns the ids removed. */
    List<String> clean(Set<String> protectedTaskIds) {
        record Finished(TaskDirectory directory, String slotKey, Instant endedAt) {}
        Map<String, List<Finished>> bySlot = new HashMap<>();
        Path root = TaskDirectory.tasksRoot(dataDir);
        if (!Files.isDirectory(root)) {
            return List.of();
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                TaskDirectory directory = new TaskDirectory(child);
                if (!Files.isDirectory(child) || protectedTaskIds.contains(directory.taskId())) {
                    continue;
                }
                Optional<TaskStatus> finalStatus = directory.readFinalStatus();
                if (finalStatus.isEmpty() && !Files.exists(directory.exitFile())) {
                    continue;
                }
                Optional<TaskRecord> record = directory.readRecord();
                String slotKey = record.map(r -> r.task().serviceId() + "/" + r.task().slot())
                        .orElse(directory.taskId());
                Instant endedAt = finalStatus.map(TaskStatus::timestamp)
                        .orElseGet(() -> modified(directory.exitFile()));
                bySlot.computeIfAbsent(slotKey, key -> new ArrayList<>()).add(new Finished(directory, slotKey, endedAt));
            }
        } catch (IOException e) {
            log.warn("cannot list task directories: {}", e.getMessage());
            return List.of();
        }
        Instant oldest = clock.instant().minus(KEEP_FOR);
        List<String> removed = new ArrayList<>();
        for (List<Finished> slot : bySlot.values()) {
            slot.sort(Comparator.comparing(Finished::endedAt).reversed());
            for (int index = 0; index < slot.size(); index++) {
                Finished finished = slot.get(index);
                if (index >= KEEP_PER_SLOT || finished.endedAt().isBefore(oldest)) {
                    if (deleteTree(finished.directory().root())) {
                        removed.add(finished.directory().taskId());
                    }
                }
            }
        }
        return removed;
    }

    private static Instant modified(Path file) {
        try {
            return Files.getLastModifiedTime(file).toInstant();
        } catch (IOException e) {
            return Instant.EPOCH;
        }
    }

    static boolean deleteTree(Path root) {
        try {
            FilesTmpfs.remove(FilesTmpfs.of(new TaskDirectory(root))); // never walk into a mounted tmpfs
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", root, e.getMessage());
            return false;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(path);
            }
            return true;
        } catch (IOException e) {
            log.warn("cannot delete {}: {}", root, e.getMessage());
            return false;
        }
    }
}
