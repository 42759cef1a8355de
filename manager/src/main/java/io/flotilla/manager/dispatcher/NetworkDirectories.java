package io.flotilla.manager.dispatcher;

import io.flotilla.discovery.ServiceEndpoints;
import io.flotilla.model.Network;
import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.Node;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.PeerEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import io.flotilla.state.ClusterState;
import io.flotilla.state.NetworkTable;
import io.flotilla.state.StateStamps;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What one node must know of its overlay networks ({@link NetworkDirectory}), made from the state
 * for its session: every network on which it has a task holding an address (a network being
 * removed included, while its last tasks end), each with its layout, the node's own address there,
 * the services attached to it, every task address on it and the other nodes on it. Pure; it reads
 * only the node's networks (their addresses are indexed by network in the state), never all tasks.
 *
 * <p>A service answers on a network with its virtual address only in {@code endpoint_mode: vip}
 * and when it has ports (a VIP serves only its target ports: a service without any is found by
 * its tasks' addresses, on which every port works). An endpoint is ready exactly when the
 * registry counts the task as an endpoint ({@link ServiceEndpoints#isEndpoint}: running, wanted
 * running, healthy when it has a health check, on a ready node), so names on the overlay and the
 * registry's names agree.
 *
 * <p>What wakes a node's poll when this changes is the state's network stamps
 * ({@link StateStamps#nodeSessionChangedSince}): a network of the node changed (its addresses),
 * an endpoint's readiness or node on it changed, or a service's spec changed.
 */
public final class NetworkDirectories {
    private NetworkDirectories() {}

    /** Node {@code nodeId}'s directory in {@code state}: its networks by name. */
    public static NetworkDirectory of(ClusterState state, String nodeId) {
        NetworkTable table = state.networks();
        Set<String> names = table.networksOnNode(nodeId);
        if (names.isEmpty()) {
            return NetworkDirectory.EMPTY;
        }
        Map<String, String> own = table.nodeAddresses(nodeId);
        Map<String, List<ServiceEntry>> services = services(state, names);
        Map<String, String> underlay = new HashMap<>();
        List<NetworkEntry> entries = new ArrayList<>(names.size());
        for (String name : names) {
            Network network = table.network(name).orElse(null);
            if (network == null) {
                continue;
            }
            List<EndpointEntry> endpoints = new ArrayList<>();
            List<PeerEntry> peers = new ArrayList<>();
            for (NetworkTable.Endpoint endpoint : table.endpoints(name)) {
                String nodeAddress = underlay.computeIfAbsent(endpoint.nodeId(), id -> state.node(id)
                        .map(node -> node.status().address()).orElse(""));
                String underlayAddress = nodeAddress.isEmpty() ? null : nodeAddress;
                if (endpoint.taskId() == null) {
                    if (!endpoint.nodeId().equals(nodeId)) {
                        peers.add(new PeerEntry(endpoint.nodeId(), underlayAddress, endpoint.address()));
                    }
                    continue;
                }
                Task task = state.task(endpoint.taskId()).orElse(null);
                if (task != null) {
                    Node node = state.node(endpoint.nodeId()).orElse(null);
                    endpoints.add(new EndpointEntry(endpoint.address(), task.id(), task.serviceName(), task.slot(),
                            endpoint.nodeId(), underlayAddress, ServiceEndpoints.isEndpoint(task, node)));
                }
            }
            entries.add(new NetworkEntry(name, network.spec().stack(), network.vni(), network.subnet(),
                    network.gateway(), network.spec().internal(), own.get(name),
                    services.getOrDefault(name, List.of()), endpoints, peers));
        }
        return new NetworkDirectory(entries);
    }

    /** The services attached to each of {@code names}, by full name. */
    private static Map<String, List<ServiceEntry>> services(ClusterState state, Set<String> names) {
        Map<String, List<ServiceEntry>> result = new HashMap<>();
        for (Service service : state.services()) {
            ServiceSpec spec = service.spec();
            Map<String, String> vips = null;
            for (NetworkAttachment attachment : spec.task().networks()) {
                if (!names.contains(attachment.network())) {
                    continue;
                }
                if (vips == null) {
                    vips = hasVirtualAddress(spec) ? state.networks().virtualAddressesOf(service.id()) : Map.of();
                }
                result.computeIfAbsent(attachment.network(), name -> new ArrayList<>()).add(new ServiceEntry(
                        spec.name(), spec.shortName(), spec.stack(), attachment.aliases(),
                        vips.get(attachment.network()), spec.stateful(), targetPorts(spec)));
            }
        }
        result.values().forEach(list -> list.sort(Comparator.comparing(ServiceEntry::name)));
        return result;
    }

    /**
     * Every service in {@code endpoint_mode: vip} has its VIP, ports declared or not: the node's
     * mesh serves every TCP port of a VIP (a Compose {@code db} on 5432 usually declares no
     * {@code ports:}), so its name answers the VIP; {@code dnsrr} answers the tasks.
     */
    static boolean hasVirtualAddress(ServiceSpec spec) {
        return spec.virtualAddress();
    }

    private static List<Integer> targetPorts(ServiceSpec spec) {
        Set<Integer> ports = new LinkedHashSet<>();
        for (PortSpec port : spec.ports()) {
            ports.add(port.target());
        }
        return List.copyOf(ports);
    }
}
