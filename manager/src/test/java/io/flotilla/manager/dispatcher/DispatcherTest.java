package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerTuning;
import io.flotilla.manager.TestManagers;
import io.flotilla.manager.api.HttpTestClient;
import io.flotilla.model.Command;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.state.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Agent sessions over real HTTP on a real manager. The control loop only judges liveness here
 * (no orchestrator or scheduler): the tests create and assign tasks with commands themselves.
 */
class DispatcherTest {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private final FakeClock clock = new FakeClock();
    private Manager manager;
    private HttpTestClient http;

    @BeforeEach
    void startManager() throws Exception {
        // a grace of one timeout after the start: these tests judge liveness from the first seconds on
        manager = managers.start(TestManagers.config(dataDir, TIMEOUT), clock, TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false).withLeaderGrace(TIMEOUT));
        http = new HttpTestClient(manager.apiAddress());
    }

    @AfterEach
    void closeAll() {
        managers.close();
    }

    private AssignmentSet hello(String nodeId) throws Exception {
        HttpTestClient.Answer answer = http.post("/v1/dispatcher/hello", new AgentHello(TestManagers.node(nodeId)));
        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        return answer.as(AssignmentSet.class);
    }

    /** A service with ports and {@code count} tasks assigned to {@code nodeId}. */
    private List<Task> assignedTasks(String nodeId, int count) throws Exception {
        ClusterState state = manager.submit(new Command.CreateService("svc1",
                TestManagers.service("shop", "web", count), clock.instant())).get();
        Service service = state.service("svc1").orElseThrow();
        List<Task> tasks = new java.util.ArrayList<>();
        for (int slot = 1; slot <= count; slot++) {
            tasks.add(TestManagers.newTask("task" + slot, service, slot, clock.instant()));
        }
        manager.submit(new Command.CreateTasks(tasks)).get();
        state = manager.submit(new Command.AssignTasks(tasks.stream()
                .map(t -> new Command.Assignment(t.id(), nodeId,
                        new io.flotilla.model.TaskAllocation(false, false, Map.of("DB_HOST", "10.0.0.1")))).toList(),
                clock.instant())).get();
        return state.tasksOfNode(nodeId);
    }

    @Test
    void helloRegistersTheNodeReady() throws Exception {
        AssignmentSet set = hello("n1");

        assertThat(set.nodeId()).isEqualTo("n1");
        assertThat(set.tasks()).isEmpty();
        assertThat(manager.state().node("n1").orElseThrow().status().state()).isEqualTo(NodeState.READY);
    }

    @Test
    void concurrentHellosShareFewLogEntriesAndEveryNodeIsRegistered() throws Exception {
        int count = 500;
        long before = manager.state().index();
        List<CompletableFuture<AssignmentSet>> hellos = new java.util.ArrayList<>();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            for (int i = 0; i < count; i++) {
                String id = "n" + i;
                hellos.add(CompletableFuture.supplyAsync(() -> {
                    try {
                        go.await();
                        return manager.dispatcher().hello(new AgentHello(TestManagers.node(id)), true);
                    } catch (InterruptedException e) {
                        throw new IllegalStateException(e);
                    }
                }, threads));
            }
            go.countDown();
            for (int i = 0; i < count; i++) {
                AssignmentSet set = hellos.get(i).get(); // answered once applied: the node is in the state
                assertThat(set.nodeId()).isEqualTo("n" + i);
                assertThat(manager.state().node("n" + i).orElseThrow().status().state()).isEqualTo(NodeState.READY);
            }
        }
        long entries = manager.state().index() - before;
        assertThat(manager.state().nodes()).hasSize(count);
        assertThat(entries).as("log entries for %d concurrent hellos", count).isLessThan(count / 5);
    }

    @Test
    void manyDownNodesReportingAgainShareFewLogEntries() throws Exception {
        int count = 300;
        List<Command.NodeStateChange> down = new java.util.ArrayList<>();
        for (int i = 0; i < count; i++) {
            hello("n" + i);
            down.add(new Command.NodeStateChange("n" + i, NodeState.DOWN, "test"));
        }
        manager.submit(new Command.SetNodeStates(down, clock.instant())).get();
        long before = manager.state().index();
        try (var threads = java.util.concurrent.Executors.newVirtualThreadPerTaskExecutor()) {
            java.util.concurrent.CountDownLatch go = new java.util.concurrent.CountDownLatch(1);
            List<java.util.concurrent.Future<?>> reports = new java.util.ArrayList<>();
            for (int i = 0; i < count; i++) {
                String id = "n" + i;
                reports.add(threads.submit(() -> {
                    go.await();
                    manager.dispatcher().status(new StatusReport(id, List.of()));
                    return null;
                }));
            }
            go.countDown();
            for (var report : reports) {
                report.get();
            }
        }
        // answered at once; marked ready asynchronously
        await().atMost(Duration.ofSeconds(10)).untilAsserted(() -> assertThat(manager.state().nodes())
                .allSatisfy(n -> assertThat(n.status().state()).isEqualTo(NodeState.READY)));
        assertThat(manager.state().index() - before).as("log entries").isLessThan(count / 5);
    }

    @Test
    void assignmentsLongPollAnswersWithTheNodesTasksAndTheirPorts() throws Exception {
        AssignmentSet first = hello("n1");
        CompletableFuture<HttpTestClient.Answer> poll = CompletableFuture.supplyAsync(() -> {
            try {
                return http.get("/v1/dispatcher/assignments?node=n1&after=" + first.index() + "&wait=20000");
            } catch (Exception e) {
                throw new RuntimeException(e);
            }
        });
        Thread.sleep(200);
        assertThat(poll).isNotDone();

        assignedTasks("n1", 2);
        AssignmentSet set = null;
        long after = first.index();
        // The poll answers at the first change; ask again until both tasks are assigned.
        for (int i = 0; i < 10; i++) {
            set = (i == 0 ? poll.get() : http.get("/v1/dispatcher/assignments?node=n1&after=" + after + "&wait=5000"))
                    .as(AssignmentSet.class);
            after = set.index();
            if (set.tasks().size() == 2) {
                break;
            }
        }

        assertThat(set.tasks()).extracting(Task::id).containsExactly("task1", "task2");
        AssignmentSet answered = set;
        assertThat(set.tasks()).allSatisfy(task -> {
            assertThat(answered.assignment(task.id()).ports()).isEqualTo(List.of(new io.flotilla.model.api.Assignment.Port("http", 8080), new io.flotilla.model.api.Assignment.Port("9090", 9090)));
            assertThat(task.allocation().dependencyAddresses()).isEqualTo(Map.of("DB_HOST", "10.0.0.1"));
        });
        // another node sees none of them
        hello("n2");
        assertThat(http.get("/v1/dispatcher/assignments?node=n2&wait=0").as(AssignmentSet.class).tasks()).isEmpty();
    }

    @Test
    void statusReportsMoveTasksAndEndedTasksLeaveTheSet() throws Exception {
        hello("n1");
        assignedTasks("n1", 2);

        HttpTestClient.Answer answer = http.post("/v1/dispatcher/status", new StatusReport("n1", List.of(
                new Command.TaskStatusUpdate("task1", TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")),
                new Command.TaskStatusUpdate("task2", TaskStatus.of(TaskState.FAILED, clock.instant(), "exit 1")))));

        assertThat(answer.status()).as(answer.body()).isEqualTo(200);
        assertThat(answer.as(io.flotilla.model.api.StatusReportResponse.class).leaseMillis())
                .as("the answer grants the default lease (fencing)").isEqualTo(5000);
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> { // accepted at once, applied shortly after
            assertThat(manager.state().task("task1").orElseThrow().state()).isEqualTo(TaskState.RUNNING);
            assertThat(manager.state().task("task2").orElseThrow().state()).isEqualTo(TaskState.FAILED);
        });
        AssignmentSet set = http.get("/v1/dispatcher/assignments?node=n1&wait=0").as(AssignmentSet.class);
        assertThat(set.tasks()).extracting(Task::id).containsExactly("task1");

        // desired SHUTDOWN stays in the set until the agent reports it ended
        manager.submit(new Command.SetDesiredStates(
                List.of(new Command.DesiredStateChange("task1", TaskState.SHUTDOWN)), clock.instant())).get();
        set = http.get("/v1/dispatcher/assignments?node=n1&wait=0").as(AssignmentSet.class);
        assertThat(set.tasks()).singleElement().satisfies(t -> assertThat(t.desiredState()).isEqualTo(TaskState.SHUTDOWN));
        http.post("/v1/dispatcher/status", new StatusReport("n1", List.of(
                new Command.TaskStatusUpdate("task1", TaskStatus.of(TaskState.SHUTDOWN, clock.instant(), "stopped")))));
        await().atMost(Duration.ofSeconds(5)).untilAsserted(() ->
                assertThat(http.get("/v1/dispatcher/assignments?node=n1&wait=0").as(AssignmentSet.class).tasks()).isEmpty());
    }

    @Test
    void reportsForTasksOfAnotherNodeAreIgnored() throws Exception {
        hello("n1");
        hello("n2");
        assignedTasks("n1", 1);

        http.post("/v1/dispatcher/status", new StatusReport("n2", List.of(
                new Command.TaskStatusUpdate("task1", TaskStatus.of(TaskState.FAILED, clock.instant(), "not mine")))));

        await().atMost(Duration.ofSeconds(5)).until(() -> manager.dispatcher().statusUpdatesQueued() == 0);
        assertThat(manager.state().task("task1").orElseThrow().state()).isEqualTo(TaskState.ASSIGNED);
    }

    @Test
    void silentNodeGoesDownItsTasksAreOrphanedAndHelloBringsItBack() throws Exception {
        hello("n1");
        hello("n2");
        assignedTasks("n1", 2);
        http.post("/v1/dispatcher/status", new StatusReport("n1", List.of(
                new Command.TaskStatusUpdate("task1", TaskStatus.of(TaskState.RUNNING, clock.instant(), "started")))));

        clock.advance(Duration.ofSeconds(2));
        http.post("/v1/dispatcher/status", new StatusReport("n2", List.of()));
        clock.advance(Duration.ofSeconds(2)); // n1 silent for 4 s > 3 s; n2 for 2 s

        await().atMost(Duration.ofSeconds(5)).untilAsserted(() -> {
            ClusterState state = manager.state();
            assertThat(state.node("n1").orElseThrow().status().state()).isEqualTo(NodeState.DOWN);
            assertThat(state.tasksOfNode("n1")).allSatisfy(task -> {
                assertThat(task.state()).isEqualTo(TaskState.ORPHANED);
                assertThat(task.status().error()).isEqualTo("node n1 is down");
            });
        });
        assertThat(manager.state().node("n2").orElseThrow().status().state()).isEqualTo(NodeState.READY);

        AssignmentSet back = hello("n1");

        assertThat(manager.state().node("n1").orElseThrow().status().state()).isEqualTo(NodeState.READY);
        assertThat(back.tasks()).as("orphaned tasks are not handed back").isEmpty();
    }

    @Test
    void aDownNodeThatReportsAgainIsReady() throws Exception {
        hello("n1");
        clock.advance(Duration.ofSeconds(4));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                manager.state().node("n1").orElseThrow().status().state() == NodeState.DOWN);

        http.post("/v1/dispatcher/status", new StatusReport("n1", List.of()));

        await().atMost(Duration.ofSeconds(5)).until(() ->
                manager.state().node("n1").orElseThrow().status().state() == NodeState.READY);
    }

    @Test
    void aRestartedLeaderGrantsAFreshGracePeriod() throws Exception {
        hello("n1");
        managers.close();
        clock.advance(Duration.ofSeconds(10)); // the manager was away longer than the timeout

        Manager again = managers.start(TestManagers.config(dataDir, TIMEOUT), clock, TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false).withLeaderGrace(ManagerTuning.DEFAULT_LEADER_GRACE));
        Thread.sleep(500);
        assertThat(again.state().node("n1").orElseThrow().status().state()).isEqualTo(NodeState.READY);

        // The leader grace (5 s by default), not just one heartbeat timeout (3 s here): a restarted
        // manager that leads at once must not judge nodes whose agents are still reconnecting.
        clock.advance(Duration.ofSeconds(4));
        Thread.sleep(700); // several loop ticks
        assertThat(again.state().node("n1").orElseThrow().status().state()).isEqualTo(NodeState.READY);

        clock.advance(Duration.ofSeconds(2));
        await().atMost(Duration.ofSeconds(5)).until(() ->
                again.state().node("n1").orElseThrow().status().state() == NodeState.DOWN);
    }

    @Test
    void unknownNodesMustSayHelloFirst() throws Exception {
        assertThat(http.get("/v1/dispatcher/assignments?node=ghost&wait=0").status()).isEqualTo(404);
        assertThat(http.post("/v1/dispatcher/status", new StatusReport("ghost", List.of())).status()).isEqualTo(404);
    }
}
