package io.flotilla.agent.files;

import io.flotilla.model.FileMount;
import io.flotilla.model.api.TaskFile;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.SeekableByteChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Arrays;
import java.util.Set;

/**
 * Writes one task's files into its tmpfs with the owner and mode each asks for. A new version
 * replaces the old one atomically (a temporary file, mode 0600 and root's until its content is
 * whole, then owner, mode and rename), except for a file a container sees through a bind mount of
 * the file itself, which is rewritten in place ({@link FileLayout}). The content is written from
 * the assignment's bytes and the copy zeroed after; it passes through no other buffer, command or
 * message. Owners are set only when the agent is root ("chown only when root").
 *
 * @param defaultUid owner of a file that names none (-1: the agent's)
 * @param privileged the agent is root and may chown
 */
record FileWriter(Path root, boolean container, long defaultUid, long defaultGid, boolean privileged) {
    private static final int DIRECTORY_MODE = 0700;
    /** The directory a container sees as /run/secrets: any user of the container may look in it. */
    private static final int RUN_SECRETS_MODE = 0755;

    void write(FileLayout.Placed placed, TaskFile file) throws IOException {
        prepareDirectories();
        FileMount mount = placed.mount();
        long uid = id(mount.uid(), defaultUid, "uid");
        long gid = id(mount.gid(), defaultGid, "gid");
        Path target = root.resolve(placed.relative());
        byte[] data = file.data();
        try {
            if (placed.inPlace() && Files.isRegularFile(target)) {
                try (SeekableByteChannel channel = Files.newByteChannel(target, StandardOpenOption.WRITE,
                        StandardOpenOption.TRUNCATE_EXISTING)) {
                    writeAll(channel, data);
                }
                own(target, uid, gid, mount.mode());
                return;
            }
            Path temporary = target.resolveSibling(".tmp-" + target.getFileName());
            Files.deleteIfExists(temporary);
            try (SeekableByteChannel channel = Files.newByteChannel(temporary,
                    Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE),
                    PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")))) {
                writeAll(channel, data);
            }
            own(temporary, uid, gid, mount.mode());
            Files.move(temporary, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Arrays.fill(data, (byte) 0);
        }
    }

    private void prepareDirectories() throws IOException {
        own(root, container ? 0 : defaultUid, container ? 0 : defaultGid, DIRECTORY_MODE);
        if (container) {
            Path secrets = root.resolve(FileLayout.SECRETS_SUBDIR);
            Path files = root.resolve(FileLayout.FILES_SUBDIR);
            Files.createDirectories(secrets);
            Files.createDirectories(files);
            own(secrets, 0, 0, RUN_SECRETS_MODE);
            own(files, 0, 0, DIRECTORY_MODE);
        }
    }

    private void own(Path path, long uid, long gid, int mode) throws IOException {
        if (privileged) {
            if (uid >= 0) {
                Files.setAttribute(path, "unix:uid", (int) uid);
            }
            if (gid >= 0) {
                Files.setAttribute(path, "unix:gid", (int) gid);
            }
        }
        Files.setAttribute(path, "unix:mode", mode);
    }

    private static void writeAll(SeekableByteChannel channel, byte[] data) throws IOException {
        ByteBuffer buffer = ByteBuffer.wrap(data);
        while (buffer.hasRemaining()) {
            channel.write(buffer);
        }
    }

    /** A Compose uid/gid ("0", "1000"); {@code fallback} when absent. */
    private static long id(String value, long fallback, String what) {
        if (value == null || value.isBlank()) {
            return fallback;
        }
        String trimmed = value.strip();
        if (trimmed.length() > 10 || !trimmed.chars().allMatch(c -> c >= '0' && c <= '9')
                || Long.parseLong(trimmed) > 0xFFFFFFFEL) {
            throw new IllegalArgumentException(what + " \"" + value + "\" is not a numeric id");
        }
        return Long.parseLong(trimmed);
    }
}
