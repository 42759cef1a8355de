package io.flotilla.model;

import java.time.Instant;
import java.util.Map;

/**
 * A named volume as the cluster state holds it. It appears when a task that uses it is first
 * assigned, outlives its tasks and its stack (unless {@code stack rm --volumes} or
 * {@code volume rm}), and for the {@code local} driver remembers the node that holds its data.
 *
 * @param name      the cluster-wide name ({@code shop_data}, {@code shop_data-1} for a slot)
 * @param options   driver, driver options, labels, external
 * @param stack     the stack whose file declared it; null for an external volume
 * @param nodeId    for a node-local driver, the node that holds the data (a task using the volume
 *                  runs only there); null for a replicated driver such as glusterfs
 * @param createdAt when it was first assigned
 * @param service   the full name of the service that first used it (for {@code volume ls})
 * @param slot      the slot it belongs to for a stateful service's per-slot volume, else 0
 */
public record Volume(String name, VolumeOptions options, String stack, String nodeId, Instant createdAt,
                     String service, int slot) {
    public Volume {
        Checks.requireText(name, "volume name");
        options = options == null ? VolumeOptions.DEFAULT : options;
        java.util.Objects.requireNonNull(createdAt, "createdAt");
    }

    public String driver() {
        return options.driver();
    }

    public Volume withNode(String newNodeId) {
        return new Volume(name, options, stack, newNodeId, createdAt, service, slot);
    }

    /** Labels, for convenience. */
    public Map<String, String> labels() {
        return options.labels();
    }
}
