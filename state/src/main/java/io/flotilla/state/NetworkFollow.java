package io.flotilla.state;

import io.flotilla.model.Service;
import io.flotilla.model.Task;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Keeps the networks' addresses in step with the services and tasks, at the end of every apply:
 * from what the command wrote ({@link Changes.Written}), whatever the command was. A task that is
 * made gets an address on each network of its template, its node one when the task is on it, and
 * both go when the task ends (a terminal state) or is deleted; a service in endpoint mode vip holds
 * a virtual address on each of its networks while it is on it. Holders are served in a fixed order
 * (services by id, tasks by service name, slot and id), so every replica gives the same addresses.
 *
 * <p>At creation rather than at assignment: the address does not depend on the node (each network
 * is one segment across the cluster), so the scheduler knows before placing a task whether it has
 * one, and a task that has none (an exhausted subnet) stays pending with the reason instead of
 * being given to a node that could not start it.
 */
final class NetworkFollow {
    private NetworkFollow() {}

    static ClusterState follow(ClusterState before, Changes.Written written, ClusterState after) {
        NetworkTable table = after.networks();
        if (table.isEmpty() && before.networks().isEmpty()) {
            return after;
        }
        for (String serviceId : new TreeSet<>(written.services)) {
            Service service = after.service(serviceId).orElse(null);
            Set<String> wanted = service == null || !service.spec().virtualAddress() ? Set.of()
                    : new HashSet<>(service.spec().task().networkNames());
            String holder = NetworkAddresses.SERVICE + serviceId;
            for (String name : List.copyOf(table.names())) {
                NetworkAddresses entry = table.entry(name);
                table = table.put(wanted.contains(name) && !entry.removing() ? entry.allocate(holder) : entry.free(holder));
            }
        }
        for (String taskId : tasksInOrder(before, written, after)) {
            Task now = after.task(taskId).orElse(null);
            Task then = before.task(taskId).orElse(null);
            if (now == null || now.state().isTerminal()) {
                table = release(table, then != null ? then : now);
            } else {
                table = hold(table, now);
            }
        }
        for (String name : List.copyOf(table.names())) {
            NetworkAddresses entry = table.entry(name);
            if (entry.removing() && !entry.hasTasks()) {
                table = table.remove(name);
            } else if (!entry.waiting().isEmpty()) {
                table = table.put(served(entry, entry.fillWaiting(), after));
            }
        }
        return after.withNetworks(table);
    }

    /**
     * After waiting holders got addresses: a task among them that is on a node already (assigned
     * while it waited) is recorded there, and its node gets its own address too.
     */
    private static NetworkAddresses served(NetworkAddresses before, NetworkAddresses after, ClusterState state) {
        NetworkAddresses entry = after;
        for (String holder : before.waiting()) {
            if (!holder.startsWith(NetworkAddresses.TASK) || after.waiting().contains(holder)) {
                continue;
            }
            Task task = state.task(holder.substring(2)).orElse(null);
            if (task != null && task.nodeId() != null) {
                entry = entry.withTaskNode(task.id(), task.nodeId()).allocate(NetworkAddresses.NODE + task.nodeId());
            }
        }
        return entry;
    }

    /** The written tasks by service name, slot and id: the order in which they get addresses. */
    private static List<String> tasksInOrder(ClusterState before, Changes.Written written, ClusterState after) {
        List<Task> tasks = new ArrayList<>(written.tasks.size());
        for (String id : written.tasks) {
            Task task = after.task(id).or(() -> before.task(id)).orElse(null);
            if (task != null && !task.spec().networks().isEmpty()) {
                tasks.add(task);
            }
        }
        tasks.sort(Comparator.comparing((Task t) -> String.valueOf(t.serviceName())).thenComparingInt(Task::slot)
                .thenComparing(Task::id));
        return tasks.stream().map(Task::id).toList();
    }

    /** A live task: its address on each of its networks, its node's there too once it has a node. */
    private static NetworkTable hold(NetworkTable table, Task task) {
        String holder = NetworkAddresses.TASK + task.id();
        for (String name : task.spec().networkNames()) {
            NetworkAddresses entry = table.entry(name);
            if (entry == null || (entry.removing() && !entry.addresses().containsKey(holder))) {
                continue; // no such network (refused at deploy), or going away: the task waits, see missingAddress
            }
            entry = entry.allocate(holder);
            if (task.nodeId() != null && entry.addresses().containsKey(holder)) {
                String previous = entry.taskNodes().get(task.id());
                entry = entry.withTaskNode(task.id(), task.nodeId());
                entry = freeNodeIfIdle(entry, previous);
                entry = entry.allocate(NetworkAddresses.NODE + task.nodeId());
            }
            table = table.put(entry);
        }
        return table;
    }

    /** An ended or deleted task: its addresses go, and its node's on a network where it was the node's last task. */
    private static NetworkTable release(NetworkTable table, Task task) {
        String holder = NetworkAddresses.TASK + task.id();
        for (String name : task.spec().networkNames()) {
            NetworkAddresses entry = table.entry(name);
            if (entry == null) {
                continue;
            }
            String node = entry.taskNodes().get(task.id());
            table = table.put(freeNodeIfIdle(entry.free(holder), node));
        }
        return table;
    }

    private static NetworkAddresses freeNodeIfIdle(NetworkAddresses entry, String nodeId) {
        return nodeId == null || entry.tasksPerNode().containsKey(nodeId) ? entry
                : entry.free(NetworkAddresses.NODE + nodeId);
    }
}
