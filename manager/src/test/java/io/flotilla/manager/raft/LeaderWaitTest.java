package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.api.ManagerPeer;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;

/**
 * A change submitted while this peer sees no quorum (an election under way) waits for one and is
 * then sent, in its lane's order; a quorum that does not come refuses it with the usual words.
 */
class LeaderWaitTest {
    private static final List<ManagerPeer> PEERS = List.of(new ManagerPeer("a", null, "127.0.0.1:1"),
            new ManagerPeer("b", null, "127.0.0.2:1"), new ManagerPeer("c", null, "127.0.0.3:1"));
    private static final Quorum LEADER_B = new Quorum(PEERS, "b", Map.of("a", 0L, "b", 5L), "a");
    private static final Quorum ELECTION = new Quorum(PEERS, null, Map.of("a", 0L), "a");

    private final AtomicBoolean leader = new AtomicBoolean();
    private final AtomicBoolean closed = new AtomicBoolean();
    private final List<String> sent = new CopyOnWriteArrayList<>();

    private LeaderWait wait(Duration max) {
        return new LeaderWait(() -> leader.get() ? LEADER_B : ELECTION, closed::get, 8, max,
                CompletableFuture.delayedExecutor(5, TimeUnit.MILLISECONDS));
    }

    private CompletableFuture<String> submit(LeaderWait wait, int lane, String name) {
        return wait.send(lane, () -> {
            sent.add(name);
            return CompletableFuture.completedFuture(name);
        });
    }

    @Test
    void withALeaderTheChangeIsSentAtOnce() throws Exception {
        leader.set(true);
        CompletableFuture<String> result = submit(wait(Duration.ofSeconds(1)), 0, "a");
        assertThat(sent).containsExactly("a"); // on the caller's thread, before submit returned
        assertThat(result.get()).isEqualTo("a");
    }

    @Test
    void aChangeDuringAnElectionIsSentOnceALeaderIsSeen() throws Exception {
        LeaderWait wait = wait(Duration.ofSeconds(5));
        CompletableFuture<String> result = submit(wait, 0, "a");
        Thread.sleep(100);
        assertThat(sent).isEmpty();
        assertThat(result).isNotDone();

        leader.set(true);

        assertThat(result.get(2, TimeUnit.SECONDS)).isEqualTo("a");
        assertThat(sent).containsExactly("a");
    }

    @Test
    void noQuorumWithinTheWaitIsRefusedWithItsDescription() {
        long start = System.nanoTime();
        CompletableFuture<String> result = submit(wait(Duration.ofMillis(150)), 0, "a");
        assertThatThrownBy(() -> result.get(5, TimeUnit.SECONDS)).isInstanceOf(ExecutionException.class)
                .cause().isInstanceOf(UnavailableException.class).hasMessageStartingWith("no quorum: no Raft leader reachable");
        assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(Duration.ofMillis(150));
        assertThat(sent).isEmpty();
    }

    @Test
    void aLaneKeepsItsOrderThroughAWait() throws Exception {
        LeaderWait wait = wait(Duration.ofSeconds(5));
        List<CompletableFuture<String>> results = new java.util.ArrayList<>();
        for (String name : List.of("a", "b", "c")) {
            results.add(submit(wait, 3, name));
        }
        CompletableFuture<String> otherLane = submit(wait, 4, "x");
        Thread.sleep(50);
        leader.set(true);
        results.add(submit(wait, 3, "d")); // a leader now, but the lane's earlier changes go first
        for (CompletableFuture<String> result : results) {
            result.get(2, TimeUnit.SECONDS);
        }
        otherLane.get(2, TimeUnit.SECONDS);
        assertThat(sent.stream().filter(name -> !name.equals("x")).toList()).containsExactly("a", "b", "c", "d");
    }

    @Test
    void aStoppingManagerRefusesAtOnce() {
        LeaderWait wait = wait(Duration.ofSeconds(5));
        closed.set(true);
        assertThatThrownBy(() -> submit(wait, 0, "a").get(1, TimeUnit.SECONDS)).cause()
                .isInstanceOf(UnavailableException.class).hasMessage("the manager is stopping");
    }
}
