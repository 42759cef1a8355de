package io.flotilla.scheduler;

import java.util.Collection;
import java.util.Comparator;
import java.util.PriorityQueue;

/**
 * The nodes still feasible for one group of identical tasks without spread preferences, ranked
 * as {@link Scheduler} chooses: fewest tasks of the service on the node, then fewest tasks, then
 * node id. Taking the best is O(log nodes) instead of a scan of every node.
 *
 * <p>Why this gives the same choice as the scan: a node's rank depends only on its own usage,
 * and within one {@code place()} call usage only grows, so (as in the scan) a node that fails a
 * dynamic filter is dropped for the rest of the group; the first node off the queue that passes
 * them is the best of those that pass. The caller puts the chosen node back after assigning to it
 * ({@link #add}), and calls {@link #reorder} if it changed a queued node's usage otherwise.
 */
final class NodeQueue {
    private final Comparator<NodeUsage> rank;
    private PriorityQueue<NodeUsage> queue;

    NodeQueue(String serviceId, Collection<NodeUsage> nodes) {
        this.rank = Comparator.comparingInt((NodeUsage node) -> node.tasksOf(serviceId))
                .thenComparingInt(NodeUsage::tasks)
                .thenComparing(NodeUsage::id);
        this.queue = new PriorityQueue<>(Math.max(1, nodes.size()), rank);
        queue.addAll(nodes);
    }

    /**
     * Takes the best node that passes the dynamic filters, or null if none does; nodes that fail
     * one are counted in {@code failures} and dropped.
     */
    NodeUsage pollBest(PlacementRequest request, PlacementFailures failures) {
        return pollBest(request, failures, java.util.Set.of());
    }

    /**
     * As {@link #pollBest(PlacementRequest, PlacementFailures)}, passing over the nodes in
     * {@code excluded} (that refused this task's slot lately) without dropping them: they stay
     * queued for the other tasks of the group.
     */
    NodeUsage pollBest(PlacementRequest request, PlacementFailures failures, java.util.Set<String> excluded) {
        NodeUsage node;
        java.util.List<NodeUsage> passedOver = excluded.isEmpty() ? java.util.List.of() : new java.util.ArrayList<>();
        NodeUsage found = null;
        while ((node = queue.poll()) != null) {
            int failing = PlacementFailures.firstFailing(request, node, false, true);
            if (failing >= 0) {
                failures.count(failing);
                continue;
            }
            if (excluded.contains(node.id())) {
                passedOver.add(node);
                continue;
            }
            found = node;
            break;
        }
        queue.addAll(passedOver);
        return found;
    }

    void add(NodeUsage node) {
        queue.add(node);
    }

    /** Rebuilds the order after usage of queued nodes changed behind the queue's back. */
    void reorder() {
        PriorityQueue<NodeUsage> rebuilt = new PriorityQueue<>(Math.max(1, queue.size()), rank);
        rebuilt.addAll(queue);
        queue = rebuilt;
    }

    int size() {
        return queue.size();
    }
}
