package io.flotilla.scheduler;

import io.flotilla.model.Node;
import io.flotilla.model.Resources;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;

/**
 * What is already placed on one node during one {@code place()} call: the tasks assigned there
 * that have not ended (whatever their desired state: a task being stopped still holds its
 * resources and ports), plus the assignments made earlier in the same call. Mutable, and local to
 * one call.
 */
final class NodeUsage {
    private final Node node;
    private long reservedNanoCpus;
    private long reservedMemoryBytes;
    private int tasks;
    private final Map<String, Integer> tasksByService = new HashMap<>();
    private final Set<String> hostPorts = new HashSet<>();

    NodeUsage(Node node) {
        this.node = node;
    }

    Node node() {
        return node;
    }

    String id() {
        return node.id();
    }

    void add(String serviceId, Resources reservations, Set<String> ports) {
        reservedNanoCpus += reservations.nanoCpus();
        reservedMemoryBytes += reservations.memoryBytes();
        tasks++;
        tasksByService.merge(serviceId, 1, Integer::sum);
        hostPorts.addAll(ports);
    }

    long reservedNanoCpus() {
        return reservedNanoCpus;
    }

    long reservedMemoryBytes() {
        return reservedMemoryBytes;
    }

    int tasks() {
        return tasks;
    }

    int tasksOf(String serviceId) {
        return tasksByService.getOrDefault(serviceId, 0);
    }

    boolean usesHostPort(String port) {
        return hostPorts.contains(port);
    }
}
