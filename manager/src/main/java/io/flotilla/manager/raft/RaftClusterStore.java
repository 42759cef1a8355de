package io.flotilla.manager.raft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.grpc.GrpcTlsConfig;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.proto.RaftProtos.RoleInfoProto;
import org.apache.ratis.proto.RaftProtos.ServerRpcProto;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.apache.ratis.util.SizeInBytes;
import org.apache.ratis.util.TimeDuration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster state replicated with Apache Ratis: one {@link RaftServer} (this manager's peer)
 * running a {@link ClusterStateMachine}, and an in-process {@link RaftClient} that proposes
 * commands to whichever peer leads.
 *
 * <p>Configuration choices, and why:
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
public final class RaftClusterStore implements ClusterStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftClusterStore.class);
    /** Every Flotilla cluster has one Raft group, with this id, so that peers agree without configuration. */
    public static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("flotilla".getBytes(StandardCharsets.UTF_8)));
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
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
     * Raft clients, each an ordered stream: a thread's submissions always go through the same one
     * (so a thread that pipelines keeps its order), and a request that is slow or gives up delays
     * or fails only the requests queued behind it on its own client, not every other caller's.
     */
    static final int CLIENT_LANES = 8;
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
    public static final String ELECTION_TIMEOUT_PROPERTY = "flotilla.raft.election-timeout-ms";
    /** A follower that hears nothing from its leader for a random time in [min, max] starts an election. */
    static final Duration ELECTION_TIMEOUT_MIN = electionTimeoutMin(System.getProperty(ELECTION_TIMEOUT_PROPERTY));
    static final Duration ELECTION_TIMEOUT_MAX = ELECTION_TIMEOUT_MIN.multipliedBy(2);
    /**
     * A peer heard from within this long counts as reachable (Raft heartbeats come every half
     * election timeout: ~125 ms by default).
     */
    static final Duration REACHABLE = Duration.ofMillis(Math.max(1000, 2 * ELECTION_TIMEOUT_MIN.toMillis()));
    /** Raft log segments, and bytes of entries, kept in memory at most (see serverProperties). */
    static final int LOG_SEGMENTS_CACHED = 2;
    static final String LOG_CACHE_SIZE = "64MB";
    private static final ObjectWriter COMMAND_WRITER = Json.MAPPER.writerFor(Command.class);

    private final RaftPeer self;
    private final RaftGroup group;
    private final ClusterStateMachine machine = new ClusterStateMachine();
    private final RaftServer server;
    private final List<RaftPeer> knownPeers;
    /** Ratis parameters: the gRPC TLS configuration of the server, its clients and admin calls. */
    private final Parameters parameters;
    private final java.util.concurrent.atomic.AtomicReferenceArray<RaftClient> clients =
            new java.util.concurrent.atomic.AtomicReferenceArray<>(CLIENT_LANES); // replaced under this
    private volatile RaftServer.Division division;
    private volatile PeerReconnects reconnects;
    private volatile boolean closed;
    /** Requests sent and not yet answered: close lets them finish briefly instead of cutting them. */
    private final java.util.Set<CompletableFuture<?>> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public RaftClusterStore(String nodeId, InetSocketAddress raftAddress, Path storageDir, long snapshotThreshold)
            throws IOException {
        this(nodeId, raftAddress, storageDir, snapshotThreshold, true, List.of());
    }

    /**
     * @param bootstrap  on a fresh storage dir, start a one-peer group of this manager (the first
     *                   manager of a cluster); false: start with no group and wait to be added by
     *                   the leader (a joining manager). A storage dir that exists keeps the group
     *                   recorded in its log either way.
     * @param knownPeers the managers learned at join, so that this manager's client reaches the
     *                   leader before this peer has caught up with the group
     */
    public RaftClusterStore(String nodeId, InetSocketAddress raftAddress, Path storageDir, long snapshotThreshold,
                            boolean bootstrap, List<ManagerPeer> knownPeers) throws IOException {
        this(nodeId, raftAddress, storageDir, snapshotThreshold, bootstrap, knownPeers, null);
    }

    /** @param tls from {@link #tls}: mutual TLS between peers and from clients; null: plaintext (tests only) */
    public RaftClusterStore(String nodeId, InetSocketAddress raftAddress, Path storageDir, long snapshotThreshold,
                            boolean bootstrap, List<ManagerPeer> knownPeers, Parameters tls) throws IOException {
        this.parameters = tls == null ? new Parameters() : tls;
        boolean fresh = !Files.exists(storageDir.resolve(GROUP_ID.getUuid().toString()));
        Files.createDirectories(storageDir);
        this.self = RaftPeer.newBuilder()
                .setId(RaftPeerId.valueOf(nodeId))
                .setAddress(raftAddress.getHostString() + ":" + raftAddress.getPort())
                .build();
        this.knownPeers = knownPeers.stream().map(RaftClusterStore::peer).toList();
        this.group = fresh && bootstrap ? RaftGroup.valueOf(GROUP_ID, List.of(self)) : RaftGroup.valueOf(GROUP_ID);
        this.server = RaftServer.newBuilder()
                .setServerId(self.getId())
                .setGroup(group)
                .setStateMachine(machine)
                .setProperties(serverProperties(raftAddress, storageDir, snapshotThreshold))
                .setParameters(parameters)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
    }

    /**
     * Mutual TLS for Raft's gRPC (server, clients, admin): the key manager presents this node's
     * current certificate (renewals apply to new connections without a restart), the trust
     * manager accepts only certificates of the cluster CA, and gRPC checks the peer's address
     * against the certificate's SAN.
     */
    public static Parameters tls(javax.net.ssl.KeyManager keyManager, javax.net.ssl.TrustManager trustManager) {
        GrpcTlsConfig config = new GrpcTlsConfig(keyManager, trustManager, true);
        Parameters tls = new Parameters();
        GrpcConfigKeys.TLS.setConf(tls, config);
        GrpcConfigKeys.Server.setTlsConf(tls, config);
        GrpcConfigKeys.Client.setTlsConf(tls, config);
        GrpcConfigKeys.Admin.setTlsConf(tls, config);
        return tls;
    }

    static RaftPeer peer(ManagerPeer manager) {
        return RaftPeer.newBuilder().setId(RaftPeerId.valueOf(manager.id())).setAddress(manager.raftAddress()).build();
    }

    private RaftClient newClient(Collection<RaftPeer> peers) {
        RaftClient.Builder builder = RaftClient.newBuilder();
        // Start at the leader this peer knows, not at the first peer listed (perhaps the dead one).
        RaftServer.Division current = division;
        RaftPeerId leader = current == null ? null : current.getInfo().getLeaderId();
        if (leader != null && peers.stream().anyMatch(p -> p.getId().equals(leader))) {
            builder.setLeaderId(leader);
        }
        return builder
                .setClientId(ClientId.randomId())
                .setRaftGroup(RaftGroup.valueOf(GROUP_ID, peers))
                .setProperties(clientProperties())
                .setParameters(parameters)
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(
                        (int) (BULK_WRITE_TIMEOUT.toMillis() / CLIENT_RETRY_SLEEP.toMillis()),
                        TimeDuration.valueOf(CLIENT_RETRY_SLEEP.toMillis(), TimeUnit.MILLISECONDS)))
                .build();
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

    private static RaftProperties serverProperties(InetSocketAddress address, Path storageDir, long snapshotThreshold) {
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

    private static RaftProperties clientProperties() {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties,
                TimeDuration.valueOf(REQUEST_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS));
        return properties;
    }

    /**
     * Starts the peer. A group of this manager alone (the first manager, or {@code flotilla dev})
     * must lead: start waits until it leads and has applied every committed entry (the log
     * replayed after a restart), or fails after {@code timeout}. A member of a larger group waits
     * a little for a leader and its log (it serves stale reads otherwise), but never fails for
     * want of a quorum: without one it runs, and refuses changes.
     */
    public void start(Duration timeout) throws IOException {
        requireFreePort(self.getAddress());
        server.start();
        division = server.getDivision(GROUP_ID);
        reconnects = PeerReconnects.start(server, () -> division, RECONNECT_PERIOD);
        synchronized (this) {
            for (int lane = 0; lane < CLIENT_LANES; lane++) {
                clients.set(lane, newClient(clientPeers()));
            }
        }
        Collection<RaftPeer> peers = division.getRaftConf().getCurrentPeers();
        boolean alone = peers.size() == 1 && peers.iterator().next().getId().equals(self.getId());
        long deadline = System.nanoTime() + (alone ? timeout : Duration.ofSeconds(5)).toNanos();
        while (alone ? !isCaughtUpLeader() : !isCaughtUp()) {
            if (System.nanoTime() > deadline) {
                if (alone) {
                    throw new IOException("this manager did not become the Raft leader within " + timeout
                            + " (role " + division.getInfo().getCurrentRole() + ")");
                }
                LOG.warn("raft peer {}: no leader yet ({}); serving, changes wait for a quorum", self.getId(),
                        peers.isEmpty() ? "not a member of the group yet" : quorum().describe());
                return;
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for leadership", e);
            }
        }
        LOG.info("raft peer {} is {} in term {} at state index {} ({} managers)", self.getId(),
                division.getInfo().getCurrentRole(), division.getInfo().getCurrentTerm(), machine.state().index(),
                peers.size());
    }

    private boolean isCaughtUp() {
        RaftServer.Division current = division;
        DivisionInfo info = current.getInfo();
        return info.getLeaderId() != null && !current.getRaftConf().getCurrentPeers().isEmpty()
                && info.getLastAppliedIndex() >= current.getRaftLog().getLastCommittedIndex();
    }

    /**
     * Every peer this manager's client may ask: itself (at the address it listens on now, which a
     * one-manager dev node may change between runs), the group as this peer knows it, and the
     * peers learned at join.
     */
    private List<RaftPeer> clientPeers() {
        java.util.Map<RaftPeerId, RaftPeer> peers = new java.util.LinkedHashMap<>();
        peers.put(self.getId(), self);
        RaftServer.Division current = division;
        if (current != null) {
            current.getRaftConf().getCurrentPeers().forEach(p -> peers.putIfAbsent(p.getId(), p));
        }
        knownPeers.forEach(p -> peers.putIfAbsent(p.getId(), p));
        peers.putIfAbsent(self.getId(), self);
        return List.copyOf(peers.values());
    }

    /**
     * Whether the manager with node id {@code nodeId} may speak Raft with this one
     * ({@link RaftPeerCheck}): never a removed node; otherwise a member of the group (its
     * current or old configuration), this manager itself, a node the state holds as a manager (a
     * manager being added, whose client reaches the leader before the group includes it), or,
     * while this peer has no state yet (a fresh peer, before the leader reached it), a manager
     * learned at join.
     */
    public boolean mayConnect(String nodeId) {
        ClusterState state = machine.state();
        if (state.cluster() != null && state.cluster().removed(nodeId)) {
            return false;
        }
        RaftPeerId id;
        try {
            id = RaftPeerId.valueOf(nodeId);
        } catch (RuntimeException e) {
            return false;
        }
        RaftServer.Division current = division;
        boolean fresh = state.cluster() == null;
        if (id.equals(self.getId()) || (fresh && knownPeers.stream().anyMatch(p -> p.getId().equals(id)))
                || (current != null && current.getRaftConf().getAllPeers().stream().anyMatch(p -> p.getId().equals(id)))) {
            return true;
        }
        return state.node(nodeId).map(n -> n.spec().role() == io.flotilla.model.NodeRole.MANAGER).orElse(false);
    }

    /**
     * Ratis ends the JVM (ExitUtils.terminate) when its gRPC server cannot bind; a manager that
     * embeds it must fail with an exception instead, so the port is tried first.
     */
    private static void requireFreePort(String address) throws IOException {
        int colon = address.lastIndexOf(':');
        String host = address.substring(0, colon);
        int port = Integer.parseInt(address.substring(colon + 1));
        if (port == 0) {
            return;
        }
        try (java.net.ServerSocket probe = new java.net.ServerSocket()) {
            probe.setReuseAddress(true);
            probe.bind(new InetSocketAddress(host, port));
        } catch (IOException e) {
            throw new IOException("cannot listen for Raft on " + address + ": " + e.getMessage(), e);
        }
    }

    @Override
    public ClusterState state() {
        return machine.state();
    }

    @Override
    public ClusterState awaitIndex(long after, Duration max) throws InterruptedException {
        return machine.awaitIndex(after, max);
    }

    @Override
    public boolean isLeader() {
        RaftServer.Division current = division;
        if (current == null || closed) {
            return false;
        }
        DivisionInfo info = current.getInfo();
        return info.isLeader() && info.isLeaderReady();
    }

    @Override
    public long term() {
        RaftServer.Division current = division;
        return current == null ? 0 : current.getInfo().getCurrentTerm();
    }

    /** Leader, and every committed entry applied: the state is the whole log (the start condition). */
    private boolean isCaughtUpLeader() {
        RaftServer.Division current = division;
        return isLeader() && current.getInfo().getLastAppliedIndex() >= current.getRaftLog().getLastCommittedIndex();
    }

    /** The current leader's peer id, or null when none is known. */
    public String leaderId() {
        RaftServer.Division current = division;
        RaftPeerId leader = current == null ? null : current.getInfo().getLeaderId();
        return leader == null ? null : leader.toString();
    }

    @Override
    public CompletableFuture<ClusterState> submit(Command command) {
        Objects.requireNonNull(command, "command");
        if (closed) {
            return CompletableFuture.failedFuture(new UnavailableException("the manager is stopping"));
        }
        byte[] bytes;
        try {
            bytes = COMMAND_WRITER.writeValueAsBytes(command);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("cannot encode command: " + e.getMessage(), e));
        }
        Quorum quorum = quorum();
        if (!quorum.available()) {
            return CompletableFuture.failedFuture(new UnavailableException(quorum.describe()));
        }
        int lane = lane();
        RaftClient client = clients.get(lane);
        Duration timeout = bytes.length >= BULK_BYTES ? BULK_WRITE_TIMEOUT : WRITE_TIMEOUT;
        CompletableFuture<RaftClientReply> sent = client.async().send(Message.valueOf(ByteString.copyFrom(bytes)))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        inFlight.add(sent);
        sent.whenComplete((reply, error) -> inFlight.remove(sent));
        return sent.handle((reply, error) -> afterReply(command, lane, client, timeout, reply, error))
                .thenCompose(future -> future);
    }

    /** The calling thread's client lane. */
    private static int lane() {
        return (int) Math.floorMod(Thread.currentThread().threadId(), (long) CLIENT_LANES);
    }

    private CompletableFuture<ClusterState> afterReply(Command command, int lane, RaftClient client, Duration timeout,
                                                       RaftClientReply reply, Throwable error) {
        if (error != null) {
            Throwable cause = unwrap(error);
            if (givesUp(cause)) {
                renewClient(lane, client); // Ratis closes a client's ordered window once its retries failed: use a fresh one
            }
            if (cause instanceof java.util.concurrent.TimeoutException) {
                // Not known to have failed: Ratis may still commit it (its own retries keep the call id, so at most once).
                return CompletableFuture.failedFuture(new UnavailableException("the change was not committed within "
                        + timeout.toMillis() + " ms: " + quorum().describe(), cause));
            }
            return CompletableFuture.failedFuture(new UnavailableException(
                    "no Raft leader or quorum accepted the change: " + cause.getMessage(), cause));
        }
        if (!reply.isSuccess()) {
            Exception cause = reply.getException();
            if (cause instanceof StateMachineException) {
                return CompletableFuture.failedFuture(new CommandFailedException(cause.getMessage()));
            }
            return CompletableFuture.failedFuture(new UnavailableException(
                    "no Raft leader or quorum accepted the change: " + cause, cause));
        }
        String answer = reply.getMessage().getContent().toStringUtf8();
        if (answer.startsWith(ClusterStateMachine.OK)) {
            long index = Long.parseLong(answer.substring(ClusterStateMachine.OK.length()));
            return machine.whenApplied(index);
        }
        String message = answer.startsWith(ClusterStateMachine.ERROR)
                ? answer.substring(ClusterStateMachine.ERROR.length()) : answer;
        return CompletableFuture.failedFuture(new CommandFailedException(
                command.getClass().getSimpleName() + " failed: " + message));
    }

    private static boolean givesUp(Throwable cause) {
        for (Throwable t = cause; t != null; t = t.getCause()) {
            if (t instanceof org.apache.ratis.protocol.exceptions.AlreadyClosedException
                    || t instanceof org.apache.ratis.protocol.exceptions.RaftRetryFailureException) {
                return true;
            }
        }
        return false;
    }

    /** Replaces every lane's Raft client (for a new group of peers). */
    private synchronized void renewClients() {
        for (int lane = 0; lane < CLIENT_LANES; lane++) {
            renewClient(lane, clients.get(lane));
        }
    }

    /**
     * Replaces a lane's Raft client, if it still is {@code old} (the old one is closed once its
     * requests are long done). The other lanes' requests are not affected.
     */
    private synchronized void renewClient(int lane, RaftClient old) {
        if (closed || clients.get(lane) != old) {
            return;
        }
        clients.set(lane, newClient(clientPeers()));
        Thread.ofVirtual().start(() -> {
            try {
                Thread.sleep(BULK_WRITE_TIMEOUT.multipliedBy(2));
                old.close();
            } catch (InterruptedException | IOException e) {
                LOG.debug("closing a replaced Raft client: {}", e.toString());
            }
        });
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    @Override
    public boolean quorumAvailable() {
        return quorum().available();
    }

    /** This peer's view of the group: how many managers there are and which ones it hears from. */
    public Quorum quorum() {
        RaftServer.Division current = division;
        if (current == null || closed) {
            return new Quorum(List.of(), null, java.util.Map.of(), self.getId().toString());
        }
        List<ManagerPeer> members = current.getRaftConf().getCurrentPeers().stream()
                .map(p -> new ManagerPeer(p.getId().toString(), null, p.getAddress())).toList();
        DivisionInfo info = current.getInfo();
        java.util.Map<String, Long> silence = new java.util.HashMap<>();
        RoleInfoProto role = info.getRoleInfoProto();
        if (info.isLeader() && role.hasLeaderInfo()) {
            for (ServerRpcProto follower : role.getLeaderInfo().getFollowerInfoList()) {
                silence.put(RaftPeerId.valueOf(follower.getId().getId()).toString(), follower.getLastRpcElapsedTimeMs());
            }
            silence.put(self.getId().toString(), 0L);
        } else if (role.hasFollowerInfo() && role.getFollowerInfo().hasLeaderInfo() && info.getLeaderId() != null) {
            silence.put(info.getLeaderId().toString(), role.getFollowerInfo().getLeaderInfo().getLastRpcElapsedTimeMs());
            silence.put(self.getId().toString(), 0L);
        }
        RaftPeerId leader = info.getLeaderId();
        return new Quorum(members, leader == null ? null : leader.toString(), silence, self.getId().toString());
    }

    /**
     * A peer's view of its group. On the leader: every member and when it was last heard from; on
     * a follower only its leader. {@link #available} is this peer's best guess whether a change can
     * commit now: a leader hearing from a majority, or a follower hearing from its leader.
     */
    public record Quorum(List<ManagerPeer> members, String leaderId, java.util.Map<String, Long> silenceMillis,
                         String selfId) {
        public boolean reachable(String id) {
            Long millis = silenceMillis.get(id);
            return millis != null && millis >= 0 && millis < REACHABLE.toMillis();
        }

        public long reachableCount() {
            return members.stream().filter(m -> reachable(m.id())).count();
        }

        public boolean available() {
            if (members.isEmpty() || leaderId == null || !reachable(leaderId)) {
                return false;
            }
            return !leaderId.equals(selfId) || reachableCount() > members.size() / 2;
        }

        public String describe() {
            if (members.isEmpty()) {
                return "no quorum: this manager is not (yet) a member of the managers' Raft group";
            }
            int majority = members.size() / 2 + 1;
            if (leaderId != null && leaderId.equals(selfId)) {
                return "no quorum: " + reachableCount() + " of " + members.size() + " managers reachable (" + majority
                        + " needed); changes are refused until enough managers are back, tasks keep running";
            }
            return "no quorum: no Raft leader reachable from this manager (" + members.size() + " managers, "
                    + majority + " needed); changes are refused until enough managers are back, tasks keep running";
        }
    }

    /** The current group as this peer knows it. */
    public List<ManagerPeer> members() {
        return quorum().members();
    }

    /**
     * Adds a manager to the group (through the leader, wherever this runs); completes once the
     * new configuration is committed, which Ratis does only after the new peer caught up.
     */
    public synchronized void addMember(ManagerPeer manager) throws IOException {
        List<RaftPeer> current = List.copyOf(division.getRaftConf().getCurrentPeers());
        if (current.stream().anyMatch(p -> p.getId().toString().equals(manager.id()))) {
            return;
        }
        List<RaftPeer> next = new java.util.ArrayList<>(current);
        next.add(peer(manager));
        setConfiguration(next, "add manager " + manager.id());
    }

    /**
     * Removes a manager from the group. Refused when the managers left would not have a reachable
     * majority: the change itself could not commit, and the cluster would lose its quorum.
     */
    public synchronized void removeMember(String id) throws IOException {
        Quorum quorum = quorum();
        List<ManagerPeer> next = quorum.members().stream().filter(m -> !m.id().equals(id)).toList();
        if (next.size() == quorum.members().size()) {
            return;
        }
        if (next.isEmpty()) {
            throw new IllegalArgumentException("refused: " + id + " is the last manager, the cluster would have none;"
                    + " promote another node first");
        }
        long reachableLeft = next.stream().filter(m -> quorum.reachable(m.id())).count();
        if (reachableLeft <= next.size() / 2 || !quorum.available()) {
            throw new UnavailableException("refused: without manager " + id + " only " + reachableLeft + " of "
                    + next.size() + " managers would be reachable, not a majority; bring managers back first");
        }
        setConfiguration(next.stream().map(RaftClusterStore::peer).toList(), "remove manager " + id);
    }

    private void setConfiguration(List<RaftPeer> peers, String what) throws IOException {
        RaftClientReply reply;
        try (RaftClient admin = newClient(clientPeers())) {
            reply = admin.admin().setConfiguration(peers);
        }
        if (!reply.isSuccess()) {
            throw new UnavailableException(what + " failed: " + reply.getException());
        }
        LOG.info("{}: managers are now {}", what, peers.stream().map(p -> p.getId().toString()).toList());
        renewClients(); // the new group's peers

    }

    /** Takes a snapshot now (if anything was applied since the last one); returns its log index. */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = clients.get(lane()).getSnapshotManagementApi().create(1, 10_000);
        if (!reply.isSuccess()) {
            throw new IOException("snapshot failed: " + reply.getException());
        }
        return reply.getLogIndex();
    }

    /** The backoff resets of this peer's channels, for tests. */
    PeerReconnects reconnects() {
        return reconnects;
    }

    /** The calling thread's Raft client, for tests. */
    RaftClient clientOfThisThread() {
        return clients.get(lane());
    }

    /** The state machine, for tests and tools. */
    public ClusterStateMachine machine() {
        return machine;
    }

    /** Stops the client and the server. Takes no snapshot: the log is the state. */
    @Override
    public void close() {
        if (closed) {
            return;
        }
        closed = true;
        if (reconnects != null) {
            reconnects.close();
        }
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("requests still in flight at close: {}", e.toString());
        }
        synchronized (this) {
            for (int lane = 0; lane < CLIENT_LANES; lane++) {
                RaftClient client = clients.get(lane);
                try {
                    if (client != null) {
                        client.close();
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.warn("closing a Raft client failed", e);
                }
            }
        }
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the Raft server failed", e);
        }
        machine.failWaiters(new UnavailableException("the manager stopped"));
    }
}
