package io.flotilla.manager;

import io.flotilla.model.Checks;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;

/**
 * How one manager runs.
 *
 * @param nodeId           this manager's node id, also its Raft peer id
 * @param dataDir          where it keeps its data (the Raft log and snapshots under {@code raft/})
 * @param apiAddress       where the HTTP API listens (port 0: any free port)
 * @param raftAddress      where the Raft peer listens
 * @param heartbeatTimeout how long a node may stay silent before it is marked down; null: {@link #DEFAULT_HEARTBEAT_TIMEOUT}
 */
public record ManagerConfig(String nodeId, Path dataDir, InetSocketAddress apiAddress, InetSocketAddress raftAddress,
                            Duration heartbeatTimeout) {
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);

    public ManagerConfig {
        Checks.requireText(nodeId, "nodeId");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(apiAddress, "apiAddress");
        Objects.requireNonNull(raftAddress, "raftAddress");
        heartbeatTimeout = heartbeatTimeout == null ? DEFAULT_HEARTBEAT_TIMEOUT : heartbeatTimeout;
        if (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()) {
            throw new IllegalArgumentException("heartbeatTimeout must be positive: " + heartbeatTimeout);
        }
    }
}
