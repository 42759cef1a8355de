package io.flotilla.manager.raft;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectWriter;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.AlreadyClosedException;
import org.apache.ratis.protocol.exceptions.RaftRetryFailureException;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Proposes commands to the Raft group, each through the calling thread's client lane
 * ({@link RaftClientLanes}): encodes the command, waits briefly for a quorum when this peer sees
 * none (an election under way: {@link LeaderWait}) and refuses it if none comes, bounds the wait
 * for its commit ({@link RaftSettings#BULK_WRITE_TIMEOUT} for a bulk entry), and turns the reply into the state that includes it, or into the failure callers
 * handle: {@link UnavailableException} (no leader or quorum, or not committed in time: it may
 * still commit) or {@link CommandFailedException} (the state refused it). Keeps the requests in
 * flight, so that closing can let them finish.
 */
final class CommandProposer {
    /** Logs as the store: one category for the Raft peer's trace. */
    private static final Logger LOG = LoggerFactory.getLogger(RaftClusterStore.class);
    private static final ObjectWriter COMMAND_WRITER = Json.MAPPER.writerFor(Command.class);

    private final RaftClientLanes lanes;
    private final ClusterStateMachine machine;
    private final Supplier<Quorum> quorum;
    private final BooleanSupplier closed;
    /** Requests sent and not yet answered: close lets them finish briefly instead of cutting them. */
    private final Set<CompletableFuture<?>> inFlight = ConcurrentHashMap.newKeySet();
    private final LeaderWait leaderWait;

    CommandProposer(RaftClientLanes lanes, ClusterStateMachine machine, Supplier<Quorum> quorum,
                    BooleanSupplier closed) {
        this.lanes = lanes;
        this.machine = machine;
        this.quorum = quorum;
        this.closed = closed;
        this.leaderWait = new LeaderWait(quorum, closed, RaftClientLanes.CLIENT_LANES);
    }

    /** See {@link ClusterStore#submit}. */
    CompletableFuture<ClusterState> submit(Command command) {
        return submit(command, TermFence.NONE);
    }

    /**
     * See {@link ClusterStore#submitInTerm}: {@code command} carries {@code term} ({@link TermFence};
     * {@link TermFence#NONE}: none), and a leader of another term refuses it.
     */
    CompletableFuture<ClusterState> submit(Command command, long term) {
        Objects.requireNonNull(command, "command");
        if (closed.getAsBoolean()) {
            return CompletableFuture.failedFuture(new UnavailableException("the manager is stopping"));
        }
        byte[] bytes;
        try {
            byte[] encoded = COMMAND_WRITER.writeValueAsBytes(command);
            bytes = term == TermFence.NONE ? encoded : TermFence.attach(encoded, term);
        } catch (JsonProcessingException e) {
            return CompletableFuture.failedFuture(new IllegalArgumentException("cannot encode command: " + e.getMessage(), e));
        }
        int lane = RaftClientLanes.lane(); // the caller's thread names the lane, not the timer's that may send it
        return leaderWait.send(lane, () -> send(command, bytes, lane));
    }

    private CompletableFuture<ClusterState> send(Command command, byte[] bytes, int lane) {
        RaftClient client = lanes.client(lane);
        Duration timeout = bytes.length >= RaftSettings.BULK_BYTES ? RaftSettings.BULK_WRITE_TIMEOUT : RaftSettings.WRITE_TIMEOUT;
        CompletableFuture<RaftClientReply> sent = client.async().send(Message.valueOf(ByteString.copyFrom(bytes)))
                .orTimeout(timeout.toMillis(), TimeUnit.MILLISECONDS);
        inFlight.add(sent);
        sent.whenComplete((reply, error) -> inFlight.remove(sent));
        return sent.handle((reply, error) -> afterReply(command, lane, client, timeout, reply, error))
                .thenCompose(future -> future);
    }

    private CompletableFuture<ClusterState> afterReply(Command command, int lane, RaftClient client, Duration timeout,
                                                       RaftClientReply reply, Throwable error) {
        if (error != null) {
            Throwable cause = unwrap(error);
            if (cause instanceof StateMachineException refused) { // a leader refused it before appending (TermFence)
                return CompletableFuture.failedFuture(new CommandFailedException(refused.getMessage()));
            }
            if (givesUp(cause)) {
                lanes.renew(lane, client); // Ratis closes a client's ordered window once its retries failed: use a fresh one
            }
            if (cause instanceof TimeoutException) {
                // Not known to have failed: Ratis may still commit it (its own retries keep the call id, so at most once).
                return CompletableFuture.failedFuture(new UnavailableException("the change was not committed within "
                        + timeout.toMillis() + " ms: " + quorum.get().describe(), cause));
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
            if (t instanceof AlreadyClosedException || t instanceof RaftRetryFailureException) {
                return true;
            }
        }
        return false;
    }

    private static Throwable unwrap(Throwable error) {
        Throwable cause = error;
        while ((cause instanceof CompletionException || cause instanceof ExecutionException) && cause.getCause() != null) {
            cause = cause.getCause();
        }
        return cause;
    }

    /** Lets the requests in flight finish, for {@code max} at most. */
    void awaitInFlight(Duration max) {
        try {
            CompletableFuture.allOf(inFlight.toArray(CompletableFuture[]::new)).get(max.toMillis(), TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException | TimeoutException e) {
            LOG.debug("requests still in flight at close: {}", e.toString());
        }
    }
}
