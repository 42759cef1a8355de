package io.flotilla.scheduler;

import io.flotilla.model.Command;
import io.flotilla.model.Command.Assignment;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Places one group of identical tasks (same service, same version, so same request). See
 * {@link Scheduler} for the rules; this class holds the per-group working set: the nodes still
 * feasible, why the others were ruled out, and the spread-preference counts.
 */
final class GroupPlacement {
    private final Service service;
    private final List<Task> tasks;
    private final List<NodeUsage> allNodes;
    private final Map<String, NodeUsage> usage;
    private final Dependencies dependencies;
    private final Instant now;
    private final List<Assignment> assignments;
    private final List<Command.TaskStatusUpdate> pending;
    private final PlacementRequest request;
    /** Per spread label: label value (empty when the node lacks it) → tasks of this service there. */
    private final List<Map<String, Integer>> spreadCounts = new ArrayList<>();
    /** Without spread preferences: the feasible nodes ranked, so each choice is O(log nodes). */
    private NodeQueue queue;
    private final boolean rankedChoice;
    private final SlotRules slotRules;
    /** Tasks of this group may be bound to a node or prefer one: chosen by a scan, not the queue. */
    private final boolean perTaskRules;

    GroupPlacement(Service service, List<Task> tasks, List<NodeUsage> allNodes, Map<String, NodeUsage> usage,
                   Dependencies dependencies, Instant now, List<Assignment> assignments,
                   List<Command.TaskStatusUpdate> pending, boolean rankedChoice, SlotRules slotRules) {
        this.rankedChoice = rankedChoice;
        this.slotRules = slotRules;
        this.perTaskRules = SlotRules.hasRules(service, tasks.getFirst().spec());
        this.service = service;
        this.tasks = tasks;
        this.allNodes = allNodes;
        this.usage = usage;
        this.dependencies = dependencies;
        this.now = now;
        this.assignments = assignments;
        this.pending = pending;
        this.request = PlacementRequest.of(service, tasks.getFirst().spec());
    }

    void run() {
        List<NodeUsage> feasible = null;
        PlacementFailures failures = null;
        queue = null;
        for (Task task : tasks) {
            if (task.notBefore() != null && now.isBefore(task.notBefore())) {
                Scheduler.markPending(task, Scheduler.backoffReason(task), now, pending);
                continue;
            }
            Dependencies.Resolution resolution = dependencies.resolve(service);
            if (resolution.waitingReason() != null) {
                Scheduler.markPending(task, resolution.waitingReason(), now, pending);
                continue;
            }
            SlotRules.TaskRules rules = slotRules.of(service, task);
            if (rules.waitReason() != null) {
                Scheduler.markPending(task, rules.waitReason(), now, pending);
                continue;
            }
            if (task.nodeId() != null) {
                if (rules.requiredNode() != null && !rules.requiredNode().equals(task.nodeId())) {
                    // a global task is tied to its node: it cannot use a local volume that lives on another
                    Scheduler.markPending(task, "volume " + rules.requiredBecause() + " is on node "
                            + rules.requiredNode() + ": the task of this node cannot use it (a local volume lives on"
                            + " one node; use a glusterfs volume to share it)", now, pending);
                    continue;
                }
                placeOnGivenNode(task, resolution);
                continue;
            }
            if (feasible == null) {
                failures = new PlacementFailures();
                feasible = staticallyFeasible(failures);
                initSpread();
                if (spreadCounts.isEmpty() && rankedChoice && !perTaskRules) {
                    queue = new NodeQueue(service.id(), feasible);
                }
            }
            if (rules.requiredNode() != null) {
                placeOnBoundNode(task, resolution, rules);
                continue;
            }
            NodeUsage best = queue != null ? queue.pollBest(request, failures, rules.refused().keySet())
                    : scanBest(feasible, failures, rules);
            if (best == null) {
                Scheduler.markPending(task, failures.reason(request, slotRules.refusals(rules.refused())), now, pending);
                continue;
            }
            assign(task, best, resolution);
            if (queue != null) {
                queue.add(best); // its counts grew: back in at its new place
            }
        }
    }

