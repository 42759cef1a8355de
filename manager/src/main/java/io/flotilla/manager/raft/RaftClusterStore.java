package io.flotilla.manager.raft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Objects;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.client.RaftClientConfigKeys;
import org.apache.ratis.conf.RaftProperties;
import org.apache.ratis.grpc.GrpcConfigKeys;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftGroup;
import org.apache.ratis.protocol.RaftGroupId;
import org.apache.ratis.protocol.RaftPeer;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.retry.RetryPolicies;
import org.apache.ratis.server.DivisionInfo;
import org.apache.ratis.server.RaftServer;
import org.apache.ratis.server.RaftServerConfigKeys;
import org.apache.ratis.server.storage.RaftStorage;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
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
 *   <li>Election timeouts of 150–300 ms, so that losing a leader costs well under a second.</li>
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
    private static final ObjectWriter COMMAND_WRITER = Json.MAPPER.writerFor(Command.class);

    private final RaftPeer self;
    private final RaftGroup group;
    private final ClusterStateMachine machine = new ClusterStateMachine();
    private final RaftServer server;
    private final RaftClient client;
    private volatile RaftServer.Division division;
    private volatile boolean closed;
    /** Requests sent and not yet answered: close lets them finish briefly instead of cutting them. */
    private final java.util.Set<CompletableFuture<?>> inFlight = java.util.concurrent.ConcurrentHashMap.newKeySet();

    public RaftClusterStore(String nodeId, InetSocketAddress raftAddress, Path storageDir, long snapshotThreshold)
            throws IOException {
        Files.createDirectories(storageDir);
        this.self = RaftPeer.newBuilder()
                .setId(RaftPeerId.valueOf(nodeId))
                .setAddress(raftAddress.getHostString() + ":" + raftAddress.getPort())
                .build();
        this.group = RaftGroup.valueOf(GROUP_ID, List.of(self));
        this.server = RaftServer.newBuilder()
                .setServerId(self.getId())
                .setGroup(group)
                .setStateMachine(machine)
                .setProperties(serverProperties(raftAddress, storageDir, snapshotThreshold))
                .setOption(RaftStorage.StartupOption.RECOVER)
                .build();
        this.client = RaftClient.newBuilder()
                .setClientId(ClientId.randomId())
                .setRaftGroup(group)
                .setProperties(clientProperties())
                .setRetryPolicy(RetryPolicies.retryUpToMaximumCountWithFixedSleep(30,
                        TimeDuration.valueOf(100, TimeUnit.MILLISECONDS)))
                .build();
    }

    private static RaftProperties serverProperties(InetSocketAddress address, Path storageDir, long snapshotThreshold) {
        RaftProperties properties = new RaftProperties();
        RaftServerConfigKeys.setStorageDir(properties, List.of(storageDir.toFile()));
        GrpcConfigKeys.Server.setHost(properties, address.getHostString());
        GrpcConfigKeys.Server.setPort(properties, address.getPort());
        RaftServerConfigKeys.Rpc.setTimeoutMin(properties, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setTimeoutMax(properties, TimeDuration.valueOf(300, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMin(properties, TimeDuration.valueOf(50, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Rpc.setFirstElectionTimeoutMax(properties, TimeDuration.valueOf(150, TimeUnit.MILLISECONDS));
        RaftServerConfigKeys.Snapshot.setAutoTriggerEnabled(properties, true);
        RaftServerConfigKeys.Snapshot.setAutoTriggerThreshold(properties, snapshotThreshold);
        RaftServerConfigKeys.Snapshot.setTriggerWhenStopEnabled(properties, false);
        RaftServerConfigKeys.Snapshot.setRetentionFileNum(properties, 2);
        RaftServerConfigKeys.Log.setPurgeUptoSnapshotIndex(properties, true);
        return properties;
    }

    private static RaftProperties clientProperties() {
        RaftProperties properties = new RaftProperties();
        RaftClientConfigKeys.Rpc.setRequestTimeout(properties, TimeDuration.valueOf(3, TimeUnit.SECONDS));
        return properties;
    }

    /**
     * Starts the peer and waits until it leads and has applied every committed entry (the log
     * replayed after a restart), or fails after {@code timeout}.
     */
    public void start(Duration timeout) throws IOException {
        requireFreePort(self.getAddress());
        server.start();
        division = server.getDivision(GROUP_ID);
        long deadline = System.nanoTime() + timeout.toNanos();
        while (!isCaughtUpLeader()) {
            if (System.nanoTime() > deadline) {
                throw new IOException("this manager did not become the Raft leader within " + timeout
                        + " (role " + division.getInfo().getCurrentRole() + ")");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IOException("interrupted while waiting for leadership", e);
            }
        }
        LOG.info("raft peer {} leads term {} at state index {}", self.getId(), division.getInfo().getCurrentTerm(),
                machine.state().index());
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
        CompletableFuture<RaftClientReply> sent = client.async().send(Message.valueOf(ByteString.copyFrom(bytes)));
        inFlight.add(sent);
        sent.whenComplete((reply, error) -> inFlight.remove(sent));
        return sent.handle((reply, error) -> afterReply(command, reply, error)).thenCompose(future -> future);
    }

    private CompletableFuture<ClusterState> afterReply(Command command, RaftClientReply reply, Throwable error) {
        if (error != null) {
            Throwable cause = unwrap(error);
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

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Takes a snapshot now (if anything was applied since the last one); returns its log index. */
    public long takeSnapshot() throws IOException {
        RaftClientReply reply = client.getSnapshotManagementApi().create(1, 10_000);
        if (!reply.isSuccess()) {
            throw new IOException("snapshot failed: " + reply.getException());
        }
        return reply.getLogIndex();
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
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(2, TimeUnit.SECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | java.util.concurrent.TimeoutException e) {
            LOG.debug("requests still in flight at close: {}", e.toString());
        }
        try {
            client.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the Raft client failed", e);
        }
        try {
            server.close();
        } catch (IOException | RuntimeException e) {
            LOG.warn("closing the Raft server failed", e);
        }
        machine.failWaiters(new UnavailableException("the manager stopped"));
    }
}
