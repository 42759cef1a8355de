package io.flotilla.state;

import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.pcollections.HashTreePMap;
import org.pcollections.HashTreePSet;
import org.pcollections.PMap;
import org.pcollections.PSet;
import org.pcollections.PSortedSet;
import org.pcollections.TreePSet;

/**
 * The tasks of a {@link ClusterState}, immutable, with the indexes that find them without a walk:
 * by service and slot (a slot's history), by node, and the unplaced ones in placement order. (The
 * per-node stamps the dispatcher reads are apply's, from its {@link Changes}: {@link AssignmentStamps}.)
 *
 * <p>Invariants kept by {@link #put} and {@link #remove}: every task in {@code taskIdsBySlot} and
 * {@code tasksByNode} is in {@code tasks} (in {@code tasksByNode}, the same version of it) and vice
 * versa; {@code unplaced} holds exactly the tasks desired RUNNING and not yet ASSIGNED.
 */
final class TaskTable {
    /** See {@link ClusterState#PLACEMENT_ORDER}. */
    static final Comparator<Task> PLACEMENT_ORDER = Comparator.comparing((Task t) -> t.nodeId() == null)
            .thenComparing(Task::serviceId)
            .thenComparingLong(Task::serviceVersion)
            .thenComparingInt(Task::slot)
            .thenComparing(Task::id);

    static final TaskTable EMPTY = new TaskTable(HashTreePMap.empty(), HashTreePMap.empty(), HashTreePMap.empty(),
            TreePSet.empty(PLACEMENT_ORDER));

    private final PMap<String, Task> tasks;
    /**
     * Per service, per slot key ({@link #slotKey}), the ids of the slot's tasks (its history): a
     * reconcile pass over a few changed slots of a service with a million finds them without a walk.
     * A value is the one task id (a String: most slots have one task, and a one-element set costs
     * ≈ 150 bytes more per task) or a {@code PSet<String>} of two or more.
     */
    private final PMap<String, PMap<Object, Object>> taskIdsBySlot;
    /**
     * Per node, its tasks by id: the tasks themselves, not their ids, so that a node's tasks are
     * read without a lookup each in {@code tasks} (a walk of ~28 tree levels at a million tasks).
     * The dispatcher reads them on every assignment poll, the scheduler for every node's usage:
     * at a million tasks those lookups were a third of the leader's CPU. A status change now
     * updates the node's small map too, where it used to leave this index as it was.
     */
    private final PMap<String, PMap<String, Task>> tasksByNode;
    /**
     * Tasks desired RUNNING and not yet ASSIGNED, in {@link #PLACEMENT_ORDER}: what the scheduler
     * looks at, without a walk over every task. Derived, rebuilt on snapshot load.
     */
    private final PSortedSet<Task> unplaced;

    private TaskTable(PMap<String, Task> tasks, PMap<String, PMap<Object, Object>> taskIdsBySlot,
                      PMap<String, PMap<String, Task>> tasksByNode, PSortedSet<Task> unplaced) {
        this.tasks = tasks;
        this.taskIdsBySlot = taskIdsBySlot;
        this.tasksByNode = tasksByNode;
        this.unplaced = unplaced;
    }

    Collection<Task> all() {
        return tasks.values();
    }

    Optional<Task> get(String id) {
        return Optional.ofNullable(tasks.get(id));
    }

    List<Task> ofService(String serviceId) {
        PMap<Object, Object> slots = taskIdsBySlot.get(serviceId);
        if (slots == null) {
            return List.of();
        }
        List<Task> result = new ArrayList<>();
        for (Object ids : slots.values()) {
            addTasks(ids, result);
        }
        return result;
    }

    List<Task> ofSlot(String serviceId, Object slotKey) {
        PMap<Object, Object> slots = taskIdsBySlot.get(serviceId);
        Object ids = slots == null ? null : slots.get(slotKey);
        if (ids == null) {
            return List.of();
        }
        List<Task> result = new ArrayList<>(ids instanceof String ? 1 : ((PSet<?>) ids).size());
        addTasks(ids, result);
        return result;
    }

    @SuppressWarnings("unchecked")
    private void addTasks(Object ids, List<Task> into) {
        if (ids instanceof String id) {
            into.add(tasks.get(id));
        } else {
            for (String id : (PSet<String>) ids) {
                into.add(tasks.get(id));
            }
        }
    }

    /** See {@link ClusterState#slotKey(Task)}. */
    static Object slotKey(Task task) {
        return slotKey(task.slot(), task.nodeId());
    }

    /** See {@link ClusterState#slotKey(int, String)}. */
    static Object slotKey(int number, String nodeId) {
        return number > 0 ? (Object) number : (nodeId == null ? "" : nodeId);
    }

