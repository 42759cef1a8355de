package io.flotilla.state;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.Volume;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Named volumes in the state: recorded when their first task is assigned, bound to the node for
 * the local driver, per slot for a stateful service, never moved away from their data unless the
 * service says recreate, kept while in use, and kept through a snapshot.
 */
class VolumeStateTest {
    static final Instant T0 = StateMachineTest.T0;
    static final VolumeOptions GLUSTER = new VolumeOptions(VolumeOptions.GLUSTERFS,
            Map.of("servers", "127.0.0.2,127.0.0.3", "volume", "gv0"), Map.of("tier", "gold"), false);
    static final VolumeOptions EXTERNAL = new VolumeOptions(VolumeOptions.LOCAL, Map.of(), Map.of(), true);

    private long index;

    static TaskTemplate template(VolumeMount... volumes) {
        return new TaskTemplate(TaskTemplate.PROCESS, null, List.of("sleep", "60"), List.of(), Map.of(), null, null, null,
                Map.of(), null, List.of(volumes), null, null, null, null, Duration.ofSeconds(2), false, false, List.of(),
                List.of(), List.of(), Map.of(), null, List.of());
    }

    static ServiceSpec service(String shortName, int replicas, Map<String, String> labels, VolumeMount... volumes) {
        return new ServiceSpec("shop_" + shortName, "shop", null, replicas, template(volumes), List.of(), List.of(),
                labels, null, null);
    }

    static Task task(String id, ServiceSpec spec, String serviceId, int slot) {
        return new Task(id, serviceId, spec.name(), slot, 1, null, TaskState.RUNNING, TaskStatus.of(TaskState.NEW, T0, "new"),
                spec.task(), T0, null, 0, TaskAllocation.NONE);
    }

    private ClusterState apply(ClusterState state, Command command) {
        return StateMachine.apply(state, ++index, command);
    }

    /** Stack {@code shop} with the services (ids {@code s-<short name>}) on nodes n1, n2 and one task per slot. */
    private ClusterState deploy(ServiceSpec... specs) {
        Map<String, String> ids = new HashMap<>();
        for (ServiceSpec spec : specs) {
            ids.put(spec.name(), "s-" + spec.shortName());
        }
        ClusterState s = apply(ClusterState.EMPTY, new Command.DeployStack("shop", List.of(specs), ids, T0));
        s = apply(s, new Command.UpsertNode(StateMachineTest.node("n1")));
        s = apply(s, new Command.UpsertNode(StateMachineTest.node("n2")));
        for (ServiceSpec spec : specs) {
            for (int slot = 1; slot <= spec.replicas(); slot++) {
                s = apply(s, new Command.CreateTasks(List.of(task(spec.shortName() + slot, spec, "s-" + spec.shortName(), slot))));
            }
        }
        return s;
    }

    private ClusterState assign(ClusterState s, String taskId, String nodeId) {
        return apply(s, new Command.AssignTasks(List.of(new Command.Assignment(taskId, nodeId)), T0.plusSeconds(index)));
    }

    /** The slot's task failed and a replacement (same slot, new id) waits to be placed. */
    private ClusterState replace(ClusterState s, String oldId, String newId) {
        Task old = s.task(oldId).orElseThrow();
        s = apply(s, new Command.UpdateTaskStatuses(old.nodeId(), List.of(new Command.TaskStatusUpdate(oldId,
                TaskStatus.of(TaskState.FAILED, T0.plusSeconds(index), "node lost")))));
        ServiceSpec spec = s.service(old.serviceId()).orElseThrow().spec();
        return apply(s, new Command.CreateTasks(List.of(task(newId, spec, old.serviceId(), old.slot()))));
    }

    @Test
    void assignmentRecordsALocalVolumeBoundToTheNodeAndAGlusterVolumeUnbound() {
        ServiceSpec db = service("db", 1, Map.of(), new VolumeMount("volume", "shop_data", "/data", false),
                new VolumeMount("volume", "shop_shared", "/shared", false, GLUSTER),
                new VolumeMount("volume", "legacy", "/legacy", false, EXTERNAL),
                new VolumeMount("volume", null, "/anonymous", false), new VolumeMount("tmpfs", null, "/tmp", false));
        ClusterState s = deploy(db);
        assertThat(s.volumes()).as("nothing before the first assignment").isEmpty();

        s = assign(s, "db1", "n1");

        assertThat(s.volumes()).extracting(Volume::name).containsExactlyInAnyOrder("shop_data", "shop_shared", "legacy");
        Volume data = s.volume("shop_data").orElseThrow();
        assertThat(data.nodeId()).isEqualTo("n1");
        assertThat(data.driver()).isEqualTo("local");
        assertThat(data.stack()).isEqualTo("shop");
        assertThat(data.service()).isEqualTo("shop_db");
        assertThat(data.slot()).isZero();
        Volume shared = s.volume("shop_shared").orElseThrow();
        assertThat(shared.nodeId()).as("glusterfs is reachable from every node").isNull();
        assertThat(shared.options()).isEqualTo(GLUSTER);
        assertThat(s.volume("legacy").orElseThrow().stack()).as("an external volume belongs to no stack").isNull();
        assertThat(s.volumesOfStack("shop")).extracting(Volume::name).containsExactly("shop_data", "shop_shared");
        assertThat(s.tasksUsingVolume("shop_data")).extracting(Task::id).containsExactly("db1");
    }

