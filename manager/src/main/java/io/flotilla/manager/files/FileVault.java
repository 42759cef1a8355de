package io.flotilla.manager.files;

import io.flotilla.model.ClusterFile;
import io.flotilla.model.FileKind;
import io.flotilla.model.SealedData;
import io.flotilla.security.ClusterDataKey;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

/**
 * Seals and opens the content of secrets and configs on a manager, with the cluster data key
 * ({@link ClusterDataKey}, AES-256-GCM). The associated data is the object's kind, id, name and
 * version: a ciphertext copied to another object or version does not open.
 *
 * <p>Opened contents are cached in memory only, by id and version (the dispatcher sends a task's
 * files with every answer to its node's poll): one entry per object, replaced by a newer version,
 * dropped when the object is gone ({@link #retain}). Nothing here writes a content anywhere, and no
 * message of an exception it throws holds one.
 */
public final class FileVault {
    private record Opened(long version, SealedData sealed, byte[] data) {}

    private final Supplier<ClusterDataKey> key;
    private final Map<String, Opened> opened = new ConcurrentHashMap<>();

    /** @param key the manager's key now, or null when it holds none (read again at each call that needs it) */
    public FileVault(Supplier<ClusterDataKey> key) {
        this.key = key;
    }

    /** Whether this manager holds the cluster data key. */
    public boolean available() {
        return key.get() != null;
    }

    /** {@code data} sealed for version {@code version} of the object {@code kind}/{@code id}/{@code name}. */
    public SealedData seal(FileKind kind, String id, String name, long version, byte[] data) {
        ClusterDataKey current = requireKey();
        ClusterDataKey.Sealed sealed = current.seal(data, associatedData(kind, id, name, version));
        return new SealedData(sealed.nonce(), sealed.ciphertext());
    }

    /** The content of the object's current version (from the cache when it was opened before). */
    public byte[] open(ClusterFile file) {
        Opened cached = opened.get(file.id());
        if (cached != null && cached.version() == file.version() && cached.sealed().equals(file.sealed())) {
            return cached.data().clone();
        }
        byte[] data;
        try {
            data = requireKey().open(file.sealed().nonce(), file.sealed().ciphertext(),
                    associatedData(file.kind(), file.id(), file.name(), file.version()));
        } catch (IllegalStateException e) {
            throw new IllegalStateException(file.kind().label() + " " + file.name() + " v" + file.version()
                    + ": " + e.getMessage());
        }
        opened.put(file.id(), new Opened(file.version(), file.sealed(), data));
        return data.clone();
    }

    /** Whether {@code data} is the content of the object's current version (a deploy that changes nothing). */
    public boolean holds(ClusterFile file, byte[] data) {
        return java.security.MessageDigest.isEqual(open(file), data);
    }

    /** Forgets every cached content but those of the ids in {@code ids} (the objects that still exist). */
    public void retain(java.util.Set<String> ids) {
        opened.keySet().retainAll(ids);
    }

    private ClusterDataKey requireKey() {
        ClusterDataKey current = key.get();
        if (current == null) {
            throw new MissingDataKeyException();
        }
        return current;
    }

    static byte[] associatedData(FileKind kind, String id, String name, long version) {
        return String.join("\0", "flotilla-file-v1", kind.label(), id, name, Long.toString(version))
                .getBytes(StandardCharsets.UTF_8);
    }

    /** This manager holds no cluster data key: it cannot seal or open (another manager may). */
    public static final class MissingDataKeyException extends IllegalStateException {
        public MissingDataKeyException() {
            super("this manager holds no cluster data key (tls/data.key): it cannot seal or open secrets and configs;"
                    + " a manager gets it when it joins or is promoted (docs/secrets.md)");
        }
    }

    @Override
    public String toString() {
        return "FileVault[" + opened.size() + " opened]";
    }

    /** For tests: the number of contents cached. */
    int cached() {
        return opened.size();
    }
}
