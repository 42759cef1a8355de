package io.flotilla.scheduler;

import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * What a reconcile pass must look at: everything, or the services and slots whose spec or tasks
 * changed since the last pass, and the nodes that changed (a removed node orphans its tasks).
 * Built from the log by {@link ChangeTracker}; a pass over a scope visits only its slots, so its
 * cost follows the changes, not the size of the cluster.
 *
 * @param everything    true: look at every service and slot (the first pass of a leader, and the
 *                      periodic full pass that keeps the loop level-triggered)
 * @param wholeServices services to reconcile whole (their spec or status changed)
 * @param slots         per service, the slot keys ({@link io.flotilla.state.ClusterState#slotKey}) whose tasks changed
 * @param nodes         nodes that changed
 * @param slotsFrom     per replicated service, a range of slots: every slot numbered from this one
 *                      up to its replicas (a bounded pass deferred that many empty slots; a pass
 *                      walks them in order only until its creations are spent, see
 *                      {@link OrchestratorChanges#deferFrom})
 */
public record ReconcileScope(boolean everything, Set<String> wholeServices, Map<String, Set<Object>> slots,
                             Set<String> nodes, Map<String, Integer> slotsFrom) {
    private static final ReconcileScope EVERYTHING = new ReconcileScope(true, Set.of(), Map.of(), Set.of());

    public ReconcileScope {
        wholeServices = Set.copyOf(wholeServices);
        slots = Map.copyOf(slots);
        nodes = Set.copyOf(nodes);
        slotsFrom = Map.copyOf(slotsFrom);
    }

    /** A scope without slot ranges. */
    public ReconcileScope(boolean everything, Set<String> wholeServices, Map<String, Set<Object>> slots, Set<String> nodes) {
        this(everything, wholeServices, slots, nodes, Map.of());
    }

    public static ReconcileScope all() {
        return EVERYTHING;
    }

    public static ReconcileScope nothing() {
        return new ReconcileScope(false, Set.of(), Map.of(), Set.of());
    }

    public boolean isEmpty() {
        return !everything && wholeServices.isEmpty() && slots.isEmpty() && nodes.isEmpty() && slotsFrom.isEmpty();
    }

    /** Every service in scope, whole or by slots, sorted (passes decide in a fixed order). */
    Set<String> serviceIds() {
        TreeSet<String> ids = new TreeSet<>(wholeServices);
        ids.addAll(slots.keySet());
        ids.addAll(slotsFrom.keySet());
        return ids;
    }

    /** How many slots the scope names (for logs). */
    public int slotCount() {
        return slots.values().stream().mapToInt(Set::size).sum();
    }

    @Override
    public String toString() {
        return everything ? "everything" : "services " + new TreeSet<>(wholeServices) + ", slots of "
                + new TreeMap<>(Map.copyOf(slots)).keySet() + " (" + slotCount() + "), nodes " + nodes.size()
                + (slotsFrom.isEmpty() ? "" : ", slots from " + new TreeMap<>(slotsFrom));
    }
}
