package io.flotilla.manager.raft;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import java.util.concurrent.atomic.AtomicLong;
import org.apache.ratis.protocol.ClientId;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftClientRequest;
import org.apache.ratis.protocol.RaftPeerId;
import org.apache.ratis.server.RaftServer;

/**
 * Linearizable reads through a Raft read index: Ratis' LINEARIZABLE read option
 * ({@link RaftSettings#server}). A read-only request to this manager's own peer is answered once the
 * answering peer has applied every entry committed before the request, as a round of heartbeats to
 * a majority confirmed to the leader (a follower asks the leader for that index, then applies up to
 * it); the answer is the log index applied there, and this manager waits until it has applied up to
 * that index itself. The caller then reads the local state, which only moves forward: the read sees
 * every write acknowledged before it began. Without a leader that hears from a majority, it fails.
 */
final class LinearizableReads {
    /** The read's client id: one per manager (reads are neither retried nor cached). */
    private static final ClientId CLIENT = ClientId.randomId();
    private final AtomicLong calls = new AtomicLong();
    private final RaftServer server;
    private final RaftPeerId self;
    private final Supplier<Quorum> quorum;
    /** The log index this manager's state machine has applied up to. */
    private final LongSupplier applied;

    LinearizableReads(RaftServer server, RaftPeerId self, Supplier<Quorum> quorum, LongSupplier applied) {
        this.server = server;
        this.self = self;
        this.quorum = quorum;
        this.applied = applied;
    }

    /** Returns once a read of the local state is linearizable; {@link UnavailableException} when none is within {@code max}. */
    void await(Duration max) throws InterruptedException {
        long deadline = System.nanoTime() + max.toNanos();
        // handed to this manager's own peer in-process: a Raft client would open a gRPC channel to its own server
        // (three short chaos runs saw a node go silent for seconds before closing one, and miss its heartbeats)
        RaftClientRequest request = RaftClientRequest.newBuilder().setClientId(CLIENT).setServerId(self)
                .setGroupId(RaftClusterStore.GROUP_ID).setCallId(calls.incrementAndGet()).setMessage(Message.EMPTY)
                .setType(RaftClientRequest.readRequestType()).setTimeoutMs(max.toMillis()).build();
        CompletableFuture<RaftClientReply> reply;
        try {
            reply = server.submitClientRequestAsync(request);
        } catch (java.io.IOException e) {
            throw unavailable(e.toString(), e);
        }
        try {
            RaftClientReply answer = reply.get(max.toMillis(), TimeUnit.MILLISECONDS);
            if (!answer.isSuccess()) {
                throw unavailable(String.valueOf(answer.getException()), answer.getException());
            }
            long index = Long.parseLong(answer.getMessage().getContent().toStringUtf8());
            while (applied.getAsLong() < index) {
                if (System.nanoTime() - deadline > 0) {
                    throw unavailable("this manager had not applied up to the read index " + index + " within "
                            + max.toMillis() + " ms", null);
                }
                Thread.sleep(1);
            }
        } catch (TimeoutException e) {
            reply.cancel(true);
            throw unavailable("none within " + max.toMillis() + " ms", e);
        } catch (ExecutionException e) {
            throw unavailable(String.valueOf(e.getCause()), e.getCause());
        }
    }

    private UnavailableException unavailable(String why, Throwable cause) {
        return new UnavailableException("no consistent read: no leader confirmed by a majority (" + why + "); "
                + quorum.get().describe(), cause);
    }
}
