package io.flotilla.agent.driver;

import io.flotilla.model.Json;
import io.flotilla.model.TaskStatus;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.Optional;

/**
 * The files of one task under {@code <dataDir>/tasks/<taskId>}: the agent's record
 * ({@code task.json}), the shim and what it writes ({@code pid}, {@code exit},
 * {@code output.log}), the final status ({@code status.json}) and the default working directory.
 */
public record TaskDirectory(Path root) {
    public static TaskDirectory of(Path dataDir, String taskId) {
        if (taskId.contains("/") || taskId.equals("..") || taskId.equals(".")) {
            throw new IllegalArgumentException("task id cannot name a directory: " + taskId);
        }
        return new TaskDirectory(tasksRoot(dataDir).resolve(taskId));
    }

    public static Path tasksRoot(Path dataDir) {
        return dataDir.resolve("tasks");
    }

    public String taskId() {
        return root.getFileName().toString();
    }

    public Path record() {
        return root.resolve("task.json");
    }

    public Path finalStatus() {
        return root.resolve("status.json");
    }

    public Path shim() {
        return root.resolve("shim.sh");
    }

    public Path shimLog() {
        return root.resolve("shim.log");
    }

    public Path pidFile() {
        return root.resolve("pid");
    }

    public Path exitFile() {
        return root.resolve("exit");
    }

    public Path outputLog() {
        return root.resolve("output.log");
    }

    public Path defaultWorkingDir() {
        return root.resolve("work");
    }

    public Optional<TaskRecord> readRecord() {
        return readJson(record(), TaskRecord.class);
    }

    public void writeRecord(TaskRecord record) throws IOException {
        writeAtomically(record(), Json.pretty(record));
    }

    public Optional<TaskStatus> readFinalStatus() {
        return readJson(finalStatus(), TaskStatus.class);
    }

    public void writeFinalStatus(TaskStatus status) throws IOException {
        writeAtomically(finalStatus(), Json.pretty(status));
    }

    /** The exit status the shim recorded; empty while the task runs (or if the shim died first). */
    public Optional<ExitStatus> readExit() {
        return readNumber(exitFile()).map(code -> ExitStatus.fromShellCode(code.intValue()));
    }

    public Optional<Long> readPid() {
        return readNumber(pidFile());
    }

    private static Optional<Long> readNumber(Path file) {
        try {
            return Optional.of(Long.parseLong(Files.readString(file).trim()));
        } catch (IOException | NumberFormatException e) {
            return Optional.empty();
        }
    }

    private static <T> Optional<T> readJson(Path file, Class<T> type) {
        if (!Files.isRegularFile(file)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Json.read(Files.readAllBytes(file), type));
        } catch (IOException | RuntimeException e) {
            return Optional.empty();
        }
    }

    static void writeAtomically(Path file, String content) throws IOException {
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, content, StandardCharsets.UTF_8);
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
