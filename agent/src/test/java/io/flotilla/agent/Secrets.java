package io.flotilla.agent;

import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.read.ListAppender;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.api.TaskFile;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.stream.Stream;
import org.slf4j.LoggerFactory;

/** Secrets for tests: random markers, files of them, a log capture and scans that look for a marker. */
final class Secrets {
    private Secrets() {}

    /** A value that appears nowhere unless a secret leaked. */
    static String marker() {
        return "flsa-marker-" + UUID.randomUUID();
    }

    static FileMount secret(String source, String target, String uid, String gid, int mode) {
        return new FileMount(FileKind.SECRET, source, target, uid, gid, mode);
    }

    static FileMount config(String source, String target, String uid, String gid, int mode) {
        return new FileMount(FileKind.CONFIG, source, target, uid, gid, mode);
    }

    static TaskFile file(FileMount mount, long version, String content) {
        return new TaskFile(mount, version, content.getBytes(StandardCharsets.UTF_8));
    }

    /** Every log event of the agent (all levels, from now on) until {@link LogCapture#close()}. */
    static LogCapture captureLogs() {
        Logger root = (Logger) LoggerFactory.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
        Logger flotilla = (Logger) LoggerFactory.getLogger("io.flotilla");
        ListAppender<ILoggingEvent> appender = new ListAppender<>();
        appender.start();
        root.addAppender(appender);
        ch.qos.logback.classic.Level before = flotilla.getLevel();
        flotilla.setLevel(ch.qos.logback.classic.Level.DEBUG);
        return new LogCapture(root, flotilla, before, appender);
    }

    record LogCapture(Logger root, Logger flotilla, ch.qos.logback.classic.Level before,
                      ListAppender<ILoggingEvent> appender) implements AutoCloseable {
        /** Every line captured, formatted, with the stack traces. */
        String text() {
            StringBuilder text = new StringBuilder();
            for (ILoggingEvent event : List.copyOf(appender.list)) {
                text.append(event.getLoggerName()).append(' ').append(event.getFormattedMessage()).append('\n');
                if (event.getThrowableProxy() != null) {
                    text.append(ThrowableProxyUtil.asString(event.getThrowableProxy())).append('\n');
                }
            }
            return text.toString();
        }

        @Override
        public void close() {
            root.detachAppender(appender);
            flotilla.setLevel(before);
        }
    }

    /**
     * The files under {@code dir} whose bytes contain {@code marker}, plain or as base64 (as JSON
     * would carry a secret's data); with {@code intoMounts}
     * false a mounted secrets tmpfs is not entered (what is on the disk).
     */
    static List<Path> filesContaining(Path dir, String marker, boolean intoMounts) {
        byte[] needle = marker.getBytes(StandardCharsets.UTF_8);
        byte[] encoded = encoded(marker);
        List<Path> found = new ArrayList<>();
        try {
            Files.walkFileTree(dir, new java.nio.file.SimpleFileVisitor<>() {
                @Override
                public java.nio.file.FileVisitResult preVisitDirectory(Path path,
                        java.nio.file.attribute.BasicFileAttributes attributes) {
                    return !intoMounts && FilesTmpfs.isMounted(path) ? java.nio.file.FileVisitResult.SKIP_SUBTREE
                            : java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFile(Path path, java.nio.file.attribute.BasicFileAttributes attributes) {
                    if (attributes.isRegularFile()) {
                        byte[] content = readQuietly(path);
                        if (indexOf(content, needle) >= 0 || indexOf(content, encoded) >= 0) {
                            found.add(path);
                        }
                    }
                    return java.nio.file.FileVisitResult.CONTINUE;
                }

                @Override
                public java.nio.file.FileVisitResult visitFileFailed(Path path, IOException e) {
                    return java.nio.file.FileVisitResult.CONTINUE; // removed while scanning
                }
            });
        } catch (IOException e) {
            throw new AssertionError("cannot scan " + dir, e);
        }
        return found;
    }

    /** The marker as JSON carries bytes (base64), for a content written whole as a file's data. */
    static byte[] encoded(String marker) {
        return java.util.Base64.getEncoder().encode(marker.getBytes(StandardCharsets.UTF_8));
    }

    /** True when {@code text} holds the marker plain or as base64. */
    static boolean holds(String text, String marker) {
        return text.contains(marker) || text.contains(new String(encoded(marker), StandardCharsets.US_ASCII));
    }

    private static byte[] readQuietly(Path path) {
        try {
            return Files.readAllBytes(path);
        } catch (IOException e) {
            return new byte[0]; // removed while scanning
        }
    }

    static int indexOf(byte[] haystack, byte[] needle) {
        outer:
        for (int i = 0; i + needle.length <= haystack.length; i++) {
            for (int j = 0; j < needle.length; j++) {
                if (haystack[i + j] != needle[j]) {
                    continue outer;
                }
            }
            return i;
        }
        return -1;
    }

    /** Unmounts whatever secrets tmpfs a test left under {@code dataDir}, so JUnit can delete it. */
    static void unmountAll(Path dataDir) {
        Path root = TaskDirectory.tasksRoot(dataDir);
        if (!Files.isDirectory(root)) {
            return;
        }
        try (Stream<Path> children = Files.list(root)) {
            for (Path child : children.toList()) {
                FilesTmpfs.remove(FilesTmpfs.of(new TaskDirectory(child)));
            }
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
