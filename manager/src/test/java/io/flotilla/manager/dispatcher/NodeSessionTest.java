package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.CaRotation;
import io.flotilla.model.ClusterConfig;
import io.flotilla.model.Command;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.NodeSession;
import io.flotilla.model.api.TaskLogSource;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The session part of the dispatcher's answer: what it carries, and that a waiting long poll
 * answers at once when it changes (the node's spec, a service's ports, a CA rotation starting,
 * the managers' group), not only when the node's tasks do.
 */
class NodeSessionTest {
    private static final Duration LONG = Duration.ofSeconds(20);
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private final FakeClock clock = new FakeClock();
    private Manager manager;
    private Dispatcher dispatcher;

    @BeforeEach
    void start() throws Exception {
        manager = managers.start(TestManagers.config(dataDir, Duration.ofMinutes(1)), clock, TaskLogSource.NONE,
                TestManagers.tuning().withOrchestration(false));
        dispatcher = manager.dispatcher();
        if (manager.state().cluster() == null) {
            manager.submit(new Command.SetClusterConfig(new ClusterConfig("c1", "w", "m", null, null, null))).get();
        }
        manager.submit(new Command.CreateService("svc1", TestManagers.service("shop", "web", 1), clock.instant())).get();
    }

    @AfterEach
    void closeAll() {
        managers.close();
    }

    @Test
    void theAnswerCarriesTheNodesSession() throws Exception {
        AssignmentSet hello = dispatcher.hello(new AgentHello(TestManagers.node("n1")), true);
        NodeSession session = hello.session();
        assertThat(session.node().role()).isEqualTo(NodeRole.WORKER);
        assertThat(session.managers()).extracting(ManagerPeer::id).containsExactly("m1");
        assertThat(session.mesh().services()).extracting(ServiceSpec::name).containsExactly("shop_web");
        assertThat(session.mesh().services().getFirst().task().command()).isEmpty(); // the template reduced to its labels
        assertThat(session.ca().rotating()).isFalse();

        AssignmentSet poll = dispatcher.assignments("n1", -1, Duration.ZERO);
        assertThat(poll.session()).isEqualTo(session); // nothing changed: the same session

        dispatcher.hello(new AgentHello(TestManagers.node("n2")), true); // the state moves, no service changed
        AssignmentSet later = dispatcher.assignments("n1", -1, Duration.ZERO);
        assertThat(later.index()).isGreaterThan(poll.index());
        assertThat(later.session()).isEqualTo(session); // the mesh's services keep their index
    }

    @Test
    void aNodeSpecChangeWakesAWaitingPoll() throws Exception {
        long seen = dispatcher.hello(new AgentHello(TestManagers.node("n1")), true).index();
        dispatcher.hello(new AgentHello(TestManagers.node("n2")), true);
        AssignmentSet answer = awaitAfter("n1", seen, () -> {
            // another node's change does not answer n1; its own does
            manager.submit(new Command.UpdateNodeSpec("n2", new NodeSpec(null, NodeAvailability.DRAIN, null))).get();
            Thread.sleep(300);
            manager.submit(new Command.UpdateNodeSpec("n1", new NodeSpec(NodeRole.MANAGER, null, Map.of("zone", "a")))).get();
        });
        assertThat(answer.session().node().role()).isEqualTo(NodeRole.MANAGER);
        assertThat(answer.session().node().labels()).containsEntry("zone", "a");
    }

    @Test
    void aServicePortChangeWakesAWaitingPoll() throws Exception {
        long seen = dispatcher.hello(new AgentHello(TestManagers.node("n1")), true).index();
        ServiceSpec spec = manager.state().service("svc1").orElseThrow().spec();
        List<PortSpec> ports = List.of(new PortSpec("http", 8080, 30080, null, PortSpec.INGRESS, "http"));
        AssignmentSet answer = awaitAfter("n1", seen, () ->
                manager.submit(new Command.UpdateService("svc1", spec.withPorts(ports), clock.instant(), false)).get());
        assertThat(answer.session().mesh().services().getFirst().ports()).isEqualTo(ports);
    }

    @Test
    void aCaRotationStartingWakesAWaitingPoll() throws Exception {
        long seen = dispatcher.hello(new AgentHello(TestManagers.node("n1")), true).index();
        dispatcher.hello(new AgentHello(TestManagers.node("n2")), true);
        CaRotation rotation = new CaRotation("root", "key", "cross", "previous", "beef", null, clock.instant());
        AssignmentSet answer = awaitAfter("n1", seen, () -> manager.submit(new Command.StartCaRotation(rotation)).get());
        assertThat(answer.session().ca()).isEqualTo(new NodeSession.CaIdentity("beef", true, false));

        AssignmentSet counted = awaitAfter("n1", answer.index(), () ->
                manager.submit(new Command.CaCertificateIssued("n1", "beef")).get());
        assertThat(counted.session().ca()).isEqualTo(new NodeSession.CaIdentity("beef", true, true)); // n2 not yet
    }

    @Test
    void aChangeOfTheManagersGroupWakesAWaitingPoll() throws Exception {
        AtomicReference<List<ManagerPeer>> group = new AtomicReference<>(List.of(new ManagerPeer("m1", null, "10.0.0.1:4781")));
        dispatcher.sessions(new NodeSessions(group::get, () -> "d1"));
        long seen = dispatcher.hello(new AgentHello(TestManagers.node("n1")), true).index();
        AssignmentSet answer = awaitAfter("n1", seen, () -> group.set(List.of(new ManagerPeer("m1", null, "10.0.0.1:4781"),
                new ManagerPeer("m2", null, "10.0.0.2:4781"))));
        assertThat(answer.session().managers()).extracting(ManagerPeer::id).containsExactly("m1", "m2");
        assertThat(answer.session().ca().rootDigest()).isEqualTo("d1");
    }

    @Test
    void aTaskOnItsNetworkBecomingRunningElsewhereAnswersAWaitingPollWithTheNewDirectory() throws Exception {
        dispatcher.hello(new AgentHello(TestManagers.node("n1")), true);
        dispatcher.hello(new AgentHello(TestManagers.node("n2")), true);
        io.flotilla.model.NetworkAttachment front = new io.flotilla.model.NetworkAttachment("lab_front");
        ServiceSpec web = NetworkFixture.service("lab", "web", ServiceSpec.VIP, List.of(80), Map.of(), null, front);
        ServiceSpec api = NetworkFixture.service("lab", "api", ServiceSpec.VIP, List.of(8080), Map.of(), null, front);
        manager.submit(new Command.DeployStack("lab", List.of(web, api), Map.of(web.name(), "web", api.name(), "api"),
                clock.instant(), List.of(NetworkFixture.net("lab_front", "lab")), List.of(),
                Map.of("lab_front", "front-id"))).get();
        manager.submit(new Command.CreateTasks(List.of(
                TestManagers.newTask("web1", manager.state().service("web").orElseThrow(), 1, clock.instant()),
                TestManagers.newTask("api1", manager.state().service("api").orElseThrow(), 1, clock.instant())))).get();
        manager.submit(new Command.AssignTasks(List.of(new Command.Assignment("web1", "n1", null),
                new Command.Assignment("api1", "n2", null)), clock.instant())).get();
        manager.submit(running("n1", "web1")).get();
        AssignmentSet before = dispatcher.assignments("n1", -1, Duration.ZERO);
        assertThat(before.session().networks().networks().getFirst().endpoints())
                .filteredOn(e -> e.taskId().equals("api1")).extracting(e -> e.ready()).containsExactly(false);

        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<AssignmentSet> poll = CompletableFuture.supplyAsync(() -> {
                try {
                    return dispatcher.assignments("n1", before.index(), LONG);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, executor);
            Thread.sleep(300);
            assertThat(poll).as("waits while nothing of its session changed").isNotDone();
            long submitted = System.nanoTime();
            manager.submit(running("n2", "api1")); // n2's report, through the log
            AssignmentSet answer = poll.get(3, TimeUnit.SECONDS);
            long millis = (System.nanoTime() - submitted) / 1_000_000;
            System.out.println("network directory: report submitted to the session's answer in " + millis + " ms");
            assertThat(millis).as("the name-following goal is 100 ms to DNS; the poll answers well within").isLessThan(1000);
            assertThat(answer.session().networks().networks().getFirst().endpoints())
                    .filteredOn(e -> e.taskId().equals("api1")).extracting(e -> e.ready()).containsExactly(true);
            assertThat(answer.tasks()).extracting(io.flotilla.model.Task::id).containsExactly("web1"); // n1's own set unchanged
        }
    }

    private static Command.UpdateTaskStatuses running(String nodeId, String taskId) {
        return new Command.UpdateTaskStatuses(nodeId, List.of(new Command.TaskStatusUpdate(taskId,
                io.flotilla.model.TaskStatus.of(io.flotilla.model.TaskState.RUNNING, NetworkFixture.T0, "running"))));
    }

    private interface Action {
        void run() throws Exception;
    }

    /** Starts a long poll of {@code nodeId} after {@code seen}, checks it waits, runs {@code change}; the answer within 3 s. */
    private AssignmentSet awaitAfter(String nodeId, long seen, Action change) throws Exception {
        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<AssignmentSet> poll = CompletableFuture.supplyAsync(() -> {
                try {
                    return dispatcher.assignments(nodeId, seen, LONG);
                } catch (InterruptedException e) {
                    throw new IllegalStateException(e);
                }
            }, executor);
            Thread.sleep(300);
            assertThat(poll).as("waits while nothing of its session changed").isNotDone();
            change.run();
            return poll.get(3, TimeUnit.SECONDS);
        }
    }
}
