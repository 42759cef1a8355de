package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Placement of stateful and fenced tasks (docs/stateful.md): the node holding a slot's node-local
 * volume, the pending reasons while it cannot take the task, on_node_loss: recreate after the
 * lease, restart in place, nodes that refused a slot, one fenced task per slot at a time, and the
 * fencing environment of an assignment.
 */
class StatefulPlacementTest {
    static final VolumeOptions GLUSTER = new VolumeOptions(VolumeOptions.GLUSTERFS, Map.of("volume", "gv0"), Map.of(), false);

    private final ClusterSimulation sim = new ClusterSimulation();

    /** A stack service {@code shop_db} mounting {@code shop_data} at /data with the given driver. */
    static ServiceSpec withVolume(ServiceSpec spec, VolumeOptions options) {
        TaskTemplate t = spec.task();
        TaskTemplate task = new TaskTemplate(t.driver(), t.image(), t.command(), t.entrypoint(), t.environment(),
                t.workingDir(), t.user(), t.hostname(), t.labels(), t.healthcheck(),
                List.of(new VolumeMount(VolumeMount.VOLUME, "shop_data", "/data", false, options)), t.resources(),
                t.restartPolicy(), t.placement(), t.stopSignal(), t.stopGracePeriod(), t.init(), t.readOnly(), t.capAdd(),
                t.capDrop(), t.tmpfs(), t.ulimits(), t.pullPolicy(), t.networks(), t.discovery());
        return spec.withTask(task);
    }

    static ServiceSpec stateful(int replicas, String onNodeLoss) {
        Map<String, String> labels = new HashMap<>();
        labels.put(ServiceSpec.STATEFUL_LABEL, "true");
        if (onNodeLoss != null) {
            labels.put(ServiceSpec.ON_NODE_LOSS_LABEL, onNodeLoss);
        }
        return withVolume(Specs.stacked("shop", "db", replicas), VolumeOptions.DEFAULT).withLabels(labels);
    }

    private void threeNodes() {
        sim.addNode("n1");
        sim.addNode("n2");
        sim.addNode("n3");
    }

    private void reject(Task task, String error) {
        sim.apply(new Command.UpdateTaskStatuses(task.nodeId(), List.of(new Command.TaskStatusUpdate(task.id(),
                TaskStatus.of(TaskState.REJECTED, sim.now, "rejected").withError(error)))));
    }

    @Test
    void eachSlotGetsItsOwnVolumeBoundToItsNodeAndIsFencedWithItsSlotsVolumes() {
        threeNodes();
        String id = sim.createService(stateful(2, null));
        sim.converge();

        for (int slot = 1; slot <= 2; slot++) {
            Task task = sim.activeInSlot(id, slot);
            assertThat(task.state()).isEqualTo(TaskState.RUNNING);
            assertThat(sim.state.volume("shop_data-" + slot).orElseThrow().nodeId()).isEqualTo(task.nodeId());
            assertThat(task.allocation()).isEqualTo(new TaskAllocation(true, true, Map.of()));
            assertThat(Fencing.slotName(sim.state.service(id).orElseThrow().spec(), slot))
                    .isEqualTo("db-" + slot + ".db.shop.flotilla");
        }
    }

    @Test
    void aStatelessTaskIsNotFenced() {
        threeNodes();
        String id = sim.createService(Specs.replicated("web", 1));
        sim.converge();

        assertThat(sim.activeInSlot(id, 1).allocation()).isEqualTo(TaskAllocation.NONE);
    }

    @Test
    void aCrashedSlotRestartsOnTheNodeOfItsVolumeEvenWhenSpreadingWouldChooseAnother() {
        threeNodes();
        String id = sim.createService(stateful(1, null));
        sim.converge();
        Task first = sim.activeInSlot(id, 1);
        sim.addNode("n0"); // emptiest and first by id: the spread's choice

        sim.fail(first, 1);
        sim.converge();

        Task second = sim.activeInSlot(id, 1);
        assertThat(second.id()).isNotEqualTo(first.id());
        assertThat(second.nodeId()).isEqualTo(first.nodeId());
    }

