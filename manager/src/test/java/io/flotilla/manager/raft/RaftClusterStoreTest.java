package io.flotilla.manager.raft;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateSnapshot;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Real Ratis on disk: commands are applied, and a restarted manager gets every one of them back. */
public class RaftClusterStoreTest {
    private static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private Manager start() throws IOException {
        return managers.start(TestManagers.config(dataDir, null), new FakeClock(T0), TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false));
    }

    private static ClusterState fill(Manager manager, int services) throws Exception {
        ClusterState state = manager.state();
        manager.submit(new Command.UpsertNode(TestManagers.node("n1"))).get();
        for (int i = 0; i < services; i++) {
            ServiceSpec spec = ServiceSpec.process("svc" + i, 2, List.of("sleep", "1"));
            state = manager.submit(new Command.CreateService("id" + i, spec, T0)).get();
            Service service = state.service("id" + i).orElseThrow();
            state = manager.submit(new Command.CreateTasks(List.of(
                    TestManagers.newTask("t" + i + "a", service, 1, T0),
                    TestManagers.newTask("t" + i + "b", service, 2, T0)))).get();
        }
        return state;
    }

    @Test
    void submitCompletesWithTheStateAfterTheCommand() throws Exception {
        Manager manager = start();
        long before = manager.state().index();

        ClusterState after = manager.submit(new Command.CreateService("abc",
                ServiceSpec.process("web", 1, List.of("true")), T0)).get();

        assertThat(after.index()).isGreaterThan(before);
        assertThat(after.service("abc")).isPresent();
        assertThat(manager.state().serviceByName("web")).isPresent();
    }

    @Test
    void concurrentSubmissionsAreAllApplied() throws Exception {
        Manager manager = start();
        List<CompletableFuture<ClusterState>> futures = new ArrayList<>();
        for (int i = 0; i < 50; i++) {
            futures.add(manager.submit(new Command.CreateService("s" + i,
                    ServiceSpec.process("svc" + i, 1, List.of("true")), T0)));
        }
        CompletableFuture.allOf(futures.toArray(CompletableFuture[]::new)).get();

        assertThat(manager.state().services()).hasSize(50);
        for (CompletableFuture<ClusterState> future : futures) {
            assertThat(future.get().index()).isPositive();
        }
    }

    @Test
    void restartReplaysTheLog() throws Exception {
        Manager first = start();
        ClusterState written = fill(first, 3);
        first.close();

        Manager second = start();

        assertSameContent(second.state(), written);
        assertThat(snapshotFiles()).as("no snapshot is taken on stop").isEmpty();
        // and it keeps accepting commands after the replay
        ClusterState more = second.submit(new Command.RemoveService("id0", T0)).get();
        assertThat(more.service("id0")).isEmpty();
        assertThat(more.index()).isGreaterThan(written.index());
    }

    @Test
    void restartLoadsTheSnapshotAndReplaysTheRest() throws Exception {
        Manager first = start();
        fill(first, 2);
        first.takeSnapshot();
        assertThat(snapshotFiles()).isNotEmpty();
        ClusterState written = first.submit(new Command.CreateService("late",
                ServiceSpec.process("late", 1, List.of("true")), T0)).get();
        first.close();

        Manager second = start();

        assertSameContent(second.state(), written);
    }

    @Test
    void automaticSnapshotsAfterTheThreshold() throws Exception {
        Manager first = managers.start(TestManagers.config(dataDir, null), new FakeClock(T0), TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false).withSnapshotThreshold(5));
        ClusterState written = fill(first, 4); // 9 entries

        org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() -> !snapshotFiles().isEmpty());
        first.close();
        Manager second = start();

        assertSameContent(second.state(), written);
    }

    @Test
    void aSnapshotThatCannotBeWrittenFailsAsAnIoErrorLeavesNothingAndIsTriedAgainLater() throws Exception {
        Manager manager = start();
        fill(manager, 1);
        ClusterStateMachine machine = manager.store().machine();
        org.apache.ratis.server.protocol.TermIndex applied = machine.getLastAppliedTermIndex();
        var storage = (org.apache.ratis.statemachine.impl.SimpleStateMachineStorage) machine.getStateMachineStorage();
        // where the snapshot's MD5 goes, something that cannot be replaced: its write fails, as on a full disk.
        // For the next indexes too: Ratis may apply an entry of its own between here and the snapshot.
        List<Path> obstacles = new ArrayList<>();
        for (long index = applied.getIndex(); index <= applied.getIndex() + 50; index++) {
            Path target = storage.getSnapshotFile(applied.getTerm(), index).toPath();
            obstacles.add(Files.createDirectories(target.resolveSibling(target.getFileName() + ".md5").resolve("x")));
        }

        // an IOException, which Ratis logs and survives; anything else closes the peer for good
        assertThatThrownBy(machine::takeSnapshot).isInstanceOf(IOException.class).hasMessageContaining("not written");
        assertThat(snapshotFiles()).isEmpty();
        try (Stream<Path> files = Files.walk(dataDir.resolve("raft"))) {
            assertThat(files.filter(f -> f.getFileName().toString().endsWith(".tmp")).toList()).isEmpty();
        }
        // asked again at once (Ratis asks after every applied entry): not tried
        assertThat(machine.takeSnapshot()).isEqualTo(-1);

        for (Path obstacle : obstacles) {
            Files.delete(obstacle);
            Files.delete(obstacle.getParent());
        }
        Thread.sleep(ClusterStateMachine.SNAPSHOT_RETRY_PAUSE.toMillis() + 100);
        long taken = machine.takeSnapshot();
        assertThat(taken).isGreaterThanOrEqualTo(applied.getIndex());
        Path target = storage.getSnapshotFile(applied.getTerm(), taken).toPath();
        assertThat(snapshotFiles()).containsExactly(target);
        org.apache.ratis.util.MD5FileUtil.verifySavedMD5(target.toFile(),
                org.apache.ratis.util.MD5FileUtil.computeMd5ForFile(target.toFile()));
        manager.submit(new Command.CreateService("after", ServiceSpec.process("after", 1, List.of("true")), T0)).get();
    }

    @Test
    void snapshotFileHoldsTheStateAsJson() throws Exception {
        Manager manager = start();
        ClusterState written = fill(manager, 1);
        manager.takeSnapshot();

        Path file = snapshotFiles().getFirst();
        StateSnapshot snapshot = io.flotilla.model.Json.read(Files.readAllBytes(file), StateSnapshot.class);
        assertThat(snapshot.index()).isEqualTo(written.index());
        assertThat(snapshot.services()).hasSize(1);
        assertThat(snapshot.tasks()).hasSize(2);
    }

    @Test
    void aClientThatGaveUpFailsOnlyItsOwnRequestsAndIsReplaced() throws Exception {
        Manager manager = start();
        RaftClusterStore store = manager.store();
        store.clientOfThisThread().close(); // as Ratis does to an ordered client whose retries failed

        // A thread of another client lane is not affected.
        long myLane = Thread.currentThread().threadId() % RaftClientLanes.CLIENT_LANES;
        CompletableFuture<ClusterState> other = new CompletableFuture<>();
        while (!other.isDone()) {
            Thread.ofPlatform().start(() -> {
                if (Thread.currentThread().threadId() % RaftClientLanes.CLIENT_LANES != myLane) {
                    store.submit(new Command.CreateService("other", ServiceSpec.process("other", 1, List.of("true")), T0))
                            .whenComplete((state, error) -> {
                                if (error != null) {
                                    other.completeExceptionally(error);
                                } else {
                                    other.complete(state);
                                }
                            });
                }
            }).join();
        }
        assertThat(other.get().service("other")).isPresent();

        // This thread's request fails as unavailable, and its lane gets a fresh client.
        assertThatThrownBy(() -> Submissions.await(manager.submit(new Command.CreateService("mine",
                ServiceSpec.process("mine", 1, List.of("true")), T0)))).isInstanceOf(UnavailableException.class);
        ClusterState after = Submissions.await(manager.submit(new Command.CreateService("again",
                ServiceSpec.process("again", 1, List.of("true")), T0)));
        assertThat(after.service("again")).isPresent();
    }

    @Test
    void submitAfterCloseIsUnavailable() throws Exception {
        Manager manager = start();
        manager.close();

        assertThatThrownBy(() -> Submissions.await(manager.submit(new Command.RemoveNode("x"))))
                .isInstanceOf(UnavailableException.class);
    }

    @Test
    void startFailsCleanlyWhenTheRaftPortIsTaken() throws Exception {
        try (java.net.ServerSocket taken = new java.net.ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            ManagerConfig base = TestManagers.config(dataDir, null);
            ManagerConfig config = new ManagerConfig(base.nodeId(), base.dataDir(), base.apiAddress(),
                    new java.net.InetSocketAddress("127.0.0.1", taken.getLocalPort()), null);
            assertThatThrownBy(() -> managers.start(config, new FakeClock(T0), TaskLogSource.NONE,
                    TestManagers.tuning())).isInstanceOf(Exception.class);
        }
    }

    private List<Path> snapshotFiles() throws IOException {
        try (Stream<Path> files = Files.walk(dataDir.resolve("raft"))) {
            return files.filter(p -> p.getFileName().toString().startsWith("snapshot.")
                    && !p.getFileName().toString().endsWith(".md5")
                    && !p.getFileName().toString().endsWith(".tmp")).sorted().toList();
        }
    }

    /**
     * The restarted manager replayed everything up to {@code index} and then wrote only its
     * taking office ({@code LeaderChanged}, one entry: the leader.changed event).
     */
    public static void assertOnlyTheNewTermAfter(ClusterState actual, long index) {
        List<io.flotilla.model.ClusterEvent> after = actual.events().after(index, Integer.MAX_VALUE);
        assertThat(after).extracting(io.flotilla.model.ClusterEvent::type).containsExactly("leader.changed");
        assertThat(actual.index()).isEqualTo(after.getFirst().index());
    }

    private static void assertSameContent(ClusterState actual, ClusterState expected) {
        assertOnlyTheNewTermAfter(actual, expected.index());
        assertThat(actual.services()).containsExactlyInAnyOrderElementsOf(expected.services());
        assertThat(actual.tasks()).containsExactlyInAnyOrderElementsOf(expected.tasks());
        assertThat(actual.nodes()).containsExactlyInAnyOrderElementsOf(expected.nodes());
        for (Task task : expected.tasks()) {
            assertThat(actual.tasksOfService(task.serviceId())).contains(task);
        }
    }
}
