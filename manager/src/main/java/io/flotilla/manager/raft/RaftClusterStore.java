package io.flotilla.manager.raft;

import io.flotilla.model.Command;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import javax.net.ssl.KeyManager;
import javax.net.ssl.TrustManager;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.conf.Parameters;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.storage.RaftStorage;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The cluster state replicated with Apache Ratis: one {@link RaftServer} (this manager's peer)
 * running a {@link ClusterStateMachine}, and in-process {@link RaftClient}s that propose
 * commands to whichever peer leads.
 *
 * <p>This class sets up the group and the server and starts them, tells whether this peer leads
 * and what it sees of the quorum, and closes everything. The rest is in its parts: the
 * configuration and TLS ({@link RaftSettings}), the peers it knows ({@link RaftPeers}), the client
 * lanes ({@link RaftClientLanes}), proposing commands ({@link CommandProposer}) and changing the
 * group ({@link RaftMembership}).
 */
public final class RaftClusterStore implements ClusterStore, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RaftClusterStore.class);
    /** Every Flotilla cluster has one Raft group, with this id, so that peers agree without configuration. */
    public static final RaftGroupId GROUP_ID =
            RaftGroupId.valueOf(UUID.nameUUIDFromBytes("flotilla".getBytes(StandardCharsets.UTF_8)));
    public static final long DEFAULT_SNAPSHOT_THRESHOLD = 10_000;
    /** The system property that lengthens the election timeout, for benchmarks ({@link RaftSettings#ELECTION_TIMEOUT_PROPERTY}). */
    public static final String ELECTION_TIMEOUT_PROPERTY = RaftSettings.ELECTION_TIMEOUT_PROPERTY;

    private final RaftPeer self;
    private final RaftGroup group;
    private final ClusterStateMachine machine = new ClusterStateMachine();
    private final RaftServer server;
    private final RaftPeers peers;
    final RaftClientLanes lanes; // package-private: a test sends an entry no release writes
    private final CommandProposer proposer;
    private final RaftMembership membership;
    private final LinearizableReads reads;
    private final LogStall logStall = new LogStall();
    /** Replaced by tests, for a shorter limit. */
    StoppedDivision stoppedDivision = new StoppedDivision();
    private volatile RaftServer.Division division;
    private volatile PeerReconnects reconnects;
    private volatile boolean closed;
    private final boolean freshBootstrap; // a first manager's fresh storage dir: see restoreFrom

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
        Parameters parameters = tls == null ? new Parameters() : tls;
        boolean fresh = !Files.exists(storageDir.resolve(GROUP_ID.getUuid().toString()));
        this.freshBootstrap = fresh && bootstrap;
        Files.createDirectories(storageDir);
        this.self = RaftPeer.newBuilder()
                .setId(RaftPeerId.valueOf(nodeId))
                .setAddress(raftAddress.getHostString() + ":" + raftAddress.getPort())
                .build();
        this.peers = new RaftPeers(self, knownPeers, () -> division);
        this.group = fresh && bootstrap ? RaftGroup.valueOf(GROUP_ID, List.of(self)) : RaftGroup.valueOf(GROUP_ID);
        this.server = RaftServer.newBuilder()
                .setServerId(self.getId())
                .setGroup(group)
                .setStateMachine(machine)
                .setProperties(RaftSettings.server(raftAddress, storageDir, snapshotThreshold))
                .setParameters(parameters)
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.lanes = new RaftClientLanes(this, parameters, peers, () -> division, () -> closed);
        this.proposer = new CommandProposer(lanes, machine, this::quorum, () -> closed);
        this.membership = new RaftMembership(() -> division, this::quorum, lanes);
        this.reads = new LinearizableReads(server, self.getId(), this::quorum, () -> machine.applied().index());
    }

    /**
     * Starts this new one-manager group from a restored state ({@link ClusterStateMachine.Seed}); before
     * {@link #start}. False, doing nothing, unless the storage dir is fresh and this manager makes the group.
     */
    public boolean restoreFrom(ClusterStateMachine.Seed seed) {
        if (!freshBootstrap) {
            return false;
        }
        machine.seed(seed);
        return true;
    }

    /**
     * Mutual TLS for Raft's gRPC (server, clients, admin): the key manager presents this node's
     * current certificate (renewals apply to new connections without a restart), the trust
     * manager accepts only certificates of the cluster CA, and gRPC checks the peer's address
     * against the certificate's SAN.
     */
    public static Parameters tls(KeyManager keyManager, TrustManager trustManager) {
        return RaftSettings.tls(keyManager, trustManager);
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
        reconnects = PeerReconnects.start(server, () -> division, RaftSettings.RECONNECT_PERIOD);
        lanes.start();
        Collection<RaftPeer> members = division.getRaftConf().getCurrentPeers();
        boolean alone = members.size() == 1 && members.iterator().next().getId().equals(self.getId());
        long deadline = System.nanoTime() + (alone ? timeout : Duration.ofSeconds(5)).toNanos();
        while (alone ? !isCaughtUpLeader() : !isCaughtUp()) {
            if (System.nanoTime() > deadline) {
                if (alone) {
                    throw new IOException("this manager did not become the Raft leader within " + timeout
                            + " (role " + division.getInfo().getCurrentRole() + ")");
                }
                LOG.warn("raft peer {}: no leader yet ({}); serving, changes wait for a quorum", self.getId(),
                        members.isEmpty() ? "not a member of the group yet" : quorum().describe());
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
                members.size());
    }

    private boolean isCaughtUp() {
        RaftServer.Division current = division;
        DivisionInfo info = current.getInfo();
        return info.getLeaderId() != null && !current.getRaftConf().getCurrentPeers().isEmpty()
                && info.getLastAppliedIndex() >= current.getRaftLog().getLastCommittedIndex();
    }

    /**
     * Whether the manager with node id {@code nodeId} may speak Raft with this one
     * ({@link RaftPeerCheck}), judged against the current state ({@link RaftPeers#mayConnect}).
     */
    public boolean mayConnect(String nodeId) {
        return peers.mayConnect(nodeId, machine.state());
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
        try (ServerSocket probe = new ServerSocket()) {
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

    /** The highest log index known committed (0 before start). */
    public long commitIndex() {
        RaftServer.Division current = division;
        return current == null ? 0 : current.getRaftLog().getLastCommittedIndex();
    }

    /** The highest log index applied to the state machine (0 before start). */
    public long appliedIndex() {
        RaftServer.Division current = division;
        return current == null ? 0 : current.getInfo().getLastAppliedIndex();
    }

    /** How many entries the log holds now: from its start (after the last purge) to its end. */
    public long logEntries() {
        RaftServer.Division current = division;
        return current == null ? 0 : Math.max(0, current.getRaftLog().getNextIndex() - current.getRaftLog().getStartIndex());
    }

    /** The current leader's peer id, or null when none is known. */
    public String leaderId() {
        RaftServer.Division current = division;
        RaftPeerId leader = current == null ? null : current.getInfo().getLeaderId();
        return leader == null ? null : leader.toString();
    }

    @Override
    public CompletableFuture<ClusterState> submit(Command command) {
        return proposer.submit(command);
    }

    @Override
    public CompletableFuture<ClusterState> submitInTerm(Command command, long term) {
        return isLeader() && term() == term ? proposer.submit(command, term)
                : CompletableFuture.failedFuture(UnavailableException.noLongerLeads(term, term()));
    }

    @Override
    public void awaitConsistent(Duration max) throws InterruptedException {
        reads.await(max);
    }

    @Override
    public boolean quorumAvailable() {
        return quorum().available();
    }

    /** This peer's view of the group: how many managers there are and which ones it hears from. */
    public Quorum quorum() {
        return Quorum.of(closed ? null : division, self.getId().toString());
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
        membership.add(manager);
    }

    /**
     * Removes a manager from the group. Refused when the managers left would not have a reachable
     * majority: the change itself could not commit, and the cluster would lose its quorum.
     */
    public synchronized void removeMember(String id) throws IOException {
        membership.remove(id);
    }

    /** Takes a snapshot now (if anything was applied since the last one); returns its log index. */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = clientOfThisThread().getSnapshotManagementApi().create(1, 10_000);
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
        return lanes.client(RaftClientLanes.lane());
    }

    /** This peer's division of the group, or null before the start (tests). */
    RaftServer.Division division() {
        return division;
    }

    /** The state machine, for tests and tools. */
    public ClusterStateMachine machine() {
        return machine;
    }

    /**
     * Why this manager stopped its log by itself (an entry it cannot read: Ratis then closes the
     * server), or why its log stopped writing ({@link LogStall}), or why its peer has been closed by
     * Ratis for a while ({@link StoppedDivision}: a manager removed from the group sees its division
     * close a moment before its node turns it into a worker), or null: the node exits with it
     * (polled every second).
     */
    public String failure() {
        String fatal = closed ? null : machine.fatal();
        RaftServer.Division current = division;
        if (closed || fatal != null || current == null) {
            return fatal;
        }
        String stopped = stoppedDivision.check(current);
        return stopped != null ? stopped : logStall.check(current.getRaftLog());
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
        proposer.awaitInFlight(Duration.ofSeconds(2));
        lanes.close();
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the Raft server failed", e);
        }
        machine.failWaiters(new UnavailableException("the manager stopped"));
    }
}