    int slotCount(String serviceId) {
        PMap<Object, Object> slots = taskIdsBySlot.get(serviceId);
        return slots == null ? 0 : slots.size();
    }

    Set<String> serviceIds() {
        return taskIdsBySlot.keySet();
    }

    Set<String> nodeIds() {
        return tasksByNode.keySet();
    }

    Collection<Task> unplaced() {
        return unplaced;
    }

    List<Task> ofNode(String nodeId) {
        PMap<String, Task> ofNode = tasksByNode.get(nodeId);
        return ofNode == null ? List.of() : new ArrayList<>(ofNode.values());
    }

    /** With {@code task} added or replaced. */
    TaskTable put(Task task) {
        Task old = tasks.get(task.id());
        PMap<String, PMap<String, Task>> byNode = tasksByNode;
        if (old != null && old.nodeId() != null && !old.nodeId().equals(task.nodeId())) {
            byNode = removeFrom(byNode, old.nodeId(), task.id());
        }
        if (task.nodeId() != null) {
            byNode = addTo(byNode, task.nodeId(), task); // a status change replaces the node's copy too
        }
        PSortedSet<Task> toPlace = old != null && isUnplaced(old) ? unplaced.minus(old) : unplaced;
        if (isUnplaced(task)) {
            toPlace = toPlace.plus(task);
        }
        PMap<String, PMap<Object, Object>> bySlot = taskIdsBySlot;
        if (old != null && !slotKey(old).equals(slotKey(task))) {
            bySlot = removeFromSlot(bySlot, old);
        }
        if (old == null || !slotKey(old).equals(slotKey(task))) {
            bySlot = addToSlot(bySlot, task);
        }
        return new TaskTable(tasks.plus(task.id(), task), bySlot, byNode, toPlace);
    }

    /** Without task {@code taskId} (this table when it has none). */
    TaskTable remove(String taskId) {
        Task old = tasks.get(taskId);
        if (old == null) {
            return this;
        }
        PMap<String, PMap<String, Task>> byNode = old.nodeId() == null ? tasksByNode
                : removeFrom(tasksByNode, old.nodeId(), taskId);
        return new TaskTable(tasks.minus(taskId), removeFromSlot(taskIdsBySlot, old), byNode,
                isUnplaced(old) ? unplaced.minus(old) : unplaced);
    }

    private static boolean isUnplaced(Task task) {
        return task.desiredState() == TaskState.RUNNING && task.state().compareTo(TaskState.ASSIGNED) < 0;
    }

    @SuppressWarnings("unchecked")
    private static PMap<String, PMap<Object, Object>> addToSlot(PMap<String, PMap<Object, Object>> index, Task task) {
        PMap<Object, Object> slots = index.get(task.serviceId());
        Object key = slotKey(task);
        Object ids = slots == null ? null : slots.get(key);
        Object added = ids == null ? task.id()
                : ids instanceof String one ? HashTreePSet.singleton(one).plus(task.id())
                : ((PSet<String>) ids).plus(task.id());
        return index.plus(task.serviceId(), (slots == null ? HashTreePMap.<Object, Object>empty() : slots).plus(key, added));
    }

    @SuppressWarnings("unchecked")
    private static PMap<String, PMap<Object, Object>> removeFromSlot(PMap<String, PMap<Object, Object>> index, Task task) {
        PMap<Object, Object> slots = index.get(task.serviceId());
        Object key = slotKey(task);
        Object ids = slots == null ? null : slots.get(key);
        if (ids == null) {
            return index;
        }
        Object left;
        if (ids instanceof String one) {
            left = one.equals(task.id()) ? null : one;
        } else {
            PSet<String> rest = ((PSet<String>) ids).minus(task.id());
            left = rest.size() == 1 ? rest.iterator().next() : rest;
        }
        PMap<Object, Object> slotsLeft = left == null ? slots.minus(key) : slots.plus(key, left);
        return slotsLeft.isEmpty() ? index.minus(task.serviceId()) : index.plus(task.serviceId(), slotsLeft);
    }

    private static PMap<String, PMap<String, Task>> addTo(PMap<String, PMap<String, Task>> index, String nodeId, Task task) {
        PMap<String, Task> ofNode = index.get(nodeId);
        return index.plus(nodeId, ofNode == null ? HashTreePMap.singleton(task.id(), task) : ofNode.plus(task.id(), task));
    }

    private static PMap<String, PMap<String, Task>> removeFrom(PMap<String, PMap<String, Task>> index, String nodeId, String taskId) {
        PMap<String, Task> ofNode = index.get(nodeId);
        if (ofNode == null) {
            return index;
        }
        PMap<String, Task> left = ofNode.minus(taskId);
        return left.isEmpty() ? index.minus(nodeId) : index.plus(nodeId, left);
    }
}
