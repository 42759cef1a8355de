package io.flotilla.manager.dispatcher;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.FakeClock;
import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Command;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.state.ClusterState;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A node's set names what each task depends on and carries those services' endpoints; its long
 * poll answers when they change, even though none of the node's own tasks did.
 */
class DependencyAssignmentTest {
    @TempDir
    Path dataDir;
    private final TestManagers managers = new TestManagers();
    private final FakeClock clock = new FakeClock();

    @AfterEach
    void closeAll() {
        managers.close();
    }

    @Test
    void aDependencysNewEndpointWakesTheDependentNodesPoll() throws Exception {
        Manager manager = managers.start(TestManagers.config(dataDir, Duration.ofMinutes(1)), clock,
                TaskLogSource.NONE, TestManagers.tuning().withOrchestration(false));
        Dispatcher dispatcher = manager.dispatcher();
        dispatcher.hello(new AgentHello(TestManagers.node("n1")), true);
        dispatcher.hello(new AgentHello(TestManagers.node("n2")), true);
        ServiceSpec db = TestManagers.service("shop", "db", 2);
        ServiceSpec app = TestManagers.service("shop", "app", 1)
                .withDependsOn(List.of(new DependencySpec("db", null, true)));
        app = app.withTask(app.task().withDiscovery(new DiscoverySpec(List.of("billing_api"),
                new DiscoverySpec.OnDependencyChange.Restart())));
        manager.submit(new Command.CreateService("db", db, clock.instant())).get();
        ClusterState state = manager.submit(new Command.CreateService("app", app, clock.instant())).get();
        Service dbService = state.service("db").orElseThrow();
        Service appService = state.service("app").orElseThrow();
        manager.submit(new Command.CreateTasks(List.of(TestManagers.newTask("db1", dbService, 1, clock.instant()),
                TestManagers.newTask("db2", dbService, 2, clock.instant()),
                TestManagers.newTask("app1", appService, 1, clock.instant())))).get();
        manager.submit(new Command.AssignTasks(List.of(new Command.Assignment("db1", "n2"),
                new Command.Assignment("db2", "n2"), new Command.Assignment("app1", "n1")),
                clock.instant())).get();
        long seen = manager.submit(running("db1", 31001)).get().index();

        AssignmentSet before = dispatcher.assignments("n1", -1, Duration.ZERO);
        assertThat(before.tasks()).singleElement().satisfies(task -> assertThat(before.assignment(task.id()).dependencies())
                .containsExactly(Map.entry("DB", "shop_db"), Map.entry("BILLING_API", "billing_api")));
        assertThat(before.dependencies()).containsExactlyInAnyOrderEntriesOf(Map.of(
                "shop_db", List.of("127.0.0.1:31001"), "billing_api", List.of()));

        try (var executor = Executors.newVirtualThreadPerTaskExecutor()) {
            CompletableFuture<AssignmentSet> poll = CompletableFuture.supplyAsync(() -> poll(dispatcher, "n1", seen),
                    executor);
            Thread.sleep(200);
            assertThat(poll).isNotDone();
            manager.submit(running("db2", 31002)).get(); // a task of n2 only
            AssignmentSet answer = poll.get(2, TimeUnit.SECONDS);
            assertThat(answer.dependencies().get("shop_db")).containsExactly("127.0.0.1:31001", "127.0.0.1:31002");
        }
    }

    private static Command running(String taskId, int port) {
        return new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate(taskId,
                new TaskStatus(TaskState.RUNNING, Instant.parse("2030-01-01T00:00:00Z"), "started", null, null, 42L,
                        null, Map.of("http", port), null))));
    }

    private static AssignmentSet poll(Dispatcher dispatcher, String nodeId, long after) {
        try {
            return dispatcher.assignments(nodeId, after, Duration.ofSeconds(5));
        } catch (InterruptedException e) {
            throw new IllegalStateException(e);
        }
    }
}
