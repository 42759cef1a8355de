package io.flotilla.node;

import io.flotilla.manager.cluster.BackupFile;
import io.flotilla.manager.cluster.RestoredState;
import io.flotilla.model.NodeRole;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;

/**
 * {@code flotilla cluster restore FILE --data DIR --advertise ADDR}: makes DIR the data dir of
 * the first manager of the backed-up cluster, which {@code flotilla init --data DIR} then starts.
 *
 * <p>"The same cluster" is its state (stacks, services, tasks, nodes, secrets and configs,
 * volumes, networks, join tokens, the cluster id) and its keys: the CA root and key (so every
 * certificate the cluster issued, the admin's and the nodes', stays valid, and join tokens still
 * pin the same root) and the data key (so the sealed secrets open). This node is a new manager,
 * with a new node id, at {@code ADDR}: the backup's own managers stay in the state as nodes that
 * are down, and their tasks move to the nodes that are up, as after any lost node.
 *
 * <p>Everything is checked first (the file verified, DIR empty or absent, the keys present) and
 * written into a directory beside DIR that is renamed to DIR last: a refused or failed restore
 * leaves nothing behind.
 */
public final class ClusterRestore {
    private ClusterRestore() {}

    /** The node restored: its id and the cluster's. */
    public record Restored(String nodeId, String clusterId, long index) {}

    public static Restored restore(byte[] file, Path dir, String advertise) throws IOException {
        BackupFile.Contents backup = BackupFile.parse(file);
        Path data = dir.toAbsolutePath().normalize();
        requireEmptyOrAbsent(data);
        BackupFile.Body keys = backup.body();
        if (keys.caCertificates() == null || keys.caKey() == null || keys.dataKey() == null) {
            throw new IllegalArgumentException("this backup holds no CA key or data key (taken from a manager without"
                    + " TLS?): a cluster restored from it could open none of its secrets");
        }
        Path parent = data.getParent();
        Files.createDirectories(parent);
        Path staging = Files.createTempDirectory(parent, "." + data.getFileName() + ".restore-");
        try {
            String nodeId = NodeIdentity.newId(new SecureRandom());
            String clusterId = backup.header().clusterId();
            new NodeConfig(nodeId, clusterId, NodeRole.MANAGER, advertise, List.of(), true).save(staging);
            TlsDirectory tls = TlsDirectory.of(staging);
            Pem.writePublic(tls.caCertificate(), keys.caCertificates());
            if (keys.caChain() != null) {
                Pem.writePublic(tls.caChain(), keys.caChain());
            }
            Pem.writePrivate(tls.caKey(), keys.caKey());
            Pem.writePrivate(tls.dataKey(), keys.dataKey());
            Path seed = staging.resolve("manager").resolve(RestoredState.FILE);
            Files.createDirectories(seed.getParent());
            Files.createFile(seed, PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
            Files.write(seed, file); // holds the keys too: deleted once the manager started from it
            tls.readAuthority(); // the key belongs to one of the roots, or nothing is restored
            if (Files.isDirectory(data)) {
                Files.delete(data); // empty, checked above
            }
            Files.move(staging, data, StandardCopyOption.ATOMIC_MOVE);
            return new Restored(nodeId, clusterId, backup.header().index());
        } catch (IOException | RuntimeException e) {
            deleteRecursively(staging);
            throw e;
        }
    }

    private static void requireEmptyOrAbsent(Path data) throws IOException {
        if (!Files.exists(data)) {
            return;
        }
        if (!Files.isDirectory(data)) {
            throw new IllegalArgumentException("--data " + data + " is a file: a restore makes a new data directory");
        }
        try (Stream<Path> entries = Files.list(data)) {
            if (entries.findAny().isPresent()) {
                throw new IllegalArgumentException("--data " + data + " is not empty: a restore makes a new data"
                        + " directory and overwrites nothing (give an empty or absent one)");
            }
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path f : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(f);
            }
        }
    }
}
