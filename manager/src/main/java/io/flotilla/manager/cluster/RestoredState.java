package io.flotilla.manager.cluster;

import io.flotilla.manager.raft.ClusterStateMachine;
import io.flotilla.manager.raft.RaftClusterStore;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The backup {@code flotilla cluster restore} leaves in {@code DATA/manager/restore.backup}: the
 * first start of the manager on that data dir begins its Raft group from the backup's state
 * ({@link RaftClusterStore#restoreFrom}) and deletes the file once it leads; a start that fails
 * before that finds it again. The file is verified again here: a restore never starts from a
 * damaged state.
 */
public final class RestoredState {
    private static final Logger LOG = LoggerFactory.getLogger(RestoredState.class);
    public static final String FILE = "restore.backup";

    private RestoredState() {}

    /** Seeds {@code store} from {@code managerDir/restore.backup} if there is one; returns it (null: none). */
    public static Path seed(Path managerDir, RaftClusterStore store) throws IOException {
        Path file = managerDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return null;
        }
        BackupFile.Contents backup;
        try {
            backup = BackupFile.parse(Files.readAllBytes(file));
        } catch (BackupFile.InvalidBackupException e) {
            throw new IOException(file + ": " + e.getMessage(), e);
        }
        if (!store.restoreFrom(new ClusterStateMachine.Seed(backup.body().state(), backup.header().index()))) {
            LOG.warn("{} ignored: this manager's Raft log exists already (remove the file)", file);
            return null;
        }
        LOG.info("starting from the backup of cluster {} at log index {} (taken {})", backup.header().clusterId(),
                backup.header().index(), backup.header().time());
        return file;
    }

    /** The manager leads from the restored state: the file has done its work. */
    public static void done(Path file) throws IOException {
        if (file != null) {
            Files.deleteIfExists(file);
        }
    }
}