    @Test
    void aStatefulServiceHasOneVolumePerSlot() {
        ServiceSpec db = service("db", 2, Map.of(ServiceSpec.STATEFUL_LABEL, "true"),
                new VolumeMount("volume", "shop_data", "/data", false),
                new VolumeMount("volume", "shop_shared", "/shared", false, GLUSTER));
        ClusterState s = deploy(db);

        s = assign(s, "db1", "n1");
        s = assign(s, "db2", "n2");

        assertThat(s.volumes()).extracting(Volume::name)
                .containsExactlyInAnyOrder("shop_data-1", "shop_data-2", "shop_shared-1", "shop_shared-2");
        assertThat(s.volume("shop_data-1").orElseThrow()).satisfies(v -> {
            assertThat(v.nodeId()).isEqualTo("n1");
            assertThat(v.slot()).isEqualTo(1);
        });
        assertThat(s.volume("shop_data-2").orElseThrow().nodeId()).isEqualTo("n2");
        assertThat(s.volume("shop_shared-2").orElseThrow().nodeId()).isNull();
        assertThat(s.tasksUsingVolume("shop_data-2")).extracting(Task::id).containsExactly("db2");
        assertThat(s.tasksUsingVolume("shop_data")).as("no task uses the unsuffixed name").isEmpty();
    }

    @Test
    void aTaskIsNotMovedAwayFromItsLocalVolume() {
        ServiceSpec db = service("db", 1, Map.of(ServiceSpec.STATEFUL_LABEL, "true"),
                new VolumeMount("volume", "shop_data", "/data", false));
        ClusterState s = assign(deploy(db), "db1", "n1");
        s = replace(s, "db1", "db1b");

        s = assign(s, "db1b", "n2");

        assertThat(s.task("db1b").orElseThrow().nodeId()).as("the assignment is skipped").isNull();
        assertThat(s.volume("shop_data-1").orElseThrow().nodeId()).isEqualTo("n1");

        s = assign(s, "db1b", "n1");
        assertThat(s.task("db1b").orElseThrow().nodeId()).isEqualTo("n1");
    }

    @Test
    void aGlusterVolumesTaskMayMove() {
        ServiceSpec db = service("db", 1, Map.of(), new VolumeMount("volume", "shop_shared", "/shared", false, GLUSTER));
        ClusterState s = assign(deploy(db), "db1", "n1");
        s = replace(s, "db1", "db1b");

        s = assign(s, "db1b", "n2");

        assertThat(s.task("db1b").orElseThrow().nodeId()).isEqualTo("n2");
        assertThat(s.volume("shop_shared").orElseThrow().nodeId()).isNull();
    }

    @Test
    void recreateRebindsTheLocalVolumeToTheNewNode() {
        ServiceSpec db = service("db", 1, Map.of(ServiceSpec.STATEFUL_LABEL, "true",
                ServiceSpec.ON_NODE_LOSS_LABEL, ServiceSpec.ON_NODE_LOSS_RECREATE),
                new VolumeMount("volume", "shop_data", "/data", false));
        ClusterState s = assign(deploy(db), "db1", "n1");
        Instant created = s.volume("shop_data-1").orElseThrow().createdAt();
        s = replace(s, "db1", "db1b");

        s = assign(s, "db1b", "n2");

        assertThat(s.task("db1b").orElseThrow().nodeId()).isEqualTo("n2");
        assertThat(s.volume("shop_data-1").orElseThrow()).satisfies(v -> {
            assertThat(v.nodeId()).isEqualTo("n2");
            assertThat(v.createdAt()).isEqualTo(created);
        });
    }

    @Test
    void removeVolumesKeepsVolumesInUse() {
        ServiceSpec db = service("db", 1, Map.of(), new VolumeMount("volume", "shop_data", "/data", false));
        ServiceSpec cache = service("cache", 1, Map.of(), new VolumeMount("volume", "shop_cache", "/cache", false));
        ClusterState s = assign(assign(deploy(db, cache), "db1", "n1"), "cache1", "n2");
        s = apply(s, new Command.SetDesiredStates(List.of(new Command.DesiredStateChange("cache1", TaskState.SHUTDOWN)), T0));

        s = apply(s, new Command.RemoveVolumes(List.of("shop_data", "shop_cache", "unknown"), T0));

        assertThat(s.volumes()).extracting(Volume::name).as("db1 still runs on shop_data; cache1 is being shut down")
                .containsExactly("shop_data");

        s = apply(s, new Command.RemoveStack("shop", T0));
        assertThat(s.tasksUsingVolume("shop_data")).as("tasks being shut down do not count").isEmpty();
        s = apply(s, new Command.RemoveVolumes(List.of("shop_data"), T0));
        assertThat(s.volumes()).isEmpty();
    }

    @Test
    void volumesSurviveTheirStackAndASnapshot() {
        ServiceSpec db = service("db", 2, Map.of(ServiceSpec.STATEFUL_LABEL, "true"),
                new VolumeMount("volume", "shop_data", "/data", false),
                new VolumeMount("volume", "shop_shared", "/shared", false, GLUSTER));
        ClusterState s = assign(assign(deploy(db), "db1", "n1"), "db2", "n2");
        s = apply(s, new Command.RemoveStack("shop", T0));
        assertThat(s.volumes()).as("stack rm without --volumes keeps the data").hasSize(4);

        ClusterState restored = Json.read(Json.writeBytes(StateSnapshot.of(s)), StateSnapshot.class).toState();

        assertThat(restored.volumes()).containsExactlyInAnyOrderElementsOf(s.volumes());
        assertThat(restored.volume("shop_data-2").orElseThrow().nodeId()).isEqualTo("n2");
        assertThat(restored.volume("shop_shared-1").orElseThrow().options()).isEqualTo(GLUSTER);
        assertThat(StateSnapshot.of(restored)).isEqualTo(StateSnapshot.of(s));
    }
}
