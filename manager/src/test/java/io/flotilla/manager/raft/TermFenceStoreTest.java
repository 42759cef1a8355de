package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.apache.ratis.protocol.RaftClientReply;
import org.apache.ratis.protocol.exceptions.StateMachineException;
import org.apache.ratis.thirdparty.com.google.protobuf.ByteString;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A real Ratis leader refuses a decision fenced by another term before appending it
 * ({@link ClusterStateMachine#preAppendTransaction}), and stays the leader: the path of a stale
 * leader's verdict that its Raft client sends on to the new leader.
 */
class TermFenceStoreTest {
    @TempDir Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static Message fenced(Command command, long term) throws IOException {
        return Message.valueOf(ByteString.copyFrom(TermFence.attach(Json.MAPPER.writerFor(Command.class).writeValueAsBytes(command), term)));
    }

    private RaftClusterStore leader() throws IOException {
        RaftClusterStore store = new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", freePort()),
                dir.resolve("raft"), RaftClusterStore.DEFAULT_SNAPSHOT_THRESHOLD);
        store.start(Duration.ofSeconds(30));
        await().atMost(Duration.ofSeconds(10)).until(store::isLeader);
        return store;
    }

    @Test
    void aDecisionOfAnotherTermIsNotAppendedAndTheLeaderStaysLeader() throws Exception {
        try (RaftClusterStore store = leader(); RaftClient client = store.lanes.newClient()) {
            long term = store.term();
            long logEnd = store.division().getRaftLog().getNextIndex();
            ClusterState before = store.state();

            assertThatThrownBy(() -> client.async().send(fenced(new Command.UpsertNode(TestManagers.node("n1")), term - 1))
                    .get(10, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class).cause().isInstanceOf(StateMachineException.class)
                    .hasMessageContaining("decision of term " + (term - 1)).hasMessageContaining("term " + term);
            assertThat(store.division().getRaftLog().getNextIndex()).as("nothing appended").isEqualTo(logEnd);
            assertThat(store.state()).isSameAs(before);
            Thread.sleep(300); // a leader told to step down would have by now
            assertThat(store.isLeader()).as("the rightful leader does not step down").isTrue();
            assertThat(store.term()).isEqualTo(term);
        }
    }

    @Test
    void aDecisionOfTheLeadersTermIsAppendedAndApplied() throws Exception {
        try (RaftClusterStore store = leader(); RaftClient client = store.lanes.newClient()) {
            RaftClientReply reply = client.async().send(fenced(new Command.UpsertNode(TestManagers.node("n1")), store.term()))
                    .get(10, TimeUnit.SECONDS);

            assertThat(reply.isSuccess()).isTrue();
            await().atMost(Duration.ofSeconds(5)).until(() -> store.state().node("n1").isPresent());
        }
    }

    @Test
    void theProposerReportsARefusalAsAFailedCommand() throws Exception {
        try (RaftClusterStore store = leader()) {
            long term = store.term();
            var proposer = new CommandProposer(store.lanes, store.machine(), store::quorum, () -> false);

            assertThatThrownBy(() -> Submissions.await(proposer.submit(new Command.UpsertNode(TestManagers.node("n1")), term + 1)))
                    .isInstanceOf(CommandFailedException.class).hasMessageContaining("decision of term " + (term + 1));
            assertThat(Submissions.await(store.submit(new Command.UpsertNode(TestManagers.node("n2")))).node("n2"))
                    .as("the lane goes on").isPresent();
        }
    }

    @Test
    void submitInTermRefusesATermThisManagerDoesNotLeadAndAcceptsItsOwn() throws Exception {
        try (RaftClusterStore store = leader()) {
            long term = store.term();

            assertThatThrownBy(() -> Submissions.await(store.submitInTerm(new Command.UpsertNode(TestManagers.node("n1")), term - 1)))
                    .isInstanceOf(UnavailableException.class).hasMessageContaining("no longer leads term " + (term - 1));
            assertThat(store.state().node("n1")).isEmpty();

            ClusterState after = Submissions.await(store.submitInTerm(new Command.UpsertNode(TestManagers.node("n2")), term));
            assertThat(after.node("n2")).isPresent();
        }
    }
}