    /**
     * The best node passing the dynamic filters, by a scan of every node still feasible (needed
     * with spread preferences: one assignment changes the rank of every node sharing its label).
     */
    private NodeUsage scanBest(List<NodeUsage> feasible, PlacementFailures failures, SlotRules.TaskRules rules) {
        NodeUsage best = null;
        NodeUsage preferred = null;
        int kept = 0;
        for (NodeUsage node : feasible) {
            int failing = PlacementFailures.firstFailing(request, node, false, true);
            if (failing >= 0) {
                failures.count(failing); // dropped for the rest of the group: usage only grows
                continue;
            }
            feasible.set(kept++, node);
            if (rules.refuses(node.id())) {
                continue; // refused this slot's task lately: not for this task, still for the others
            }
            if (node.id().equals(rules.preferredNode())) {
                preferred = node; // restart in place
            }
            if (best == null || better(node, best)) {
                best = node;
            }
        }
        feasible.subList(kept, feasible.size()).clear();
        return preferred != null ? preferred : best;
    }

    /**
     * The task's node-local volume holds it to one node (see {@link SlotRules}): there or nowhere,
     * and the pending reason names the node and the volume.
     */
    private void placeOnBoundNode(Task task, Dependencies.Resolution resolution, SlotRules.TaskRules rules) {
        NodeUsage node = usage.get(rules.requiredNode());
        String holds = "the task must run on node " + SlotRules.name(node == null ? null : node.node(), rules.requiredNode())
                + ", which holds volume " + rules.requiredBecause();
        if (node == null) {
            Scheduler.markPending(task, "waiting: " + holds + ", and that node is gone", now, pending);
            return;
        }
        if (rules.refuses(node.id())) {
            Scheduler.markPending(task, "waiting: " + holds + "; " + slotRules.refusals(
                    Map.of(node.id(), rules.refused().get(node.id()))), now, pending);
            return;
        }
        int failing = PlacementFailures.firstFailing(request, node, true, true);
        if (failing >= 0) {
            PlacementFailures one = new PlacementFailures();
            one.count(failing);
            Scheduler.markPending(task, one.reason(request) + "; " + holds, now, pending);
            return;
        }
        assign(task, node, resolution);
    }

    private void placeOnGivenNode(Task task, Dependencies.Resolution resolution) {
        NodeUsage node = usage.get(task.nodeId());
        if (node == null) {
            Scheduler.markPending(task, "no suitable node (node " + task.nodeId() + " not found)", now, pending);
            return;
        }
        int failing = PlacementFailures.firstFailing(request, node, true, true);
        if (failing >= 0) {
            PlacementFailures one = new PlacementFailures();
            one.count(failing);
            Scheduler.markPending(task, one.reason(request), now, pending);
            return;
        }
        assign(task, node, resolution);
        if (queue != null) {
            queue.reorder(); // that node's rank changed while it sat in the queue
        }
    }

    private List<NodeUsage> staticallyFeasible(PlacementFailures failures) {
        List<NodeUsage> feasible = new ArrayList<>();
        for (NodeUsage node : allNodes) {
            int failing = PlacementFailures.firstFailing(request, node, true, false);
            if (failing >= 0) {
                failures.count(failing);
            } else {
                feasible.add(node);
            }
        }
        return feasible;
    }

    private void initSpread() {
        for (String label : request.spreadLabels()) {
            Map<String, Integer> counts = new HashMap<>();
            for (NodeUsage node : allNodes) {
                counts.merge(labelValue(node, label), node.tasksOf(service.id()), Integer::sum);
            }
            spreadCounts.add(counts);
        }
    }

    private static String labelValue(NodeUsage node, String label) {
        return node.node().spec().labels().getOrDefault(label, "");
    }

    private boolean better(NodeUsage candidate, NodeUsage best) {
        for (int i = 0; i < spreadCounts.size(); i++) {
            String label = request.spreadLabels().get(i);
            int a = spreadCounts.get(i).getOrDefault(labelValue(candidate, label), 0);
            int b = spreadCounts.get(i).getOrDefault(labelValue(best, label), 0);
            if (a != b) {
                return a < b;
            }
        }
        int a = candidate.tasksOf(service.id());
        int b = best.tasksOf(service.id());
        if (a != b) {
            return a < b;
        }
        if (candidate.tasks() != best.tasks()) {
            return candidate.tasks() < best.tasks();
        }
        return candidate.id().compareTo(best.id()) < 0;
    }

    private void assign(Task task, NodeUsage node, Dependencies.Resolution resolution) {
        TaskAllocation allocation = Fencing.allocation(service, task)
                .withDependencyAddresses(dependencies.environment(resolution, task));
        assignments.add(new Assignment(task.id(), node.id(), allocation));
        slotRules.assigned(service, task, node.id());
        node.add(service.id(), request.reservations(), request.hostPorts());
        for (int i = 0; i < spreadCounts.size(); i++) {
            spreadCounts.get(i).merge(labelValue(node, request.spreadLabels().get(i)), 1, Integer::sum);
        }
    }
}
