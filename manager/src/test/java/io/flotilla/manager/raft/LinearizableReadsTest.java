package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.ManagerPeer;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Consistent reads ({@code GET …?consistent}) on real Ratis, three managers: every manager's state
 * includes an acknowledged write once its read index is reached, and a leader that has lost its
 * majority cannot confirm one (a plain read would answer from its state at once, possibly stale).
 */
class LinearizableReadsTest {
    @TempDir Path tmp;
    private final List<RaftClusterStore> stores = new ArrayList<>();

    @AfterEach
    void closeAll() {
        stores.forEach(RaftClusterStore::close);
    }

    @Test
    void everyManagerReadsAnAcknowledgedWriteAndALeaderWithoutItsMajorityCannotRead() throws Exception {
        int p1 = TestManagers.freePort();
        RaftClusterStore leader = store(new RaftClusterStore("m1", new InetSocketAddress("127.0.0.1", p1),
                tmp.resolve("m1"), 1000));
        leader.start(Duration.ofSeconds(30));
        List<RaftClusterStore> followers = new ArrayList<>();
        for (String id : List.of("m2", "m3")) {
            int port = TestManagers.freePort();
            RaftClusterStore follower = store(new RaftClusterStore(id, new InetSocketAddress("127.0.0.1", port),
                    tmp.resolve(id), 1000, false, List.of(new ManagerPeer("m1", null, "127.0.0.1:" + p1))));
            follower.start(Duration.ofSeconds(30));
            leader.addMember(new ManagerPeer(id, null, "127.0.0.1:" + port));
            followers.add(follower);
        }
        await("three managers follow m1").atMost(Duration.ofSeconds(30))
                .until(() -> followers.stream().allMatch(f -> "m1".equals(f.leaderId()) && f.members().size() == 3));

        long written = leader.submit(new Command.CreateService("s1", ServiceSpec.process("web", 1, List.of("true")),
                Instant.parse("2025-01-01T00:00:00Z"))).get(30, TimeUnit.SECONDS).index();
        for (RaftClusterStore store : stores) {
            store.awaitConsistent(Duration.ofSeconds(10));
            assertThat(store.state().index()).as("state after its read index").isGreaterThanOrEqualTo(written);
            assertThat(store.state().serviceByName("web")).isPresent();
        }

        followers.forEach(RaftClusterStore::close);
        long start = System.nanoTime();
        assertThatThrownBy(() -> leader.awaitConsistent(Duration.ofSeconds(2)))
                .isInstanceOf(UnavailableException.class)
                .hasMessageContaining("no consistent read");
        assertThat(TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start)).as("bounded by its wait").isLessThan(10_000);
    }

    private RaftClusterStore store(RaftClusterStore store) {
        stores.add(store);
        return store;
    }
}
