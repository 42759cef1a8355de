package io.flotilla.agent.logs;

import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.model.Task;
import io.flotilla.model.api.TaskLogSource;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.RandomAccessFile;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

/**
 * Reads task output from the agent's disk ({@code <dataDir>/tasks/<id>/output.log}, plus the
 * newest rotated file when the tail reaches back past a rotation). Following polls the file:
 * it writes whole lines only, starts over when the file shrinks (copy-truncate rotation), and
 * stops once the shim has recorded the task's exit and the rest is written, or when the reader's
 * stream fails.
 */
public final class DiskTaskLogSource implements TaskLogSource {
    private static final int CHUNK = 64 * 1024;

    private final Path dataDir;
    private final Duration pollInterval;

    public DiskTaskLogSource(Path dataDir, Duration pollInterval) {
        this.dataDir = dataDir;
        this.pollInterval = pollInterval;
    }

    public DiskTaskLogSource(Path dataDir) {
        this(dataDir, Duration.ofMillis(200));
    }

    @Override
    public void write(Task task, int tail, boolean follow, OutputStream out) throws IOException {
        TaskDirectory directory = TaskDirectory.of(dataDir, task.id());
        Path log = directory.outputLog();
        long position = writeTail(log, tail, out);
        out.flush();
        if (!follow || task.state().isTerminal()) {
            return;
        }
        ByteArrayOutputStream partial = new ByteArrayOutputStream();
        while (true) {
            boolean ended = Files.exists(directory.exitFile()) || !Files.isDirectory(directory.root());
            long size = Files.exists(log) ? Files.size(log) : 0;
            if (size < position) {
                position = 0; // truncated by rotation
            }
            if (size > position) {
                position = copyLines(log, position, size, partial, out);
                out.flush();
            } else if (ended) {
                if (partial.size() > 0) {
                    partial.write('\n');
                    partial.writeTo(out);
                    out.flush();
                }
                return;
            } else {
                try {
                    Thread.sleep(pollInterval);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                    return;
                }
            }
        }
    }

    /** Writes the last {@code tail} lines (all if negative); returns the offset in {@code log} read up to. */
    private static long writeTail(Path log, int tail, OutputStream out) throws IOException {
        if (!Files.exists(log)) {
            return 0;
        }
        long size = Files.size(log);
        if (tail == 0) {
            return size;
        }
        List<String> current = readLines(log, size);
        List<String> lines = new ArrayList<>();
        if (tail > 0 && current.size() < tail) {
            Path previous = LogRotator.rotated(log, 1);
            if (Files.exists(previous)) {
                lines.addAll(readLines(previous, Files.size(previous)));
            }
        }
        lines.addAll(current);
        Deque<String> selected = new ArrayDeque<>();
        for (int index = lines.size() - 1; index >= 0 && (tail < 0 || selected.size() < tail); index--) {
            selected.addFirst(lines.get(index));
        }
        for (String line : selected) {
            out.write(line.getBytes(java.nio.charset.StandardCharsets.UTF_8));
            out.write('\n');
        }
        return completeLinesEnd(log, size);
    }

    /** The complete lines of the first {@code size} bytes (a last line without newline is left for following). */
    private static List<String> readLines(Path log, long size) throws IOException {
        byte[] bytes;
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long length = Math.min(size, file.length());
            bytes = new byte[(int) Math.min(length, Integer.MAX_VALUE - 8)];
            file.seek(length - bytes.length);
            file.readFully(bytes);
        }
        List<String> lines = new ArrayList<>();
        int start = 0;
        for (int index = 0; index < bytes.length; index++) {
            if (bytes[index] == '\n') {
                lines.add(new String(bytes, start, index - start, java.nio.charset.StandardCharsets.UTF_8));
                start = index + 1;
            }
        }
        return lines;
    }

    private static long completeLinesEnd(Path log, long size) throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            long position = Math.min(size, file.length());
            while (position > 0) {
                file.seek(position - 1);
                if (file.read() == '\n') {
                    return position;
                }
                position--;
            }
            return 0;
        }
    }

    /** Copies bytes [from, to) of {@code log}, writing whole lines and keeping a trailing partial line. */
    private static long copyLines(Path log, long from, long to, ByteArrayOutputStream partial, OutputStream out)
            throws IOException {
        try (RandomAccessFile file = new RandomAccessFile(log.toFile(), "r")) {
            file.seek(from);
            long position = from;
            byte[] buffer = new byte[CHUNK];
            while (position < to) {
                int read = file.read(buffer, 0, (int) Math.min(buffer.length, to - position));
                if (read < 0) {
                    break;
                }
                for (int index = 0; index < read; index++) {
                    partial.write(buffer[index]);
                    if (buffer[index] == '\n') {
                        partial.writeTo(out);
                        partial.reset();
                    }
                }
                position += read;
            }
            return position;
        }
    }
}
