package io.flotilla.scheduler;

import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeState;
import io.flotilla.model.Resources;
import io.flotilla.model.TaskTemplate;
import java.util.List;
import java.util.Set;

/**
 * One reason a node can or cannot take a task, as SwarmKit's pipeline filters: {@link #check}
 * decides, {@link #explain} tells the user how many nodes it ruled out ("insufficient memory on
 * 2 nodes"). Texts are stable (no counters that change by the tick) because the scheduler writes
 * a pending reason only when its text changes.
 *
 * <p>Static filters depend only on the node and the request, so the scheduler evaluates them once
 * per group of identical tasks. Dynamic ones depend on what is placed; what is placed only grows
 * during one {@code place()} call, so a node that fails a dynamic filter for one task of a group
 * fails it for the rest of the group too.
 */
sealed interface PlacementFilter {
    /** All filters, in the order their explanations are shown. */
    List<PlacementFilter> ALL = List.of(new NodeAvailable(), new DriverAvailable(), new ConstraintsMatch(),
            new MaxReplicasPerNode(), new HostPortFree(), new EnoughCpu(), new EnoughMemory());

    boolean check(PlacementRequest request, NodeUsage node);

    String explain(int nodes);

    /** The explanation for this request; filters whose words depend on what is asked override it. */
    default String explain(PlacementRequest request, int nodes) {
        return explain(nodes);
    }

    boolean isStatic();

    static String nodes(int count) {
        return count + (count == 1 ? " node" : " nodes");
    }

    /** The node is READY and its availability is ACTIVE (pause and drain take no new tasks). */
    record NodeAvailable() implements PlacementFilter {
        public boolean check(PlacementRequest request, NodeUsage node) {
            return node.node().status().state() == NodeState.READY
                    && node.node().spec().availability() == NodeAvailability.ACTIVE;
        }

        public String explain(int nodes) {
            return PlacementFilter.nodes(nodes) + " not available";
        }

        public boolean isStatic() {
            return true;
        }
    }

    /** The node runs the task's driver; a node that reports no drivers runs processes only. */
    record DriverAvailable() implements PlacementFilter {
        public boolean check(PlacementRequest request, NodeUsage node) {
            Set<String> drivers = node.node().status().drivers();
            return drivers.isEmpty() ? TaskTemplate.PROCESS.equals(request.driver()) : drivers.contains(request.driver());
        }

        public String explain(int nodes) {
            return "driver not available on " + PlacementFilter.nodes(nodes);
        }

        @Override
        public String explain(PlacementRequest request, int nodes) {
            return "the " + request.driver() + " driver is not available on " + PlacementFilter.nodes(nodes);
        }

        public boolean isStatic() {
            return true;
        }
    }

    record ConstraintsMatch() implements PlacementFilter {
        public boolean check(PlacementRequest request, NodeUsage node) {
            for (Constraint constraint : request.constraints()) {
                if (!constraint.matches(node.node())) {
                    return false;
                }
            }
            return true;
        }

        public String explain(int nodes) {
            return "scheduling constraints not satisfied on " + PlacementFilter.nodes(nodes);
        }

        public boolean isStatic() {
            return true;
        }
    }

    /** deploy.placement.max_replicas_per_node: tasks of the service on the node that have not ended. */
    record MaxReplicasPerNode() implements PlacementFilter {
        public boolean check(PlacementRequest request, NodeUsage node) {
            Integer max = request.maxReplicasPerNode();
            return max == null || max <= 0 || node.tasksOf(request.serviceId()) < max;
        }

        public String explain(int nodes) {
            return "max replicas per node reached on " + PlacementFilter.nodes(nodes);
        }

        public boolean isStatic() {
            return false;
        }
    }

    /** Two tasks publishing the same port in host mode cannot share a node. */
    record HostPortFree() implements PlacementFilter {
        public boolean check(PlacementRequest request, NodeUsage node) {
            for (String port : request.hostPorts()) {
                if (node.usesHostPort(port)) {
                    return false;
                }
            }
            return true;
        }

        public String explain(int nodes) {
            return "host-mode port already in use on " + PlacementFilter.nodes(nodes);
        }

        public boolean isStatic() {
            return false;
        }
    }

    /**
     * Reservations must fit what the node offers. A node that reports 0 for a resource has not
     * measured it: we treat it as unlimited rather than full, so a cluster of nodes that report
     * nothing still runs tasks with reservations (the agent enforces limits, not reservations).
     */
    record EnoughCpu() implements PlacementFilter {
        public boolean check(PlacementRequest request, NodeUsage node) {
            Resources offered = node.node().status().resources();
            long asked = request.reservations().nanoCpus();
            return asked == 0 || offered.nanoCpus() == 0 || node.reservedNanoCpus() + asked <= offered.nanoCpus();
        }

        public String explain(int nodes) {
            return "insufficient cpu on " + PlacementFilter.nodes(nodes);
        }

        public boolean isStatic() {
            return false;
        }
    }

    /** As {@link EnoughCpu}, for memory. */
    record EnoughMemory() implements PlacementFilter {
        public boolean check(PlacementRequest request, NodeUsage node) {
            Resources offered = node.node().status().resources();
            long asked = request.reservations().memoryBytes();
            return asked == 0 || offered.memoryBytes() == 0
                    || node.reservedMemoryBytes() + asked <= offered.memoryBytes();
        }

        public String explain(int nodes) {
            return "insufficient memory on " + PlacementFilter.nodes(nodes);
        }

        public boolean isStatic() {
            return false;
        }
    }
}
