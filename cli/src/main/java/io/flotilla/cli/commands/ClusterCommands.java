package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.client.ClusterClient;
import io.flotilla.manager.cluster.BackupFile;
import io.flotilla.node.ClusterRestore;
import java.io.IOException;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flotilla cluster backup FILE} and {@code flotilla cluster restore FILE --data DIR}: the
 * cluster's state and keys into a file, from any manager while everything runs, and a new
 * cluster from such a file (docs/operations.md).
 */
@Command(name = "cluster", description = {"Back up the cluster, or make a data dir that starts it again from a backup.",
        "  flotilla cluster backup FILE                              the state and keys of the cluster, from any manager",
        "  flotilla cluster restore FILE --data DIR --advertise ADDR  then `flotilla init --data DIR` starts it"},
        subcommands = {ClusterCommands.Backup.class, ClusterCommands.Restore.class})
public final class ClusterCommands {
    private ClusterCommands() {}

    @Command(name = "backup", description = {"Write a backup of the cluster to FILE (mode 0600): the state at one applied",
            "log index, checksummed, secrets and configs sealed as in the state, and the CA and data keys that",
            "open them. Keep it as secret as a manager's DATA/tls. Nothing stops while it is taken."})
    static final class Backup implements Callable<Integer> {
        @Mixin ClientOptions client;

        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Override
        public Integer call() throws IOException {
            Path target = file.toAbsolutePath().normalize();
            if (!Files.isDirectory(target.getParent())) {
                throw new IllegalArgumentException("no such directory: " + target.getParent());
            }
            if (Files.isDirectory(target)) {
                throw new IllegalArgumentException(target + " is a directory: give the backup file's name");
            }
            byte[] bytes = new ClusterClient(client.client().base().getAuthority()).backup();
            BackupFile.Header header = BackupFile.parse(bytes).header(); // what arrived is whole
            writeAtomically(target, bytes);
            System.out.println("Backup of cluster " + header.clusterId() + " at log index " + header.index() + " (term "
                    + header.term() + ") written to " + target + " (" + bytes.length + " bytes).");
            System.out.println("It holds the cluster's CA and data keys: keep it as secret as a manager's DATA/tls.");
            return 0;
        }
    }

    /** A temporary file beside {@code target} (0600), forced to disk, renamed over it: a reader never sees half a backup. */
    static void writeAtomically(Path target, byte[] bytes) throws IOException {
        Path tmp = Files.createTempFile(target.getParent(), "." + target.getFileName(), ".tmp",
                PosixFilePermissions.asFileAttribute(PosixFilePermissions.fromString("rw-------")));
        try {
            try (FileChannel channel = FileChannel.open(tmp, StandardOpenOption.WRITE)) {
                channel.write(java.nio.ByteBuffer.wrap(bytes));
                channel.force(true);
            }
            Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } finally {
            Files.deleteIfExists(tmp);
        }
    }

    @Command(name = "restore", description = {"Make DIR (empty or absent) the data dir of a new first manager of the backed-up",
            "cluster: same state, CA, join tokens and secrets; this node is a new manager at --advertise.",
            "Start it with `flotilla init --data DIR`. A damaged or truncated FILE is refused; nothing is written then."})
    static final class Restore implements Callable<Integer> {
        @Parameters(index = "0", paramLabel = "FILE")
        Path file;

        @Option(names = "--data", required = true, paramLabel = "DIR", description = "The new data directory (empty or absent).")
        Path data;

        @Option(names = "--advertise", paramLabel = "ADDR", required = true,
                description = "Address other nodes reach the restored manager at (API on 4780, Raft on 4781).")
        String advertise;

        @Override
        public Integer call() throws IOException {
            String host = ClusterNodeRunner.requireAdvertise(advertise);
            if (!Files.isRegularFile(file)) {
                throw new IllegalArgumentException("no such backup file: " + file);
            }
            ClusterRestore.Restored restored = ClusterRestore.restore(Files.readAllBytes(file), data, host);
            System.out.println("Restored cluster " + restored.clusterId() + " at log index " + restored.index() + " into "
                    + data.toAbsolutePath().normalize() + " (new manager " + restored.nodeId() + " at " + host + ").");
            System.out.println("Start it with:  flotilla init --data " + data);
            return 0;
        }
    }
}
