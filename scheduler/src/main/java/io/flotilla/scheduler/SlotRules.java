package io.flotilla.scheduler;

import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.Volume;
import io.flotilla.model.VolumeMount;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What one task asks of placement beyond its group's {@link PlacementRequest}, from its slot's
 * history and its volumes (pure: the state, {@code now} and the lease):
 *
 * <ul>
 *   <li><b>Bound data.</b> A node-local named volume ({@link VolumeMount#instanceName}) that the
 *       state (or an assignment earlier in this pass) binds to node X: the task runs on X only.
 *       While X is down, drained, paused or gone the task waits, saying which and what to do —
 *       except with {@code on_node_loss: recreate}, once X has been down for longer than the
 *       lease (or was removed): then any node will do, with an empty volume.</li>
 *   <li><b>One at a time.</b> A fenced task ({@link Fencing}) is placed only once every other
 *       task of its slot has ended: a replacement never runs beside the task it replaces. Nor
 *       beside another task of the slot that this pass placed (two pending tasks of one slot
 *       should not exist, but if they do, only one of them is placed).</li>
 *   <li><b>Refusals.</b> A node where a task of the slot was REJECTED in the last
 *       {@link #REJECTION_MEMORY} is avoided (the error says why it refused). Derived from the
 *       slot's history in the state, so every leader decides alike.</li>
 *   <li><b>Restart in place.</b> A fenced task prefers the node of the slot's previous task.</li>
 * </ul>
 * Only tasks that can need a rule pay for the slot lookup: fenced ones, ones with node-local
 * named volumes, and restarts ({@code restartCount > 0}, which every replacement of a REJECTED
 * task is).
 */
final class SlotRules {
    /** How long a node that refused a slot's task is avoided for that slot. */
    static final Duration REJECTION_MEMORY = Duration.ofMinutes(5);

    private static final DateTimeFormatter CLOCK = DateTimeFormatter.ofPattern("HH:mm:ss").withZone(ZoneOffset.UTC);

    /** The rules for one task; {@code waitReason} non-null: it cannot be placed now, and why. */
    record TaskRules(String requiredNode, String requiredBecause, String waitReason, Map<String, String> refused,
                     String preferredNode) {
        static final TaskRules NONE = new TaskRules(null, null, null, Map.of(), null);

        boolean refuses(String nodeId) {
            return refused.containsKey(nodeId);
        }
    }

    private final ClusterState state;
    private final Instant now;
    private final Duration lease;
    /** Node-local volumes bound by assignments earlier in this pass (not applied yet): name → node. */
    private final Map<String, String> boundInPass = new HashMap<>();
    /** Fenced slots (service id and slot key) whose task an assignment earlier in this pass placed: that task's id. */
    private final Map<String, String> fencedInPass = new HashMap<>();

    SlotRules(ClusterState state, Instant now, Duration lease) {
        this.state = state;
        this.now = now;
        this.lease = lease;
    }

    /** True when tasks of this group may need rules beyond refusals (then they are placed by a scan). */
    static boolean hasRules(Service service, io.flotilla.model.TaskTemplate template) {
        return Fencing.fenced(service.spec(), template) || hasNodeLocalVolumes(template);
    }

    private static boolean hasNodeLocalVolumes(io.flotilla.model.TaskTemplate template) {
        for (VolumeMount mount : template.volumes()) {
            if (mount.named() && mount.options().nodeLocal()) {
                return true;
            }
        }
        return false;
    }

    TaskRules of(Service service, Task task) {
        boolean fenced = Fencing.fenced(service.spec(), task.spec());
        boolean local = hasNodeLocalVolumes(task.spec());
        if (!fenced && !local && task.restartCount() == 0) {
            return TaskRules.NONE;
        }
        String placedNow = fenced ? fencedInPass.get(fencedKey(task)) : null;
        if (placedNow != null && !placedNow.equals(task.id())) {
            return waiting("waiting for task " + placedNow + " of the same slot, placed a moment ago, to end: a fenced"
                    + " slot never runs two tasks at once");
        }
        List<Task> slot = state.tasksOfSlot(task.serviceId(), ClusterState.slotKey(task));
        Map<String, String> refused = new LinkedHashMap<>();
        Task previous = null;
        Instant since = now.minus(REJECTION_MEMORY);
        for (Task other : slot) {
            if (other.id().equals(task.id())) {
                continue;
            }
            if (fenced && !other.state().isTerminal() && other.state().compareTo(TaskState.ASSIGNED) >= 0) {
                return waiting(previousRunning(other));
            }
            if (other.nodeId() == null) {
                continue;
            }
            if (other.state() == TaskState.REJECTED && other.status().timestamp().isAfter(since)) {
                refused.put(other.nodeId(), other.status().error() == null ? "rejected" : other.status().error());
            }
            if (previous == null || ServiceReconciler.AGE.compare(other, previous) > 0) {
                previous = other;
            }
        }
        String preferred = fenced && previous != null ? previous.nodeId() : null;
        if (!local) {
            return new TaskRules(null, null, null, refused, preferred);
        }
        String required = null;
        String requiredVolume = null;
        ServiceSpec spec = service.spec();
        boolean recreate = ServiceSpec.ON_NODE_LOSS_RECREATE.equals(spec.onNodeLoss());
        for (VolumeMount mount : task.spec().volumes()) {
            if (!mount.named() || !mount.options().nodeLocal()) {
                continue;
            }
            String name = mount.instanceName(task.slot(), spec.stateful());
            String nodeId = boundInPass.get(name);
            if (nodeId == null) {
                nodeId = state.volume(name).map(Volume::nodeId).orElse(null);
            }
            if (nodeId == null) {
                continue;
            }
            Node node = state.node(nodeId).orElse(null);
            if (node == null || !usable(node)) {
                String unusable = unusable(node, nodeId, recreate);
                if (unusable == null) {
                    continue; // recreate: the node is lost; the volume starts again, empty, where the task goes
                }
                return waiting("waiting for node " + name(node, nodeId) + ", which holds volume " + name + ": " + unusable);
            }
            if (required != null && !required.equals(nodeId)) {
                return waiting("volumes " + requiredVolume + " and " + name + " are on different nodes ("
                        + required + ", " + nodeId + "): a task can use node-local volumes of one node only");
            }
            required = nodeId;
            requiredVolume = name;
        }
        return new TaskRules(required, requiredVolume, null, refused, preferred);
    }

    /**
     * Records the node-local volumes an assignment binds (as applying it will), and the fenced slot
     * it fills, for the rest of the pass.
     */
    void assigned(Service service, Task task, String nodeId) {
        if (Fencing.fenced(service.spec(), task.spec())) {
            fencedInPass.put(fencedKey(task), task.id());
        }
        for (VolumeMount mount : task.spec().volumes()) {
            if (mount.named() && mount.options().nodeLocal()) {
                boundInPass.put(mount.instanceName(task.slot(), service.spec().stateful()), nodeId);
            }
        }
    }

    private static String fencedKey(Task task) {
        return task.serviceId() + "/" + ClusterState.slotKey(task);
    }

    /**
     * Why the node holding a volume cannot take the task now, with what to do; null when it can
     * (ready and active), or when {@code on_node_loss: recreate} lets the task go elsewhere.
     */
    private String unusable(Node node, String nodeId, boolean recreate) {
        if (node == null) {
            return recreate ? null : "it was removed from the cluster; set on_node_loss: recreate to start the task"
                    + " elsewhere with an empty volume";
        }
        if (node.status().state() == NodeState.DOWN) {
            Instant down = node.status().since();
            Instant free = (down == null ? now : down).plus(lease);
            if (recreate) {
                return now.isAfter(free) ? null : "it is down; on_node_loss: recreate starts the task elsewhere, with"
                        + " an empty volume, after " + CLOCK.format(free) + " UTC";
            }
            return "it is down; bring the node back, or set on_node_loss: recreate to start the task elsewhere with"
                    + " an empty volume";
        }
        if (node.status().state() != NodeState.READY) {
            return "it is not ready (" + node.status().state().name().toLowerCase(java.util.Locale.ROOT)
                    + "); bring the node back, or set on_node_loss: recreate";
        }
        return switch (node.spec().availability()) {
            case ACTIVE -> null;
            case PAUSE -> "it is paused; make it active again (flotilla node update --availability active "
                    + nodeId + ")";
            case DRAIN -> "it is drained; make it active again (flotilla node update --availability active "
                    + nodeId + ")";
        };
    }

    private static boolean usable(Node node) {
        return node.status().state() == NodeState.READY && node.spec().availability() == NodeAvailability.ACTIVE;
    }

    private String previousRunning(Task other) {
        Node node = state.node(other.nodeId()).orElse(null);
        String error = other.status().error();
        String base = "waiting for " + other.displayName() + " (task " + other.id() + ") on node "
                + name(node, other.nodeId()) + " to end: a fenced slot never runs two tasks at once";
        return error != null && error.contains("waiting until its lease expires") ? base + " (" + error + ")" : base;
    }

    static String name(Node node, String nodeId) {
        String hostname = node == null ? null : node.status().hostname();
        return hostname == null || hostname.isBlank() || hostname.equals(nodeId) ? nodeId : hostname + " (" + nodeId + ")";
    }

    /** The words for nodes that refused the slot's task, for a pending reason. */
    String refusals(Map<String, String> refused) {
        StringBuilder text = new StringBuilder();
        for (Map.Entry<String, String> entry : refused.entrySet()) {
            if (!text.isEmpty()) {
                text.append("; ");
            }
            text.append("node ").append(name(state.node(entry.getKey()).orElse(null), entry.getKey()))
                    .append(" refused this slot's task in the last ").append(REJECTION_MEMORY.toMinutes())
                    .append(" minutes: ").append(entry.getValue());
        }
        return text.toString();
    }

    private static TaskRules waiting(String reason) {
        return new TaskRules(null, null, reason, Map.of(), null);
    }
}
