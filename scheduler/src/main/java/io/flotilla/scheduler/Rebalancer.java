package io.flotilla.scheduler;

import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Spreads a settled replicated service's tasks again after nodes joined or came back — what
 * Swarm never does on its own. Runs when {@code service rebalance} asked for it (until nothing is
 * left to move: then {@code RebalanceDone}), or always for a service labelled
 * {@value #AUTO_LABEL}{@code =auto} once every eligible node has been READY for
 * {@link #DEBOUNCE} (a node that flaps does not make tasks flap).
 *
 * <p>A move replaces a running task on an over-loaded node by a new task in the same slot, which
 * the scheduler places; the old task stands in until the new one is ready (always start-first: a
 * rebalance never lowers the running count), then stops. At most {@code update_config.parallelism}
 * moves at a time (0: all), the next batch after {@code delay}.
 *
 * <p>Loads are counted as the scheduler counts them: per spread-preference label value, then per
 * node. The target is the node the scheduler itself will choose (lowest load, then fewest tasks,
 * then id, among nodes passing every filter); a task moves from a source only if that strictly
 * evens things out — at the first spread level where source and target differ, or per node when
 * they share every label, the source holds at least two more. Each move lowers the sum of squared
 * loads, level by level, so rebalancing ends; and it only runs when no task of the service
 * failed in the last {@link #DEBOUNCE}, so a replacement that cannot run elsewhere is not retried
 * in a loop.
 */
final class Rebalancer {
    static final String AUTO_LABEL = "io.flotilla.rebalance";
    static final Duration DEBOUNCE = Duration.ofSeconds(10);

    private final ClusterState state;
    private final Service service;
    private final List<Task> readyPrimaries;
    private final Instant lastReadyAt;
    private final OrchestratorChanges out;

    Rebalancer(ClusterState state, Service service, List<Task> readyPrimaries, Instant lastReadyAt,
               OrchestratorChanges out) {
        this.state = state;
        this.service = service;
        this.readyPrimaries = readyPrimaries;
        this.lastReadyAt = lastReadyAt;
        this.out = out;
    }

    void run() {
        boolean requested = service.rebalanceRequestedAt() != null;
        boolean auto = "auto".equals(service.spec().labels().get(AUTO_LABEL));
        if (!requested && !auto) {
            return;
        }
        if (Fencing.fenced(service.spec(), service.spec().task())) {
            // a move is start-first, which a fenced slot never is; its tasks stay where their data is
            if (requested) {
                out.rebalanceDone(service);
            }
            return;
        }
        ServiceUpdateStatus status = service.updateStatus();
        if (status != null && (status.state().inProgress() || status.state().paused())) {
            return; // an update owns the service; a paused one waits for the user
        }
        Instant now = out.now();
        if (recentFailure(now) || lastReadyAt != null && now.isBefore(lastReadyAt.plus(service.spec().updateConfig().delay()))) {
            return;
        }
        Map<String, NodeUsage> usage = out.usage(state);
        PlacementRequest request = PlacementRequest.of(service, service.spec().task());
        List<NodeUsage> eligible = new ArrayList<>();
        for (NodeUsage node : usage.values()) {
            if (PlacementFailures.firstFailing(request, node, true, false) < 0) {
                eligible.add(node);
            }
        }
        eligible.sort(Comparator.comparing(NodeUsage::id));
        if (!requested && !nodesStable(eligible, now)) {
            return;
        }
        Loads loads = new Loads(request.spreadLabels(), usage, service.id());
        Map<String, List<Task>> movable = new HashMap<>();
        for (Task task : readyPrimaries) {
            if (task.nodeId() != null) {
                movable.computeIfAbsent(task.nodeId(), n -> new ArrayList<>()).add(task);
            }
        }
        int parallelism = service.spec().updateConfig().parallelism();
        int limit = parallelism == 0 ? Integer.MAX_VALUE : parallelism;
        int moves = 0;
        while (moves < limit) {
            NodeUsage target = target(eligible, request, loads);
            NodeUsage source = target == null ? null : source(eligible, movable, loads, target);
            if (source == null) {
                break;
            }
            List<Task> onSource = movable.get(source.id());
            onSource.sort(Comparator.comparingInt(Task::slot));
            Task moved = onSource.removeLast();
            out.create(service, Slot.replicated(moved.slot()), 0, null);
            loads.move(source.node(), target.node());
            target.add(service.id(), request.reservations(), request.hostPorts());
            moves++;
        }
        if (moves == 0 && requested) {
            out.rebalanceDone(service);
        }
    }

    private boolean recentFailure(Instant now) {
        for (Task task : state.tasksOfService(service.id())) {
            if ((task.state() == TaskState.FAILED || task.state() == TaskState.REJECTED)
                    && now.isBefore(task.status().timestamp().plus(DEBOUNCE))) {
                return true;
            }
        }
        return false;
    }

    private static boolean nodesStable(List<NodeUsage> eligible, Instant now) {
        for (NodeUsage node : eligible) {
            Node n = node.node();
            Instant since = n.status().since();
            if (n.status().state() == NodeState.READY && since != null && now.isBefore(since.plus(DEBOUNCE))) {
                return false;
            }
        }
        return true;
    }

    /** The node the scheduler would pick for one more task of the service. */
    private static NodeUsage target(List<NodeUsage> eligible, PlacementRequest request, Loads loads) {
        NodeUsage best = null;
        for (NodeUsage node : eligible) {
            if (PlacementFailures.firstFailing(request, node, false, true) >= 0) {
                continue;
            }
            if (best == null || loads.compare(node.node(), best.node()) < 0
                    || loads.compare(node.node(), best.node()) == 0 && (node.tasks() < best.tasks()
                    || node.tasks() == best.tasks() && node.id().compareTo(best.id()) < 0)) {
                best = node;
            }
        }
        return best;
    }

    /** The most loaded node holding a movable task from which moving one to {@code target} evens things out. */
    private static NodeUsage source(List<NodeUsage> eligible, Map<String, List<Task>> movable, Loads loads,
                                    NodeUsage target) {
        List<NodeUsage> sources = new ArrayList<>();
        for (NodeUsage node : eligible) {
            List<Task> tasks = movable.get(node.id());
            if (tasks != null && !tasks.isEmpty() && !node.id().equals(target.id())) {
                sources.add(node);
            }
        }
        sources.sort((a, b) -> {
            int byLoad = loads.compare(b.node(), a.node());
            return byLoad != 0 ? byLoad : a.id().compareTo(b.id());
        });
        for (NodeUsage source : sources) {
            if (loads.improves(source.node(), target.node())) {
                return source;
            }
        }
        return null;
    }

    /** Tasks of the service per spread label value (one map per label, in order) and per node. */
    private static final class Loads {
        private final List<String> labels;
        private final List<Map<String, Integer>> perLabel = new ArrayList<>();
        private final Map<String, Integer> perNode = new HashMap<>();

        Loads(List<String> labels, Map<String, NodeUsage> usage, String serviceId) {
            this.labels = labels;
            for (String label : labels) {
                Map<String, Integer> counts = new HashMap<>();
                for (NodeUsage node : usage.values()) {
                    counts.merge(value(node.node(), label), node.tasksOf(serviceId), Integer::sum);
                }
                perLabel.add(counts);
            }
            for (NodeUsage node : usage.values()) {
                perNode.put(node.id(), node.tasksOf(serviceId));
            }
        }

        private static String value(Node node, String label) {
            return node.spec().labels().getOrDefault(label, "");
        }

        /** Lexicographic: spread levels first, then the node itself. */
        int compare(Node a, Node b) {
            for (int i = 0; i < labels.size(); i++) {
                int byLabel = Integer.compare(perLabel.get(i).getOrDefault(value(a, labels.get(i)), 0),
                        perLabel.get(i).getOrDefault(value(b, labels.get(i)), 0));
                if (byLabel != 0) {
                    return byLabel;
                }
            }
            return Integer.compare(perNode.getOrDefault(a.id(), 0), perNode.getOrDefault(b.id(), 0));
        }

        boolean improves(Node source, Node target) {
            for (int i = 0; i < labels.size(); i++) {
                String label = labels.get(i);
                String from = value(source, label);
                String to = value(target, label);
                if (!from.equals(to)) {
                    return perLabel.get(i).getOrDefault(from, 0) - perLabel.get(i).getOrDefault(to, 0) >= 2;
                }
            }
            return perNode.getOrDefault(source.id(), 0) - perNode.getOrDefault(target.id(), 0) >= 2;
        }

        void move(Node source, Node target) {
            for (int i = 0; i < labels.size(); i++) {
                perLabel.get(i).merge(value(source, labels.get(i)), -1, Integer::sum);
                perLabel.get(i).merge(value(target, labels.get(i)), 1, Integer::sum);
            }
            perNode.merge(source.id(), -1, Integer::sum);
            perNode.merge(target.id(), 1, Integer::sum);
        }
    }
}
