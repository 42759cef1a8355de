package io.flotilla.manager.raft;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.LongSupplier;
import java.util.function.Supplier;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.RaftPeerId;

/**
 * Linearizable reads through a Raft read index: Ratis' LINEARIZABLE read option
 * ({@link RaftSettings#server}). A read-only request to this manager's own peer is answered once the
 * answering peer has applied every entry committed before the request, as a round of heartbeats to
 * a majority confirmed to the leader (a follower asks the leader for that index, then applies up to
 * it); the answer is the log index applied there. The client may have sent the request on to
 * another peer (a retry after a failure), so this manager then waits until it has applied up to
 * that index itself. The caller then reads the local state, which only moves forward: the read sees
 * every write acknowledged before it began. Without a leader that hears from a majority, it fails.
 */
final class LinearizableReads {
    private final RaftClientLanes lanes;
    private final RaftPeerId self;
    private final Supplier<RaftClusterStore.Quorum> quorum;
    /** The log index this manager's state machine has applied up to. */
    private final LongSupplier applied;

    LinearizableReads(RaftClientLanes lanes, RaftPeerId self, Supplier<RaftClusterStore.Quorum> quorum, LongSupplier applied) {
        this.lanes = lanes;
        this.self = self;
        this.quorum = quorum;
        this.applied = applied;
    }

    /** Returns once a read of the local state is linearizable; {@link UnavailableException} when none is within {@code max}. */
    void await(Duration max) throws InterruptedException {
        // unordered: a read does not queue behind the lane's writes in flight (the server still takes its read index)
        long deadline = System.nanoTime() + max.toNanos();
        CompletableFuture<RaftClientReply> reply = lanes.client(RaftClientLanes.lane()).async()
                .sendReadOnlyUnordered(Message.EMPTY, self);
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
