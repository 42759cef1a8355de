package io.flotilla.manager.images;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.security.DigestInputStream;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.regex.Pattern;

/**
 * A manager's image archives, content-addressed in its data directory: {@code images/<sha256>.tar},
 * written only whole and checked (a partial upload lives in {@code images/uploads/} until its last
 * part arrives and its digest matches). An archive is never changed once stored, so any holder
 * serves the same bytes, and a copy from another manager is checked the same way.
 */
public final class ImageStore {
    private static final Pattern HEX_SHA256 = Pattern.compile("[0-9a-f]{64}");

    private final Path directory;
    private final Path uploads;

    public ImageStore(Path directory) throws IOException {
        this.directory = directory;
        this.uploads = directory.resolve("uploads");
        Files.createDirectories(uploads);
    }

    /** Refuses what is not a SHA-256 in hex: the digest becomes a file name. */
    public static String checkDigest(String digest) {
        if (digest == null || !HEX_SHA256.matcher(digest).matches()) {
            throw new IllegalArgumentException("digest must be the archive's SHA-256 as 64 lower-case hex digits, not "
                    + digest);
        }
        return digest;
    }

    public boolean has(String digest) {
        return Files.isRegularFile(archive(digest));
    }

    /** The stored archive (check {@link #has} first). */
    public Path archive(String digest) {
        return directory.resolve(checkDigest(digest) + ".tar");
    }

    /** How much of an upload arrived so far (0 for none; the size when the archive is stored). */
    public synchronized long received(String digest, long size) throws IOException {
        if (has(digest)) {
            return size;
        }
        Path part = part(digest);
        return Files.exists(part) ? Files.size(part) : 0;
    }

    /**
     * Appends one part of an upload at {@code offset}, which must be where the upload stands (so a
     * client that lost an answer resumes from {@link #received}). Once {@code size} bytes arrived,
     * the digest is checked and the archive stored; true then.
     */
    public synchronized boolean append(String digest, long size, long offset, byte[] bytes) throws IOException {
        if (has(digest)) {
            return true;
        }
        long at = received(digest, size);
        if (offset != at) {
            throw new IllegalStateException("the upload of " + digest + " stands at byte " + at + ", not " + offset);
        }
        if (at + bytes.length > size) {
            throw new IllegalArgumentException("the parts are longer than the archive's size " + size);
        }
        Path part = part(digest);
        Files.write(part, bytes, StandardOpenOption.CREATE, StandardOpenOption.APPEND);
        if (at + bytes.length < size) {
            return false;
        }
        String actual;
        try (InputStream in = Files.newInputStream(part)) {
            actual = sha256(in);
        }
        if (!actual.equals(digest)) {
            Files.deleteIfExists(part);
            throw new IllegalArgumentException("the archive's SHA-256 is " + actual + ", not " + digest
                    + ": upload discarded");
        }
        Files.move(part, archive(digest), StandardCopyOption.ATOMIC_MOVE);
        return true;
    }

    /** Stores an archive read whole from {@code in} (a copy from another manager), if its digest matches. */
    public void copy(String digest, InputStream in) throws IOException {
        if (has(digest)) {
            return;
        }
        Path temporary = Files.createTempFile(uploads, digest, ".copy");
        try {
            MessageDigest sha = sha();
            try (OutputStream out = Files.newOutputStream(temporary);
                 DigestInputStream digesting = new DigestInputStream(in, sha)) {
                digesting.transferTo(out);
            }
            String actual = HexFormat.of().formatHex(sha.digest());
            if (!actual.equals(digest)) {
                throw new IOException("the copy's SHA-256 is " + actual + ", not " + digest);
            }
            Files.move(temporary, archive(digest), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(temporary);
        }
    }

    private Path part(String digest) {
        return uploads.resolve(checkDigest(digest) + ".part");
    }

    static String sha256(InputStream in) throws IOException {
        MessageDigest sha = sha();
        byte[] buffer = new byte[64 * 1024];
        int read;
        while ((read = in.read(buffer)) > 0) {
            sha.update(buffer, 0, read);
        }
        return HexFormat.of().formatHex(sha.digest());
    }

    private static MessageDigest sha() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException(e);
        }
    }
}
