package io.flotilla.manager;

import io.flotilla.model.Checks;
import io.flotilla.model.NetworkPool;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.security.NodeTls;

/**
 * How one manager runs.
 *
 * @param nodeId           this manager's node id, also its Raft peer id
 * @param dataDir          where it keeps its data (the Raft log and snapshots under {@code raft/})
 * @param apiAddress       where the HTTP API listens (port 0: any free port)
 * @param raftAddress      where the Raft peer listens
 * @param heartbeatTimeout how long a node may stay silent before it is marked down; null: {@link #DEFAULT_HEARTBEAT_TIMEOUT}
 * @param bootstrap        on a fresh data dir, start a new cluster of this one manager (init, dev); false: a
 *                         joining manager, which waits for the leader to add it to the group
 * @param knownManagers    the managers learned at join (empty for the first manager)
 * @param tls              this node's mutual TLS (API over HTTPS, Raft gRPC over TLS, the CA to sign
 *                         joins and renewals); null: plaintext, which only in-process tests use —
 *                         the CLI always gives one
 * @param leaseTtl         the lease the leader grants an agent with every answered status report
 *                         ({@code leaseMillis}): an agent that has not had an answer for that long kills
 *                         its fenced tasks, so the leader replaces a lost node's fenced tasks only after
 *                         its last heartbeat + lease + 1 s; null: {@link #DEFAULT_LEASE_TTL}
 * @param networkPool      where networks' subnets come from ({@code init --network-pool}), written into
 *                         the cluster config when this manager makes the cluster; null: {@link NetworkPool#DEFAULT}
 */
public record ManagerConfig(String nodeId, Path dataDir, InetSocketAddress apiAddress, InetSocketAddress raftAddress,
                            Duration heartbeatTimeout, boolean bootstrap, List<ManagerPeer> knownManagers,
                            NodeTls tls, Duration leaseTtl, NetworkPool networkPool) {
    public static final Duration DEFAULT_HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);
    public static final Duration DEFAULT_LEASE_TTL = io.flotilla.scheduler.Fencing.DEFAULT_LEASE;

    /** With the default network pool. */
    public ManagerConfig(String nodeId, Path dataDir, InetSocketAddress apiAddress, InetSocketAddress raftAddress,
                         Duration heartbeatTimeout, boolean bootstrap, List<ManagerPeer> knownManagers, NodeTls tls,
                         Duration leaseTtl) {
        this(nodeId, dataDir, apiAddress, raftAddress, heartbeatTimeout, bootstrap, knownManagers, tls, leaseTtl, null);
    }

    /** With the default lease. */
    public ManagerConfig(String nodeId, Path dataDir, InetSocketAddress apiAddress, InetSocketAddress raftAddress,
                         Duration heartbeatTimeout, boolean bootstrap, List<ManagerPeer> knownManagers, NodeTls tls) {
        this(nodeId, dataDir, apiAddress, raftAddress, heartbeatTimeout, bootstrap, knownManagers, tls, null);
    }

    /** The first (or only) manager of a cluster. */
    public ManagerConfig(String nodeId, Path dataDir, InetSocketAddress apiAddress, InetSocketAddress raftAddress,
                         Duration heartbeatTimeout) {
        this(nodeId, dataDir, apiAddress, raftAddress, heartbeatTimeout, true, List.of());
    }

    /** Without TLS (in-process tests). */
    public ManagerConfig(String nodeId, Path dataDir, InetSocketAddress apiAddress, InetSocketAddress raftAddress,
                         Duration heartbeatTimeout, boolean bootstrap, List<ManagerPeer> knownManagers) {
        this(nodeId, dataDir, apiAddress, raftAddress, heartbeatTimeout, bootstrap, knownManagers, null);
    }

    public ManagerConfig withTls(NodeTls nodeTls) {
        return new ManagerConfig(nodeId, dataDir, apiAddress, raftAddress, heartbeatTimeout, bootstrap, knownManagers,
                nodeTls, leaseTtl, networkPool);
    }

    /** @param lease null: the default */
    public ManagerConfig withLeaseTtl(Duration lease) {
        return new ManagerConfig(nodeId, dataDir, apiAddress, raftAddress, heartbeatTimeout, bootstrap, knownManagers,
                tls, lease, networkPool);
    }

    /** @param pool null: {@link NetworkPool#DEFAULT} */
    public ManagerConfig withNetworkPool(NetworkPool pool) {
        return new ManagerConfig(nodeId, dataDir, apiAddress, raftAddress, heartbeatTimeout, bootstrap, knownManagers,
                tls, leaseTtl, pool);
    }

    public ManagerConfig {
        Checks.requireText(nodeId, "nodeId");
        Objects.requireNonNull(dataDir, "dataDir");
        Objects.requireNonNull(apiAddress, "apiAddress");
        Objects.requireNonNull(raftAddress, "raftAddress");
        knownManagers = knownManagers == null ? List.of() : List.copyOf(knownManagers);
        heartbeatTimeout = heartbeatTimeout == null ? DEFAULT_HEARTBEAT_TIMEOUT : heartbeatTimeout;
        if (heartbeatTimeout.isNegative() || heartbeatTimeout.isZero()) {
            throw new IllegalArgumentException("heartbeatTimeout must be positive: " + heartbeatTimeout);
        }
        leaseTtl = leaseTtl == null ? DEFAULT_LEASE_TTL : leaseTtl;
        if (leaseTtl.toMillis() < 100) {
            throw new IllegalArgumentException("the lease must be at least 100 ms: " + leaseTtl);
        }
        networkPool = networkPool == null ? NetworkPool.DEFAULT : networkPool;
    }
}
