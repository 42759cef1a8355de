package io.flotilla.scheduler;

import java.util.ArrayList;
import java.util.List;

/** Counts, per filter, the nodes it ruled out (each node counted once, at its first failing filter). */
final class PlacementFailures {
    private final int[] counts = new int[PlacementFilter.ALL.size()];

    void count(int filterIndex) {
        counts[filterIndex]++;
    }

    PlacementFailures copy() {
        PlacementFailures copy = new PlacementFailures();
        System.arraycopy(counts, 0, copy.counts, 0, counts.length);
        return copy;
    }

    /** SwarmKit style: {@code no suitable node (insufficient memory on 1 node; 1 node not available)}. */
    String reason(PlacementRequest request) {
        return reason(request, "");
    }

    /** With {@code more} (nodes that refused the slot's task, say) after the filters' words; empty: none. */
    String reason(PlacementRequest request, String more) {
        List<String> parts = new ArrayList<>();
        for (int i = 0; i < counts.length; i++) {
            if (counts[i] > 0) {
                parts.add(PlacementFilter.ALL.get(i).explain(request, counts[i]));
            }
        }
        if (!more.isEmpty()) {
            parts.add(more);
        }
        return "no suitable node (" + (parts.isEmpty() ? "no nodes in the cluster" : String.join("; ", parts)) + ")";
    }

    /** Index of the first filter {@code node} fails, from {@code from} on; -1 when it passes all. */
    static int firstFailing(PlacementRequest request, NodeUsage node, boolean staticOnes, boolean dynamicOnes) {
        for (int i = 0; i < PlacementFilter.ALL.size(); i++) {
            PlacementFilter filter = PlacementFilter.ALL.get(i);
            if ((filter.isStatic() ? staticOnes : dynamicOnes) && !filter.check(request, node)) {
                return i;
            }
        }
        return -1;
    }
}
