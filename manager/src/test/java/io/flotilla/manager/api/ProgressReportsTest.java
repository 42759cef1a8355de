package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.TestManagers;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.Progress.ServiceProgress;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** What {@code GET /v1/progress} answers for a state (pure). */
class ProgressReportsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final ServiceSpec V1 = TestManagers.service("shop", "web", 3);
    private static final ServiceSpec V2 = V1.withTask(V1.task().withEnvironment(Map.of("V", "2")));
    /** shop_web at version 2, its rolling update under way. */
    private static final Service WEB = new Service("svc-web", 2, V2, V1, T0, T0, ServiceUpdateStatus.updating(T0), null);

    private static Task task(String id, Service service, int slot, long version, TaskTemplate spec, String node,
                             TaskState desired, TaskStatus status) {
        return new Task(id, service.id(), service.spec().name(), slot, version, node, desired, status, spec, T0, null,
                0, TaskAllocation.NONE);
    }

    private static TaskStatus status(TaskState state, int second, String message, String error, String health) {
        return new TaskStatus(state, T0.plusSeconds(second), message, error, null, null, null, Map.of(), health);
    }

    private static ClusterState state(List<Service> services, List<Task> tasks) {
        return ClusterState.of(42, services, tasks, List.of());
    }

    @Test
    void countsAServicesTasksAndNamesWhatHoldsItBack() {
        List<Task> tasks = List.of(
                task("t1", WEB, 1, 2, V2.task(), "n1", TaskState.RUNNING, status(TaskState.RUNNING, 5, "started", null, null)),
                task("t2", WEB, 2, 1, V1.task(), "n2", TaskState.RUNNING, status(TaskState.RUNNING, 1, "started", null, "healthy")),
                task("t3", WEB, 3, 2, V2.task(), "n1", TaskState.RUNNING, status(TaskState.STARTING, 6, "pulling image", null, null)),
                task("t4", WEB, 2, 2, V2.task(), "n2", TaskState.SHUTDOWN, status(TaskState.FAILED, 7, "failed", "exit status 1", null)),
                task("t5", WEB, 1, 1, V1.task(), "n1", TaskState.SHUTDOWN, status(TaskState.SHUTDOWN, 2, "stopped", null, null)),
                task("t6", WEB, 4, 2, V2.task(), "n1", TaskState.RUNNING, status(TaskState.RUNNING, 6, "started", null, "starting")));

        ServiceProgress web = ProgressReports.of(state(List.of(WEB), tasks), WEB);

        assertThat(web.name()).isEqualTo("shop_web");
        assertThat(web.stack()).isEqualTo("shop");
        assertThat(web.version()).isEqualTo(2);
        assertThat(web.desired()).isEqualTo(3);
        assertThat(web.wanted()).isEqualTo(4);
        assertThat(web.running()).isEqualTo(3);
        assertThat(web.up()).isEqualTo(2);
        assertThat(web.current()).isEqualTo(1);
        assertThat(web.updated()).isEqualTo(1);
        assertThat(web.updateStatus().state()).isEqualTo(ServiceUpdateStatus.State.UPDATING);
        assertThat(web.runningPerNode()).isEqualTo(Map.of("n1", 2, "n2", 1));
        assertThat(web.failed().id()).isEqualTo("t4");
        assertThat(web.failed().error()).isEqualTo("exit status 1");
        assertThat(web.failed().state()).isEqualTo(TaskState.FAILED);
        // slot order: slot 3 comes before slot 4 (whose health check has not passed yet)
        assertThat(web.waiting().id()).isEqualTo("t3");
        assertThat(web.waiting().name()).isEqualTo("shop_web.3");
        assertThat(web.waiting().message()).isEqualTo("pulling image");
    }

    @Test
    void aRollbacksRestoredTemplateCountsAsUpdatedWhateverItsVersion() {
        Service rolledBack = new Service("svc-web", 3, V1, V2, T0, T0,
                ServiceUpdateStatus.rollbackStarted(T0, "rollback"), null);
        ServiceProgress web = ProgressReports.of(state(List.of(rolledBack), List.of(
                task("t2", rolledBack, 2, 1, V1.task(), "n2", TaskState.RUNNING, status(TaskState.RUNNING, 1, null, null, null)))),
                rolledBack);
        assertThat(web.updated()).isEqualTo(1);
        assertThat(web.current()).isZero();
        assertThat(web.failed()).isNull();
        assertThat(web.waiting()).isNull();
    }

    @Test
    void aGlobalServiceWantsTheNodesHoldingItsWantedTasks() {
        ServiceSpec spec = new ServiceSpec("shop_agent", "shop", ServiceMode.GLOBAL, 0, V1.task(), List.of(), List.of(),
                Map.of(), null, null);
        Service agent = Service.created("svc-agent", spec, T0);
        ServiceProgress progress = ProgressReports.of(state(List.of(agent), List.of(
                task("g1", agent, 0, 1, V1.task(), "n1", TaskState.RUNNING, status(TaskState.RUNNING, 1, null, null, null)),
                task("g2", agent, 0, 1, V1.task(), "n2", TaskState.RUNNING, status(TaskState.PENDING, 1, null, null, null)),
                task("g3", agent, 0, 1, V1.task(), "n3", TaskState.SHUTDOWN, status(TaskState.RUNNING, 1, null, null, null)))),
                agent);
        assertThat(progress.desired()).isEqualTo(2);
        assertThat(progress.wanted()).isEqualTo(2);
        assertThat(progress.running()).isEqualTo(1);
    }

    @Test
    void stacksCountTheTasksLeftOfTheirRemovedServicesToo() {
        Service other = Service.created("svc-other", TestManagers.service("other", "x", 1), T0);
        Service removed = Service.created("svc-old", TestManagers.service("shop", "old", 1), T0);
        List<Task> tasks = List.of(
                task("t1", WEB, 1, 2, V2.task(), "n1", TaskState.RUNNING, status(TaskState.RUNNING, 1, null, null, null)),
                task("o1", removed, 1, 1, V1.task(), "n1", TaskState.SHUTDOWN, status(TaskState.RUNNING, 1, null, null, null)),
                task("o2", removed, 2, 1, V1.task(), "n1", TaskState.SHUTDOWN, status(TaskState.COMPLETE, 1, null, null, null)),
                task("x1", other, 1, 1, V1.task(), "n1", TaskState.RUNNING, status(TaskState.RUNNING, 1, null, null, null)));
        ClusterState state = state(List.of(WEB, other), tasks);

        Progress shop = ProgressReports.ofStacks(state, List.of("shop"));
        assertThat(shop.index()).isEqualTo(42);
        assertThat(shop.services()).extracting(ServiceProgress::name).containsExactly("shop_web");
        assertThat(shop.tasksLeft()).isEqualTo(2);

        Progress both = ProgressReports.ofStacks(state, List.of("shop", "other"));
        assertThat(both.services()).extracting(ServiceProgress::name).containsExactly("other_x", "shop_web");
        assertThat(both.tasksLeft()).isEqualTo(3);
        assertThat(ProgressReports.ofStacks(state, List.of("none")).services()).isEmpty();
    }

    @Test
    void aServiceIsFoundByNameIdOrPrefixAndAnUnknownOneIsNotFound() {
        ClusterState state = state(List.of(WEB), List.of());
        assertThat(ProgressReports.ofService(state, "shop_web").services()).extracting(ServiceProgress::id)
                .containsExactly("svc-web");
        assertThat(ProgressReports.ofService(state, "svc-w").services()).hasSize(1);
        assertThat(ProgressReports.ofService(state, "svc-web").tasksLeft()).isZero();
        assertThatThrownBy(() -> ProgressReports.ofService(state, "nope"))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(404));
    }
}
