package io.flotilla.manager.raft;

import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.retry.RetryPolicy;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;

/**
 * How this manager's Ratis peer and its clients are configured: the server's and the clients'
 * Ratis properties, the timeouts of writes, and the gRPC TLS parameters. Choices, and why:
 * <ul>
 *   <li>Election timeouts of 250–500 ms: losing a leader costs well under a second, and a leader
 *       on a busy 2-core host (GC, builds, a fresh JVM still compiling) keeps its followers; at
 *       150–300 ms a restarted manager under load 10 won and lost leadership for 10 s.</li>
 *   <li>No gRPC reconnect backoff between managers ({@link PeerReconnects}) and 15 ms between a
 *       client's retries: a leader change must not wait for a channel to a restarted peer to
 *       come out of backoff, nor for a client's sleep.</li>
 *   <li>Snapshots every {@code snapshotThreshold} applied entries, then log segments up to the
 *       snapshot are purged; never a snapshot on stop ({@code raft.server.snapshot.trigger-when-stop.enabled}
 *       false): a stop must leave the disk exactly as a crash would, so that restarts are always
 *       tested the hard way.</li>
 *   <li>The log is fsynced before an entry counts as written, so an acknowledged change survives
 *       a SIGKILL.</li>
 * </ul>
 */
final class RaftSettings {
    /** How long a small write may wait for a commit before it is refused as unavailable. */
    static final Duration WRITE_TIMEOUT = Duration.ofSeconds(10);
    /**
     * The same for an entry of {@link #BULK_BYTES} or more (a batch of tasks, assignments, nodes):
     * under load a few hundred KB must be written, fsynced and replicated, and entries queue.
     */
    static final Duration BULK_WRITE_TIMEOUT = Duration.ofSeconds(30);
    static final int BULK_BYTES = 64 * 1024;
    /** How long one Raft RPC may take before the client sends it again (same call id: applied once). */
    static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);
    /**
     * How long a Raft client waits before it sends a request again to the next peer, after a peer
     * was unreachable or not (yet) a ready leader. Short: on loopback or a LAN a dead peer answers
     * "connection refused" at once, and during a leader change every 100 ms of sleep was 100 ms
     * added to the first write accepted; the request's own deadline ({@link #WRITE_TIMEOUT}) bounds
     * the retries, not a count.
     */
    static final Duration CLIENT_RETRY_SLEEP = Duration.ofMillis(15);
    /** How often a peer that does not lead clears its channels' reconnect backoff ({@link PeerReconnects}). */
    static final Duration RECONNECT_PERIOD = Duration.ofMillis(200);
    /**
     * The system property that overrides {@link #ELECTION_TIMEOUT_MIN} (milliseconds; the maximum
     * is twice it). Hidden, for benchmarks on a starved machine ({@code bench scale
     * --election-timeout}): there JVM pauses of 0.3-2.3 s outlast 250-500 ms and leadership moved
     * every 15-35 s, each move costing a full pass; a longer timeout trades failover time for
     * fewer spurious elections. Not for production: the failover goal assumes the default.
     */
    static final String ELECTION_TIMEOUT_PROPERTY = "flotilla.raft.election-timeout-ms";
    /** A follower that hears nothing from its leader for a random time in [min, max] starts an election. */
    static final Duration ELECTION_TIMEOUT_MIN = electionTimeoutMin(System.getProperty(ELECTION_TIMEOUT_PROPERTY));
    static final Duration ELECTION_TIMEOUT_MAX = ELECTION_TIMEOUT_MIN.multipliedBy(2);
    /**
     * A peer heard from within this long counts as reachable (Raft heartbeats come every half
     * election timeout: ~125 ms by default).
     */
    static final Duration REACHABLE = Duration.ofMillis(Math.max(1000, 2 * ELECTION_TIMEOUT_MIN.toMillis()));
    /**
     * How long the leader's log appender for a follower sleeps after errors (Ratis'
     * MultipleLinearRandomRetry: each sleep is 0.5-1.5 times the step's): 1 ms for the first 10
     * errors, 100 ms for the next 20, then 300 ms. Ratis' default ends in 5 s steps after 30 errors,
     * and a follower cut off for a few seconds gets 30 errors in half a second (every pipelined append
     * and heartbeat times out): the leader then left it alone for 2.5-7.5 s after the partition
     * healed, and it routed and answered from its old state meanwhile (a long chaos run saw a manager
     * know no leader for 5 s after the heal). A try to a dead follower costs one failed RPC.
     */
    static final String APPENDER_RETRY_POLICY = "1ms,10, 100ms,20, 300ms,1000000000";
    /** Raft log segments, and bytes of entries, kept in memory at most (see {@link #server}). */
    static final int LOG_SEGMENTS_CACHED = 2;
    static final String LOG_CACHE_SIZE = "64MB";

    private RaftSettings() {}

    /**
     * Mutual TLS for Raft's gRPC (server, clients, admin): the key manager presents this node's
     * current certificate (renewals apply to new connections without a restart), the trust
     * manager accepts only certificates of the cluster CA, and gRPC checks the peer's address
     * against the certificate's SAN.
     */
    static Parameters tls(KeyManager keyManager, TrustManager trustManager) {
        GrpcTlsConfig config = new GrpcTlsConfig(keyManager, trustManager, true);
        Parameters tls = new Parameters();
        GrpcConfigKeys.TLS.setConf(tls, config);
        GrpcConfigKeys.Server.setTlsConf(tls, config);
        GrpcConfigKeys.Client.setTlsConf(tls, config);
        GrpcConfigKeys.Admin.setTlsConf(tls, config);
        return tls;
    }

    /** The election timeout's minimum: 250 ms, or {@code value} ms (50 to 60,000) if set. */
    static Duration electionTimeoutMin(String value) {
        if (value == null || value.isBlank()) {
            return Duration.ofMillis(250);
        }
        long millis;
        try {
            millis = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(ELECTION_TIMEOUT_PROPERTY + " must be milliseconds, not '" + value + "'");
        }
        if (millis < 50 || millis > 60_000) {
            throw new IllegalArgumentException(ELECTION_TIMEOUT_PROPERTY + " must be 50 to 60000 ms, not " + millis);
        }
        return Duration.ofMillis(millis);
    }

    /** The peer's server: where it listens, where it keeps its log, its timeouts, snapshots and log cache. */
    static RaftProperties server(InetSocketAddress address, Path storageDir, long snapshotThreshold) {
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(storageDir.toFile()));
        GrpcConfigKeys.Server.setHost(properties, address.getHostString());
        GrpcConfigKeys.Server.setPort(properties, address.getPort());
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties,
                TimeDuration.valueOf(ELECTION_TIMEOUT_MIN.toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties,
                TimeDuration.valueOf(ELECTION_TIMEOUT_MAX.toMillis(), TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, TimeDuration.valueOf(50, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
        // A joining manager is staged (caught up) before the new group commits; on a busy host a
        // fresh JVM needs seconds for that, and a reconfiguration that times out blocks the next.
        RaftServerConfigKeys.setStagingTimeout(properties, TimeDuration.valueOf(30, TimeUnit.SECONDS));
        RaftServerConfigKeys.Log.Appender.setRetryPolicy(properties, APPENDER_RETRY_POLICY);
        // consistent reads (LinearizableReads) take a read index confirmed by a majority; writes are unchanged.
        // The leader's lease (a majority acknowledged it within 0.9 of the minimum election timeout, on its
        // monotonic clock) stands for that confirmation, as etcd's and TiKV's lease reads do: a read costs no
        // round of heartbeats while it holds (a chaos run's readers sent ~50 rounds a second), and one once it lapses.
        RaftServerConfigKeys.Read.setOption(properties, RaftServerConfigKeys.Read.Option.LINEARIZABLE);
        RaftServerConfigKeys.Read.setLeaderLeaseEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, snapshotThreshold);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(properties, false);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        // The log's segment cache (entries kept in memory after they are written): by default 6
        // segments of up to 32 MB, 200 MB. A leader that led while a million tasks went through
        // the log held 1.3-10 KB per task of byte[], mostly this cache; the state needs ~500 bytes
        // per task. Two segments suffice: a follower further behind is served from disk (or by a
        // snapshot), and only closed segments already applied and replicated are evicted.
        RaftServerConfigKeys.Log.setSegmentCacheNumMax(properties, LOG_SEGMENTS_CACHED);
        RaftServerConfigKeys.Log.setSegmentCacheSizeMax(properties, SizeInBytes.valueOf(LOG_CACHE_SIZE));
        return properties;
    }

    /** A client's properties: how long one RPC may take. */
    static RaftProperties client() {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
                TimeDuration.valueOf(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        return properties;
    }

    /** A client's retries: every {@link #CLIENT_RETRY_SLEEP}, for as long as the longest write may wait. */
    static RetryPolicy clientRetryPolicy() {
        return RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                (int) (BULK_WRITE_TIMEOUT.toMillis() / CLIENT_RETRY_SLEEP.toMillis()),
                TimeDuration.valueOf(CLIENT_RETRY_SLEEP.toMillis(), TimeUnit.MILLISECONDS));
    }
}
