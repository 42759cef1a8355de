package io.flotilla.demo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Instant;

/**
 * The ledger demo's file: one line {@code <n> <writer> <iso time>} per entry, numbers counting up
 * by one, each line fsynced before the next. It is the test bed's detector of two copies of one
 * stateful slot running at once: a writer checks before every append that the file still ends
 * with the line it wrote last (at open: the file as it was), so a second writer on the same file
 * is caught at the first check after its first line.
 *
 * <p>The check and the append are two steps: two writers racing in between may both append (and
 * write one number twice) — the next check of one of them still sees the other's line. This is
 * defence in depth, not a lock: the lease and the watchdog are what keep the second copy away.
 *
 * <p>Appends go through an O_APPEND channel, so a foreign line is never overwritten, only followed.
 */
final class LedgerFile implements Closeable {
    /** How far back from the end a last line is looked for: ample for {@code <n> <task id> <time>}. */
    private static final int TAIL = 4096;

    /** Another writer appended (or rewrote the file) since this one's last line. */
    static final class ForeignWriterException extends IOException {
        ForeignWriterException(String message) {
            super(message);
        }
    }

    private final Path file;
    private final String writer;
    private final FileChannel reader;
    private final FileChannel appender;
    /** The line the file must end with (without its newline); null while the file must be empty. */
    private String expectedLast;
    private long expectedSize;
    private long lastNumber;

    private LedgerFile(Path file, String writer, FileChannel reader, FileChannel appender) {
        this.file = file;
        this.writer = writer;
        this.reader = reader;
        this.appender = appender;
    }

    /**
     * Opens (creating if missing) {@code file} for {@code writer}, taking the file as it is: the next
     * number follows its last line. A torn last line (no newline: a crash in the middle of a
     * write) is cut off first.
     *
     * @throws IllegalArgumentException if the directory is missing, the writer name is unusable or
     *                                  the last line is not a ledger line (nothing is changed then)
     */
    static LedgerFile open(Path file, String writer) throws IOException {
        if (writer == null || writer.isBlank() || writer.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException("ledger writer name must be one word, got '" + writer + "'");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("ledger directory " + dir
                    + " does not exist: mount the volume there, or pass --dir (or LEDGER_DIR)");
        }
        FileChannel reader = FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel appender = null;
        try {
            appender = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            LedgerFile ledger = new LedgerFile(file, writer, reader, appender);
            ledger.takeAsItIs();
            return ledger;
        } catch (IOException | RuntimeException e) {
            reader.close();
            if (appender != null) {
                appender.close();
            }
            throw e;
        }
    }

    private void takeAsItIs() throws IOException {
        Tail tail = readTail();
        String last = tail.lastLine();
        long number = 0;
        if (last != null) {
            number = numberOf(last);
        }
        if (tail.tornBytes() > 0) {
            System.out.println("ledger: cutting a torn last line of " + tail.tornBytes() + " bytes off " + file);
            reader.truncate(tail.size() - tail.tornBytes());
            reader.force(true);
        }
        expectedLast = last;
        expectedSize = tail.size() - tail.tornBytes();
        lastNumber = number;
    }

    private long numberOf(String line) {
        int space = line.indexOf(' ');
        try {
            long number = Long.parseLong(space < 0 ? line : line.substring(0, space));
            if (number < 0) {
                throw new NumberFormatException();
            }
            return number;
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("the last line of " + file + " is not a ledger line ('<n> <task> <time>'): '"
                    + line + "'; move the file away or fix it");
        }
    }

    /** The number of the file's last line as this writer knows it (0 for an empty ledger). */
    long lastNumber() {
        return lastNumber;
    }

    /**
     * Checks that the file still ends with this writer's last line, then appends the next number
     * and fsyncs it.
     *
     * @return the line appended (without its newline)
     * @throws ForeignWriterException if another writer appended or the file was changed otherwise
     */
    String append(Instant now) throws IOException {
        return append(() -> now);
    }

    /**
     * As {@link #append(Instant)}, with the line's time read from {@code clock} after the check,
     * right before the write: a writer's lease check there (the clock may throw) leaves only the
     * write itself between the check and the append.
     */
    String append(java.util.function.Supplier<Instant> clock) throws IOException {
        Tail tail = readTail();
        String actual = tail.lastLine();
        if (tail.size() != expectedSize || tail.tornBytes() > 0 || !java.util.Objects.equals(actual, expectedLast)) {
            String found = tail.tornBytes() > 0 ? "a partial line being written" : actual == null ? "nothing (the file is empty)"
                    : "'" + actual + "'";
            throw new ForeignWriterException("another writer changed " + file + ": it ends with " + found + ", not with "
                    + (expectedLast == null ? "nothing" : "this task's '" + expectedLast + "'") + " (" + tail.size()
                    + " bytes, expected " + expectedSize + "). Two copies of this slot are writing: stopping this one.");
        }
        long next = lastNumber + 1;
        String line = next + " " + writer + " " + clock.get();
        ByteBuffer bytes = ByteBuffer.wrap((line + "\n").getBytes(StandardCharsets.UTF_8));
        while (bytes.hasRemaining()) {
            appender.write(bytes);
        }
        appender.force(true);
        expectedSize = appender.position();
        expectedLast = line;
        lastNumber = next;
        return line;
    }

    /** The file's size, its last complete line (null if none) and the bytes after the last newline. */
    private record Tail(long size, String lastLine, int tornBytes) {}

    private Tail readTail() throws IOException {
        long size = reader.size();
        if (size == 0) {
            return new Tail(0, null, 0);
        }
        int length = (int) Math.min(size, TAIL);
        ByteBuffer buffer = ByteBuffer.allocate(length);
        long position = size - length;
        while (buffer.hasRemaining()) {
            int read = reader.read(buffer, position + buffer.position());
            if (read < 0) {
                break; // shrank meanwhile: judged by what was read
            }
        }
        byte[] bytes = buffer.array();
        int end = buffer.position();
        int lastNewline = lastIndexOf(bytes, end, end);
        int torn = end - 1 - lastNewline;
        if (lastNewline < 0) {
            return new Tail(size, null, torn);
        }
        int start = lastIndexOf(bytes, lastNewline, end) + 1;
        if (start == 0 && position > 0) {
            throw new IOException("the last line of " + file + " is longer than " + TAIL + " bytes: not a ledger");
        }
        return new Tail(size, new String(bytes, start, lastNewline - start, StandardCharsets.UTF_8), torn);
    }

    /** The index of the last '\n' in {@code bytes} before {@code before}, or -1. */
    private static int lastIndexOf(byte[] bytes, int before, int end) {
        for (int i = Math.min(before, end) - 1; i >= 0; i--) {
            if (bytes[i] == '\n') {
                return i;
            }
        }
        return -1;
    }

    @Override
    public void close() throws IOException {
        try {
            appender.close();
        } finally {
            reader.close();
        }
    }
}
