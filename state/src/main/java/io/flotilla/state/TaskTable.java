package io.flotilla.state;

import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.vavr.collection.HashMap;
import io.vavr.collection.HashSet;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.Iterator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
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
 *
 * <p>The maps are vavr's hash array mapped tries, not pcollections' hash trees, which the rest of
 * the state uses: at a million tasks a lookup walks ~5 levels of 32-way nodes instead of ~28 of a
 * binary tree, a change copies fewer of them, and an entry takes ~43 bytes instead of ~95 (measured
 * on this machine, 1,000,000 random keys; docs/benchmarks.md, Scale). The task table is where the
 * state's size and apply's lookups are.
 */
final class TaskTable {
    /** See {@link ClusterState#PLACEMENT_ORDER}. */
    static final Comparator<Task> PLACEMENT_ORDER = Comparator.comparing((Task t) -> t.nodeId() == null)
            .thenComparing(Task::serviceId)
            .thenComparingLong(Task::serviceVersion)
            .thenComparingInt(Task::slot)
            .thenComparing(Task::id);

    static final TaskTable EMPTY = new TaskTable(HashMap.empty(), HashMap.empty(), HashMap.empty(),
            TreePSet.empty(PLACEMENT_ORDER));

    private final HashMap<String, Task> tasks;
    /**
     * Per service, per slot key ({@link #slotKey}), the ids of the slot's tasks (its history): a
     * reconcile pass over a few changed slots of a service with a million finds them without a walk.
     * A value is the one task id (a String: most slots have one task, and a one-element set costs
     * ≈ 150 bytes more per task) or a {@code HashSet<String>} of two or more.
     */
    private final HashMap<String, HashMap<Object, Object>> taskIdsBySlot;
    /**
     * Per node, its tasks by id: the tasks themselves, not their ids, so that a node's tasks are
     * read without a lookup each in {@code tasks} (a walk of ~28 tree levels at a million tasks).
     * The dispatcher reads them on every assignment poll, the scheduler for every node's usage:
     * at a million tasks those lookups were a third of the leader's CPU. A status change now
     * updates the node's small map too, where it used to leave this index as it was.
     */
    private final HashMap<String, HashMap<String, Task>> tasksByNode;
    /**
     * Tasks desired RUNNING and not yet ASSIGNED, in {@link #PLACEMENT_ORDER}: what the scheduler
     * looks at, without a walk over every task. Derived, rebuilt on snapshot load.
     */
    private final PSortedSet<Task> unplaced;

    private TaskTable(HashMap<String, Task> tasks, HashMap<String, HashMap<Object, Object>> taskIdsBySlot,
                      HashMap<String, HashMap<String, Task>> tasksByNode, PSortedSet<Task> unplaced) {
        this.tasks = tasks;
        this.taskIdsBySlot = taskIdsBySlot;
        this.tasksByNode = tasksByNode;
        this.unplaced = unplaced;
    }

    Collection<Task> all() {
        return TrieViews.values(tasks);
    }

    Optional<Task> get(String id) {
        return Optional.ofNullable(tasks.getOrElse(id, null));
    }

    List<Task> ofService(String serviceId) {
        HashMap<Object, Object> slots = taskIdsBySlot.getOrElse(serviceId, null);
        if (slots == null) {
            return List.of();
        }
        List<Task> result = new ArrayList<>(slots.size());
        for (Iterator<Object> it = slots.valuesIterator(); it.hasNext(); ) {
            addTasks(it.next(), result);
        }
        return result;
    }

    List<Task> ofSlot(String serviceId, Object slotKey) {
        HashMap<Object, Object> slots = taskIdsBySlot.getOrElse(serviceId, null);
        Object ids = slots == null ? null : slots.getOrElse(slotKey, null);
        if (ids == null) {
            return List.of();
        }
        List<Task> result = new ArrayList<>(ids instanceof String ? 1 : ((HashSet<?>) ids).size());
        addTasks(ids, result);
        return result;
    }

