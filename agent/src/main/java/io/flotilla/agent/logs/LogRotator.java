package io.flotilla.agent.logs;

import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;

/**
 * Rotates a task's {@code output.log} by copy-truncate once it passes {@code maxBytes}:
 * {@code output.log.2} → {@code .3}, {@code .1} → {@code .2}, a copy of {@code output.log} → {@code .1},
 * then {@code output.log} is truncated to zero. The shim opened the log with {@code O_APPEND}, so
 * the task's next write lands at the new end; lines written between the copy and the truncation
 * are lost, which is the price of not restarting the task (as logrotate's copytruncate).
 */
public final class LogRotator {
    public static final long DEFAULT_MAX_BYTES = 10L * 1024 * 1024;
    public static final int DEFAULT_KEEP = 3;

    private final long maxBytes;
    private final int keep;

    public LogRotator(long maxBytes, int keep) {
        if (maxBytes <= 0 || keep < 1) {
            throw new IllegalArgumentException("maxBytes must be positive and keep at least 1");
        }
        this.maxBytes = maxBytes;
        this.keep = keep;
    }

    public static LogRotator defaults() {
        return new LogRotator(DEFAULT_MAX_BYTES, DEFAULT_KEEP);
    }

    /** Rotates {@code log} if it is too big; true if it did. */
    public boolean rotateIfNeeded(Path log) throws IOException {
        if (!Files.isRegularFile(log) || Files.size(log) <= maxBytes) {
            return false;
        }
        Files.deleteIfExists(rotated(log, keep));
        for (int index = keep - 1; index >= 1; index--) {
            Path from = rotated(log, index);
            if (Files.exists(from)) {
                Files.move(from, rotated(log, index + 1), StandardCopyOption.REPLACE_EXISTING);
            }
        }
        Files.copy(log, rotated(log, 1), StandardCopyOption.REPLACE_EXISTING);
        try (FileChannel channel = FileChannel.open(log, StandardOpenOption.WRITE)) {
            channel.truncate(0);
        }
        return true;
    }

    public static Path rotated(Path log, int index) {
        return log.resolveSibling(log.getFileName() + "." + index);
    }
}
