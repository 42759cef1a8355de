package io.flotilla.model.api;

import io.flotilla.model.Network;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A network as {@code GET /v1/networks} and {@code GET /v1/networks/{name}} show it ({@code flotilla
 * network ls|inspect}): the spec, what the managers allocated, and the live tasks on it with their
 * addresses.
 *
 * @param stack   the stack that owns it; null for one made with {@code network create}
 * @param driver  always {@code overlay}
 * @param scope   always {@code swarm}: the network spans the cluster (Docker's column)
 * @param tasks   the tasks that hold an address on it now, by task name
 */
public record NetworkInfo(String id, String name, String stack, String driver, String scope, boolean internal,
                          boolean attachable, Map<String, String> labels, String subnet, String gateway, int vni,
                          Instant createdAt, List<TaskEndpoint> tasks) {
    public NetworkInfo {
        labels = labels == null ? Map.of() : Map.copyOf(labels);
        tasks = tasks == null ? List.of() : List.copyOf(tasks);
    }

    /** A task's address on the network, and where the task runs. */
    public record TaskEndpoint(String taskId, String taskName, String serviceName, String nodeId, String address) {}

    /** The info of {@code network} with these tasks. */
    public static NetworkInfo of(Network network, List<TaskEndpoint> tasks) {
        return new NetworkInfo(network.id(), network.name(), network.spec().stack(), io.flotilla.model.NetworkSpec.OVERLAY,
                "swarm", network.spec().internal(), network.spec().attachable(), network.spec().labels(),
                network.subnet(), network.gateway(), network.vni(), network.createdAt(), tasks);
    }
}