    @SuppressWarnings("unchecked")
    private void addTasks(Object ids, List<Task> into) {
        if (ids instanceof String id) {
            into.add(tasks.getOrElse(id, null));
        } else {
            for (String id : (HashSet<String>) ids) {
                into.add(tasks.getOrElse(id, null));
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
        HashMap<Object, Object> slots = taskIdsBySlot.getOrElse(serviceId, null);
        return slots == null ? 0 : slots.size();
    }

    Set<String> serviceIds() {
        return TrieViews.keys(taskIdsBySlot);
    }

    Set<String> nodeIds() {
        return TrieViews.keys(tasksByNode);
    }

    Collection<Task> unplaced() {
        return unplaced;
    }

    List<Task> ofNode(String nodeId) {
        HashMap<String, Task> ofNode = tasksByNode.getOrElse(nodeId, null);
        return ofNode == null ? List.of() : new ArrayList<>(TrieViews.values(ofNode));
    }

    /** With {@code task} added or replaced. */
    TaskTable put(Task task) {
        Task old = tasks.getOrElse(task.id(), null);
        HashMap<String, HashMap<String, Task>> byNode = tasksByNode;
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
        HashMap<String, HashMap<Object, Object>> bySlot = taskIdsBySlot;
        if (old != null && !slotKey(old).equals(slotKey(task))) {
            bySlot = removeFromSlot(bySlot, old);
        }
        if (old == null || !slotKey(old).equals(slotKey(task))) {
            bySlot = addToSlot(bySlot, task);
        }
        return new TaskTable(tasks.put(task.id(), task), bySlot, byNode, toPlace);
    }

    /** Without task {@code taskId} (this table when it has none). */
    TaskTable remove(String taskId) {
        Task old = tasks.getOrElse(taskId, null);
        if (old == null) {
            return this;
        }
        HashMap<String, HashMap<String, Task>> byNode = old.nodeId() == null ? tasksByNode
                : removeFrom(tasksByNode, old.nodeId(), taskId);
        return new TaskTable(tasks.remove(taskId), removeFromSlot(taskIdsBySlot, old), byNode,
                isUnplaced(old) ? unplaced.minus(old) : unplaced);
    }

    private static boolean isUnplaced(Task task) {
        return task.desiredState() == TaskState.RUNNING && task.state().compareTo(TaskState.ASSIGNED) < 0;
    }

    @SuppressWarnings("unchecked")
    private static HashMap<String, HashMap<Object, Object>> addToSlot(HashMap<String, HashMap<Object, Object>> index, Task task) {
        HashMap<Object, Object> slots = index.getOrElse(task.serviceId(), null);
        Object key = slotKey(task);
        Object ids = slots == null ? null : slots.getOrElse(key, null);
        Object added = ids == null ? task.id()
                : ids instanceof String one ? HashSet.of(one, task.id())
                : ((HashSet<String>) ids).add(task.id());
        return index.put(task.serviceId(), (slots == null ? HashMap.<Object, Object>empty() : slots).put(key, added));
    }

    @SuppressWarnings("unchecked")
    private static HashMap<String, HashMap<Object, Object>> removeFromSlot(HashMap<String, HashMap<Object, Object>> index, Task task) {
        HashMap<Object, Object> slots = index.getOrElse(task.serviceId(), null);
        Object key = slotKey(task);
        Object ids = slots == null ? null : slots.getOrElse(key, null);
        if (ids == null) {
            return index;
        }
        Object left;
        if (ids instanceof String one) {
            left = one.equals(task.id()) ? null : one;
        } else {
            HashSet<String> rest = ((HashSet<String>) ids).remove(task.id());
            left = rest.size() == 1 ? rest.head() : rest;
        }
        HashMap<Object, Object> slotsLeft = left == null ? slots.remove(key) : slots.put(key, left);
        return slotsLeft.isEmpty() ? index.remove(task.serviceId()) : index.put(task.serviceId(), slotsLeft);
    }

    private static HashMap<String, HashMap<String, Task>> addTo(HashMap<String, HashMap<String, Task>> index, String nodeId, Task task) {
        HashMap<String, Task> ofNode = index.getOrElse(nodeId, null);
        return index.put(nodeId, (ofNode == null ? HashMap.<String, Task>empty() : ofNode).put(task.id(), task));
    }

    private static HashMap<String, HashMap<String, Task>> removeFrom(HashMap<String, HashMap<String, Task>> index, String nodeId, String taskId) {
        HashMap<String, Task> ofNode = index.getOrElse(nodeId, null);
        if (ofNode == null) {
            return index;
        }
        HashMap<String, Task> left = ofNode.remove(taskId);
        return left.isEmpty() ? index.remove(nodeId) : index.put(nodeId, left);
    }
}
