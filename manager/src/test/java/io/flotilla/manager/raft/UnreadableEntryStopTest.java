package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import org.apache.ratis.client.RaftClient;
import org.apache.ratis.protocol.Message;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager whose log holds an entry it cannot read (a newer release's command) stops its Raft
 * server, and says why through {@link RaftClusterStore#failure()}: the node exits with it rather
 * than stay up with a dead log (ClusterNodeRunner).
 */
class UnreadableEntryStopTest {
    @TempDir Path dir;

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    @Test
    void anEntryThisReleaseCannotReadStopsTheServerAndTheStoreSaysWhy() throws Exception {
        try (RaftClusterStore store = new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", freePort()),
                dir.resolve("raft"), RaftClusterStore.DEFAULT_SNAPSHOT_THRESHOLD)) {
            store.start(Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10)).until(store::isLeader);
            assertThat(store.failure()).as("running").isNull();

            RaftClient client = store.lanes.newClient();
            client.async().send(Message.valueOf("{\"type\":\"PatchNodeSpecV2\",\"nodeId\":\"n1\"}")); // no answer comes
            await().atMost(Duration.ofSeconds(15)).until(() -> store.failure() != null);
            assertThat(store.failure()).contains("'PatchNodeSpecV2'").contains("upgrade this manager");
            client.close();
        }
    }

    /** Ratis closing the peer by itself (its state machine updater failed, a leader told it to): the node must not stay up as a zombie. */
    @Test
    void aPeerRatisClosedWhileTheManagerRunsIsAFailureOnceItStaysClosed() throws Exception {
        try (RaftClusterStore store = new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", freePort()),
                dir.resolve("raft"), RaftClusterStore.DEFAULT_SNAPSHOT_THRESHOLD)) {
            store.stoppedDivision = new StoppedDivision(Duration.ofMillis(300));
            store.start(Duration.ofSeconds(30));
            await().atMost(Duration.ofSeconds(10)).until(store::isLeader);
            assertThat(store.failure()).as("running").isNull();

            store.division().close();

            assertThat(store.failure()).as("just closed: a removed manager's node turns it into a worker meanwhile").isNull();
            await().atMost(Duration.ofSeconds(10)).pollInterval(Duration.ofMillis(50)).until(() -> store.failure() != null);
            assertThat(store.failure()).contains("closed by Ratis").contains("start the node again");
        }
    }

    @Test
    void aClosedStoreHasNoFailure() throws Exception {
        RaftClusterStore store = new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", freePort()),
                dir.resolve("raft"), RaftClusterStore.DEFAULT_SNAPSHOT_THRESHOLD);
        store.start(Duration.ofSeconds(30));
        store.close();
        assertThat(store.failure()).as("stopped on purpose").isNull();
    }
}
