package io.flotilla.manager.cluster;

import io.flotilla.manager.raft.ClusterStateMachine;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import io.flotilla.state.StateSnapshot;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.InstantSource;

/**
 * {@code GET /v1/cluster/backup}: a {@link BackupFile} of this manager's applied state, taken
 * without stopping anything. The state and its Raft index are read together under the state
 * machine's apply lock ({@link ClusterStateMachine#applied}), so the file names exactly the index
 * its content is at. Any manager answers with its own applied state: a follower's may be a few
 * entries behind the leader's, and says which index it holds.
 */
final class ClusterBackup {
    private ClusterBackup() {}

    /** @param tls this manager's TLS (its {@code DATA/tls} holds the CA and data keys); null: a plaintext test manager, no keys */
    static byte[] take(RaftClusterStore store, NodeTls tls, InstantSource clock) throws IOException {
        ClusterStateMachine.Applied applied = store.machine().applied();
        StateSnapshot state = StateSnapshot.of(applied.state());
        String clusterId = applied.state().cluster() == null ? null : applied.state().cluster().clusterId();
        BackupFile.Body body = tls == null ? new BackupFile.Body(state, null, null, null, null) : withKeys(state, tls.directory());
        return BackupFile.write(new BackupFile.Header(BackupFile.VERSION, clusterId, applied.index(), applied.term(),
                clock.instant().toString(), 0), body);
    }

    private static BackupFile.Body withKeys(StateSnapshot state, TlsDirectory dir) throws IOException {
        return new BackupFile.Body(state, read(dir.caCertificate()), read(dir.caChain()), read(dir.caKey()),
                read(dir.dataKey()));
    }

    private static String read(Path file) throws IOException {
        return Files.isRegularFile(file) ? Files.readString(file, StandardCharsets.US_ASCII) : null;
    }
}
