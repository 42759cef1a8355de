package io.flotilla.demo;

import java.io.Closeable;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.BasicFileAttributes;
import java.time.Instant;

/**
 * The ledger demo's file: one line {@code <n> <writer> <iso time>} per entry, numbers counting up
 * by one, each line fsynced before the next. It is the test bed's detector of two copies of one
 * stateful slot running at once: a writer checks before every append that the file still ends
 * with the line it wrote last (at open: the file as it was), so a second writer on the same file
 * is caught at the first check after its first line.
 *
 * <p>A writer takes the file over when it starts ({@link #open}): it moves the file aside and puts
 * a copy of it in its place, so a copy that opened the file earlier can no longer append to the
 * ledger, even if it passed its checks before the takeover (frozen between its check and its
 * write). Two writers that both opened the file after the last takeover may still both append
 * between a check and a write (and write one number twice) — the next check of one of them sees
 * the other's line. This is defence in depth, not a lock: the lease and the watchdog are what keep
 * the second copy away.
 *
 * <p>Appends go through an O_APPEND channel, so a foreign line is never overwritten, only followed.
 */
final class LedgerFile implements Closeable {
    /** How far back from the end a last line is looked for: ample for {@code <n> <task id> <time>}. */
    private static final int TAIL = 4096;

    /** Another writer appended (or rewrote the file) since this one's last line. */
    static class ForeignWriterException extends IOException {
        ForeignWriterException(String message) {
            super(message);
        }
    }

    /**
     * Another writer took the file over (replaced it) since this one opened it: this one's writes
     * go to the replaced file, never to the ledger.
     */
    static final class TakenOverException extends ForeignWriterException {
        TakenOverException(String message) {
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
    /** The file's identity (device and inode) right after this writer took it over. */
    private Object key;

    private LedgerFile(Path file, String writer, FileChannel reader, FileChannel appender) {
        this.file = file;
        this.writer = writer;
        this.reader = reader;
        this.appender = appender;
    }

    /**
     * Takes the ledger {@code file} over for {@code writer}, in three steps: renames the file aside
     * (to {@code .ledger.log.replaced}), copies it to a hidden file of this writer's, checks the copy
     * (a torn last line, no newline: a crash in the middle of a write, is cut off), opens it, and
     * renames it to {@code file}. The next number follows its last line.
     *
     * <p>The first rename is the storage's own fence: a copy that opened the file before it (a node
     * frozen between its lease check and its write, woken after this copy started; or a write queued
     * in a frozen GlusterFS client) holds the file renamed aside, so its late write never reaches the
     * ledger, and its next check finds the file taken over. The file is moved aside rather than
     * replaced because GlusterFS can hold a rename <em>over</em> a file until a frozen client that
     * writes it wakes up, and moving it away does not wait. If {@code file} is missing but the file
     * aside is there (a takeover stopped between its two renames), the ledger continues from it.
     *
     * @throws IllegalArgumentException if the directory is missing, the writer name is unusable or
     *                                  the last line is not a ledger line (the file is put back)
     */
    static LedgerFile open(Path file, String writer) throws IOException {
        if (writer == null || writer.isBlank() || writer.chars().anyMatch(Character::isWhitespace) || writer.contains("/")) {
            throw new IllegalArgumentException("ledger writer name must be one word, got '" + writer + "'");
        }
        Path dir = file.toAbsolutePath().getParent();
        if (dir == null || !Files.isDirectory(dir)) {
            throw new IllegalArgumentException("ledger directory " + dir
                    + " does not exist: mount the volume there, or pass --dir (or LEDGER_DIR)");
        }
        Path aside = dir.resolve("." + file.getFileName() + ".replaced");
        Path fresh = dir.resolve("." + file.getFileName() + "." + writer + ".new");
        boolean moved = false;
        try {
            Files.move(file, aside, StandardCopyOption.ATOMIC_MOVE);
            moved = true;
        } catch (NoSuchFileException e) {
            if (Files.exists(aside)) {
                System.out.println("ledger: " + file + " is missing: continuing from " + aside
                        + " (a takeover that stopped between its two renames)");
            }
        }
        FileChannel reader = FileChannel.open(fresh, StandardOpenOption.CREATE, StandardOpenOption.TRUNCATE_EXISTING,
                StandardOpenOption.READ, StandardOpenOption.WRITE);
        FileChannel appender = null;
        try {
            copy(aside, reader);
            appender = FileChannel.open(fresh, StandardOpenOption.WRITE, StandardOpenOption.APPEND);
            LedgerFile ledger = new LedgerFile(file, writer, reader, appender);
            ledger.takeAsItIs();
            reader.force(true);
            Files.move(fresh, file, StandardCopyOption.ATOMIC_MOVE);
            ledger.key = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
            return ledger;
        } catch (IOException | RuntimeException e) {
            reader.close();
            if (appender != null) {
                appender.close();
            }
            Files.deleteIfExists(fresh);
            if (moved && !Files.exists(file)) {
                Files.move(aside, file, StandardCopyOption.ATOMIC_MOVE); // refused: as it was
            }
            throw e;
        }
    }

    /** Copies what {@code file} holds now (nothing if it is missing) to {@code target}. */
    private static void copy(Path file, FileChannel target) throws IOException {
        FileChannel source;
        try {
            source = FileChannel.open(file, StandardOpenOption.READ);
        } catch (NoSuchFileException e) {
            return;
        }
        try (source) {
            long size = source.size();
            long position = 0;
            while (position < size) {
                long copied = source.transferTo(position, size - position, target);
                if (copied <= 0) {
                    break; // shrank meanwhile: the copy is judged by its own last line
                }
                position += copied;
            }
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
        checkNotTakenOver();
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

    /** Throws {@link TakenOverException} if {@code file} is no longer the file this writer opened. */
    private void checkNotTakenOver() throws IOException {
        Object now;
        try {
            now = Files.readAttributes(file, BasicFileAttributes.class).fileKey();
        } catch (NoSuchFileException e) {
            now = null;
        }
        if (now == null || !now.equals(key)) {
            throw new TakenOverException("another writer took " + file + " over: " + (now == null ? "the file is missing"
                    : "the file in its place is not the one this copy opened") + ", so nothing this copy writes reaches the ledger."
                    + " Two copies of this slot are writing: stopping this one.");
        }
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