    @Test
    void aSlotWhoseVolumeNodeIsDownWaitsAndSaysWhyThenReturnsThere() {
        threeNodes();
        String id = sim.createService(stateful(1, null));
        sim.converge();
        String node = sim.activeInSlot(id, 1).nodeId();

        sim.nodeDown(node);
        sim.converge();

        Task waiting = sim.activeInSlot(id, 1);
        assertThat(waiting.state()).isEqualTo(TaskState.PENDING);
        assertThat(waiting.status().error()).isEqualTo("waiting for node host-" + node + " (" + node
                + "), which holds volume shop_data-1: it is down; bring the node back, or set on_node_loss: recreate"
                + " to start the task elsewhere with an empty volume");
        sim.advance(Duration.ofMinutes(10));
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).state()).as("wait means wait, however long").isEqualTo(TaskState.PENDING);

        sim.nodeUp(node);
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).state()).isEqualTo(TaskState.RUNNING);
        assertThat(sim.activeInSlot(id, 1).nodeId()).isEqualTo(node);
    }

    @Test
    void drainedAndPausedNodesOfAVolumeAreNamedInTheReason() {
        threeNodes();
        String id = sim.createService(stateful(1, null));
        sim.converge();
        Task first = sim.activeInSlot(id, 1);
        String node = first.nodeId();

        sim.setAvailability(node, NodeAvailability.PAUSE);
        sim.fail(first, 1);
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).status().error()).contains("which holds volume shop_data-1: it is paused");

        sim.setAvailability(node, NodeAvailability.DRAIN);
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).status().error()).contains("which holds volume shop_data-1: it is drained");

        sim.setAvailability(node, NodeAvailability.ACTIVE);
        sim.advance(Duration.ofMinutes(1)); // past the restart backoff
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).state()).isEqualTo(TaskState.RUNNING);
        assertThat(sim.activeInSlot(id, 1).nodeId()).isEqualTo(node);
    }

    @Test
    void recreateStartsElsewhereOnlyOnceTheNodeWasDownForLongerThanTheLease() {
        threeNodes();
        String id = sim.createService(stateful(1, ServiceSpec.ON_NODE_LOSS_RECREATE));
        sim.converge();
        String node = sim.activeInSlot(id, 1).nodeId();

        sim.nodeDown(node);
        sim.converge();
        Task waiting = sim.activeInSlot(id, 1);
        assertThat(waiting.state()).isEqualTo(TaskState.PENDING);
        assertThat(waiting.status().error()).contains("it is down; on_node_loss: recreate starts the task elsewhere,"
                + " with an empty volume, after 00:00:05 UTC");

        sim.advance(Fencing.DEFAULT_LEASE);
        sim.converge();
        Task moved = sim.activeInSlot(id, 1);
        assertThat(moved.state()).isEqualTo(TaskState.RUNNING);
        assertThat(moved.nodeId()).isNotEqualTo(node);
        assertThat(sim.state.volume("shop_data-1").orElseThrow().nodeId()).as("rebound").isEqualTo(moved.nodeId());
    }

    @Test
    void aNodeThatRefusedTheSlotIsAvoidedForFiveMinutesAndNamedWhenNothingIsLeft() {
        sim.addNode("n1");
        sim.addNode("n2");
        String id = sim.createService(Specs.restart(Specs.replicated("web", 1), "any", Duration.ZERO, null, null));
        sim.agentsStartTasks = false;
        sim.converge();
        Task first = sim.activeInSlot(id, 1);
        reject(first, "cannot mount volume shop_data (glusterfs 127.0.0.2:/gv0): no route");
        sim.converge();
        Task second = sim.activeInSlot(id, 1);
        assertThat(second.nodeId()).as("the other node").isNotEqualTo(first.nodeId()).isNotNull();

        reject(second, "cannot mount volume shop_data (glusterfs 127.0.0.2:/gv0): timeout");
        sim.converge();
        Task third = sim.activeInSlot(id, 1);
        assertThat(third.state()).isEqualTo(TaskState.PENDING);
        assertThat(third.status().error()).isEqualTo("no suitable node (node host-" + first.nodeId() + " ("
                + first.nodeId() + ") refused this slot's task in the last 5 minutes: cannot mount volume shop_data"
                + " (glusterfs 127.0.0.2:/gv0): no route; node host-" + second.nodeId() + " (" + second.nodeId()
                + ") refused this slot's task in the last 5 minutes: cannot mount volume shop_data (glusterfs"
                + " 127.0.0.2:/gv0): timeout)");

        sim.advance(SlotRules.REJECTION_MEMORY);
        sim.converge();
        assertThat(sim.activeInSlot(id, 1).nodeId()).as("tried again after five minutes").isNotNull();
    }

    @Test
    void aRefusalDoesNotKeepOtherSlotsOffTheNode() {
        sim.addNode("n1");
        sim.addNode("n2");
        String id = sim.createService(Specs.replicated("web", 1));
        sim.agentsStartTasks = false;
        sim.converge();
        Task first = sim.activeInSlot(id, 1);
        reject(first, "no");
        sim.scale(id, 3);
        sim.converge();

        assertThat(sim.activeInSlot(id, 1).nodeId()).isNotEqualTo(first.nodeId());
        assertThat(sim.active(id)).extracting(Task::nodeId).contains(first.nodeId());
    }

    @Test
    void aFencedSlotNeverRunsTwoTasksAndRestartsInPlace() {
        threeNodes();
        ServiceSpec spec = Specs.update(withVolume(Specs.stacked("shop", "db", 1), GLUSTER), 1, Duration.ZERO, "start-first");
        String id = sim.createService(spec);
        sim.converge();
        Task first = sim.activeInSlot(id, 1);
        assertThat(first.allocation()).isEqualTo(new TaskAllocation(true, false, Map.of())); // shared volume, not stateful
        sim.addNode("n0");

        // a start-first update is stop-first for a fenced service: the new task waits for the old one to end
        sim.updateService(id, Specs.image(spec, "db:2"));
        for (int i = 0; i < 50 && sim.step(); i++) {
            long copies = sim.tasks(id).stream().filter(t -> !t.state().isTerminal()
                    && t.state().compareTo(TaskState.ASSIGNED) >= 0).count();
            assertThat(copies).as("tasks of the slot that may run").isLessThanOrEqualTo(1);
        }
        Task updated = sim.activeInSlot(id, 1);
        assertThat(updated.state()).isEqualTo(TaskState.RUNNING);
        assertThat(updated.serviceVersion()).isEqualTo(2);
        assertThat(updated.nodeId()).as("in place, not on the empty n0").isEqualTo(first.nodeId());
    }

    @Test
    void ofTwoPendingTasksOfOneFencedSlotOnePassPlacesOne() {
        threeNodes();
        String id = sim.createService(withVolume(Specs.stacked("shop", "db", 1), GLUSTER));
        sim.converge();
        Task first = sim.activeInSlot(id, 1);
        sim.apply(new Command.UpdateTaskStatuses(first.nodeId(), List.of(new Command.TaskStatusUpdate(first.id(),
                TaskStatus.of(TaskState.FAILED, sim.now, "failed").withError("exit 1")))));
        // two replacements of the slot, both pending: a decision that should never be made twice, made twice
        TaskStatus pending = TaskStatus.of(TaskState.PENDING, sim.now, "pending");
        Task a = new Task("twin-a", first.serviceId(), first.serviceName(), 1, first.serviceVersion(), null, TaskState.RUNNING,
                pending, first.spec(), sim.now, null, 1, TaskAllocation.NONE);
        Task b = new Task("twin-b", first.serviceId(), first.serviceName(), 1, first.serviceVersion(), null, TaskState.RUNNING,
                pending, first.spec(), sim.now, null, 1, TaskAllocation.NONE);
        sim.apply(new Command.CreateTasks(List.of(a, b)));

        sim.scheduler.place(sim.state, sim.now).forEach(sim::apply);
        List<Task> placed = sim.tasks(id).stream().filter(t -> t.id().startsWith("twin-") && t.state() == TaskState.ASSIGNED).toList();
        assertThat(placed).as("one of the twins placed, not both").hasSize(1);
        Task other = sim.state.task(placed.getFirst().id().equals("twin-a") ? "twin-b" : "twin-a").orElseThrow();
        assertThat(other.state()).isEqualTo(TaskState.PENDING);
        assertThat(other.status().error()).contains("a fenced slot never runs two tasks at once");

        // the orchestrator stops the twin that waits, and the slot settles on the placed one
        sim.converge();
        assertThat(sim.state.task(other.id()).orElseThrow().desiredState()).isEqualTo(TaskState.SHUTDOWN);
        assertThat(sim.activeInSlot(id, 1).id()).isEqualTo(placed.getFirst().id());
        assertThat(sim.activeInSlot(id, 1).state()).isEqualTo(TaskState.RUNNING);
    }

    @Test
    void aFencedReplacementWaitsForTheOldTaskNamingIt() {
        threeNodes();
        ServiceSpec spec = Specs.update(withVolume(Specs.stacked("shop", "db", 1), GLUSTER), 1, Duration.ZERO, "stop-first");
        String id = sim.createService(spec);
        sim.converge();
        Task first = sim.activeInSlot(id, 1);
        sim.agentsStartTasks = false; // and the agent does not report the old one stopped yet
        sim.updateService(id, Specs.image(spec, "db:2"));
        sim.apply(sim.orchestrator.reconcile(sim.state, sim.now).getFirst());
        sim.orchestrator.reconcile(sim.state, sim.now).forEach(sim::apply);
        sim.scheduler.place(sim.state, sim.now).forEach(sim::apply);

        Task waiting = sim.tasks(id).stream().filter(t -> t.serviceVersion() == 2).findFirst().orElseThrow();
        assertThat(waiting.state()).isEqualTo(TaskState.PENDING);
        assertThat(waiting.status().error()).isEqualTo("waiting for shop_db.1 (task " + first.id() + ") on node host-"
                + first.nodeId() + " (" + first.nodeId() + ") to end: a fenced slot never runs two tasks at once");
    }

    @Test
    void aGlobalServiceSharingOneLocalVolumeRunsWhereTheVolumeIsAndSaysWhyElsewhere() {
        threeNodes();
        String id = sim.createService(withVolume(Specs.global("agent"), VolumeOptions.DEFAULT));
        sim.converge();

        assertThat(sim.running(id)).singleElement().satisfies(t -> assertThat(t.nodeId()).isEqualTo("n1"));
        assertThat(sim.active(id).stream().filter(t -> t.state() == TaskState.PENDING))
                .hasSize(2).allSatisfy(t -> assertThat(t.status().error()).isEqualTo("volume shop_data is on node n1:"
                        + " the task of this node cannot use it (a local volume lives on one node; use a glusterfs"
                        + " volume to share it)"));
        assertThat(sim.scheduler.place(sim.state, sim.now)).as("no assignment the state would refuse, pass after pass")
                .isEmpty();
    }

    @Test
    void globalModeIsNotAffectedByVolumesItDoesNotHave() {
        threeNodes();
        ServiceSpec global = Specs.global("agent");
        assertThat(global.mode()).isEqualTo(ServiceMode.GLOBAL);
        String id = sim.createService(global);
        sim.converge();
        assertThat(sim.running(id)).hasSize(3);
    }
}
