package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.model.api.ManagerPeer;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A follower keeps its channels to the other managers out of gRPC's reconnect backoff, against
 * the real Ratis it runs on: the reset reaches Ratis' (non-public) gRPC client, round after round,
 * and never on the leader, whose appenders do it themselves. Fails if a Ratis upgrade breaks the
 * reflective call (the resets then stop), which would bring back multi-second elections after a
 * manager restart (docs/benchmarks.md, Failover).
 */
class PeerReconnectsTest {
    @TempDir Path tmp;
    private final List<RaftClusterStore> stores = new ArrayList<>();

    @AfterEach
    void closeAll() {
        stores.forEach(RaftClusterStore::close);
    }

    @Test
    void aFollowerResetsTheBackoffOfItsChannelsRoundAfterRoundAndTheLeaderDoesNot() throws Exception {
        int p1 = freePort();
        int p2 = freePort();
        RaftClusterStore leader = store(new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", p1),
                tmp.resolve("m1"), 1000));
        leader.start(Duration.ofSeconds(30));
        RaftClusterStore follower = store(new RaftClusterStore("m2", new InetSocketAddress("127.0.0.1", p2),
                tmp.resolve("m2"), 1000, false, List.of(new ManagerPeer("m1", null, "127.0.0.1:" + p1))));
        follower.start(Duration.ofSeconds(30));
        leader.addMember(new ManagerPeer("m2", null, "127.0.0.1:" + p2));
        await("m2 follows m1").atMost(Duration.ofSeconds(30)).until(() -> "m1".equals(follower.leaderId())
                && follower.members().size() == 2);

        long before = follower.reconnects().rounds();
        await("rounds of resets on the follower").atMost(Duration.ofSeconds(10))
                .until(() -> follower.reconnects().rounds() >= before + 3);
        assertThat(leader.isLeader()).isTrue();
        long leaderRounds = leader.reconnects().rounds();
        Thread.sleep(RaftSettings.RECONNECT_PERIOD.multipliedBy(3).toMillis());
        assertThat(leader.reconnects().rounds()).as("the leader leaves it to its appenders").isEqualTo(leaderRounds);
    }

    private RaftClusterStore store(RaftClusterStore store) {
        stores.add(store);
        return store;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }
}
