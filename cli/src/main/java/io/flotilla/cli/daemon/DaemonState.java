package io.flotilla.cli.daemon;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.FileTime;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Map;
import java.util.TreeMap;

/**
 * The file through which launchers find a daemon ({@code port token pid}, readable by its owner
 * only: the token is what lets a local process run commands with the user's credential), and the
 * distribution the daemon was started from: when a jar of it changes, the daemon is stale.
 */
final class DaemonState {
    private final Path file;
    private final Path lib;
    private final Map<Path, FileTime> jars;

    DaemonState(Path file, Path lib) throws IOException {
        this.file = file;
        this.lib = lib;
        this.jars = snapshot(lib);
    }

    Path file() {
        return file;
    }

    /** Writes {@code port token pid} atomically, owner-only, in an owner-only directory. */
    void publish(int port, String token) throws IOException {
        Path dir = file.toAbsolutePath().getParent();
        Files.createDirectories(dir);
        Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwx------"));
        Path temporary = Files.createTempFile(dir, file.getFileName().toString(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        Files.writeString(temporary, port + " " + token + " " + ProcessHandle.current().pid() + "\n", StandardCharsets.US_ASCII);
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }

    /** Whether the file still names this daemon (a newer one may have taken it over). */
    boolean stillOurs(String token) {
        try {
            return Files.readString(file, StandardCharsets.US_ASCII).contains(" " + token + " ");
        } catch (IOException e) {
            return false;
        }
    }

    /** Removes the file if it still names this daemon. */
    void withdraw(String token) {
        if (stillOurs(token)) {
            try {
                Files.deleteIfExists(file);
            } catch (IOException e) {
                // the launcher finds nobody listening and starts a new daemon
            }
        }
    }

    /** Whether a jar of the distribution was added, removed or changed since the daemon started. */
    boolean stale() {
        try {
            return !snapshot(lib).equals(jars);
        } catch (IOException e) {
            return true;
        }
    }

    private static Map<Path, FileTime> snapshot(Path lib) throws IOException {
        Map<Path, FileTime> jars = new TreeMap<>();
        try (DirectoryStream<Path> entries = Files.newDirectoryStream(lib, "*.jar")) {
            for (Path jar : entries) {
                jars.put(jar.getFileName(), Files.getLastModifiedTime(jar));
            }
        }
        return jars;
    }
}
