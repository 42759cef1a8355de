package io.flotilla.manager.files;

import io.flotilla.security.ClusterDataKey;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.function.Supplier;

/**
 * Where a manager keeps the cluster data key, and the key as it is now: {@code DATA/tls/data.key}
 * beside the CA key ({@code init} made it; a joining or promoted manager received it with its
 * certificate), or {@code data.key} in the manager's own directory on a plaintext test manager.
 * Read again while it is missing, so a key that arrives with a promotion counts at once; never
 * written to the log.
 */
public final class DataKeyFile implements Supplier<ClusterDataKey> {
    private final Path file;
    private volatile ClusterDataKey key;

    public DataKeyFile(Path file) {
        this.file = file;
    }

    public Path file() {
        return file;
    }

    /**
     * Makes the key when this is the first manager of a new cluster and it has none yet (a plaintext
     * test manager, or a cluster made before secrets existed), and only while the cluster holds no
     * secret or config: a key made later would open none of them.
     */
    public void makeIfFirst(boolean firstManager, boolean clusterHoldsFiles) throws IOException {
        if (firstManager && !clusterHoldsFiles && !Files.isRegularFile(file)) {
            ClusterDataKey.generate().write(file);
        }
    }

    @Override
    public ClusterDataKey get() {
        ClusterDataKey current = key;
        if (current == null && Files.isRegularFile(file)) {
            try {
                current = ClusterDataKey.read(file);
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            }
            key = current;
        }
        if (current != null && !Files.isRegularFile(file)) {
            key = null; // demoted: the key was deleted with the CA key
            return null;
        }
        return current;
    }
}
