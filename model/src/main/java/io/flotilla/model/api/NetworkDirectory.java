package io.flotilla.model.api;

import java.util.List;

/**
 * What one node must know of the overlay networks it has tasks on, made by the managers from the
 * state and carried by the node's session: enough to program its data plane (the bridge and VXLAN
 * device of each network, the static entries of every remote endpoint), to answer names inside
 * its tasks (DNS by network: a task sees only the services of its own networks) and to serve each
 * service's virtual address on each network (the mesh).
 *
 * @param networks the networks with at least one task on this node, by name
 */
public record NetworkDirectory(List<NetworkEntry> networks) {
    public static final NetworkDirectory EMPTY = new NetworkDirectory(List.of());

    public NetworkDirectory {
        networks = networks == null ? List.of() : List.copyOf(networks);
    }

    /**
     * One network as this node sees it.
     *
     * @param nodeAddress this node's own address on the network (the mesh's source address toward
     *                    tasks: the gateway is on every node, so a reply to it would stay on the
     *                    remote node); null until allocated
     * @param services    the services on the network, with the names and VIP they answer to on it
     * @param endpoints   every task address on the network, on this node and others
     * @param peers       the other nodes on the network with their own address on it (the mesh of
     *                    each connects from it: replies to it must find its node)
     */
    public record NetworkEntry(String name, String stack, int vni, String subnet, String gateway, boolean internal,
                               String nodeAddress, List<ServiceEntry> services, List<EndpointEntry> endpoints,
                               List<PeerEntry> peers) {
        public NetworkEntry {
            services = services == null ? List.of() : List.copyOf(services);
            endpoints = endpoints == null ? List.of() : List.copyOf(endpoints);
            peers = peers == null ? List.of() : List.copyOf(peers);
        }

        public NetworkEntry(String name, String stack, int vni, String subnet, String gateway, boolean internal,
                            String nodeAddress, List<ServiceEntry> services, List<EndpointEntry> endpoints) {
            this(name, stack, vni, subnet, gateway, internal, nodeAddress, services, endpoints, List.of());
        }
    }

    /**
     * Another node on a network: its underlay address (its VXLAN endpoint) and its own address on
     * the network.
     */
    public record PeerEntry(String nodeId, String nodeAddress, String address) {}

    /**
     * A service on a network.
     *
     * @param name      the full name ({@code shop_web})
     * @param shortName the name within its stack ({@code web}); the full name outside a stack
     * @param stack     null outside a stack
     * @param aliases   the extra names it answers to on this network (Compose's {@code aliases})
     * @param vip       its virtual address on this network ({@code endpoint_mode: vip}); null for
     *                  {@code dnsrr}: its name answers the tasks' addresses
     * @param stateful  each slot answers to its own name ({@code db-1.db.shop.flotilla})
     * @param ports     the target ports its VIP serves (its declared {@code ports} and {@code expose});
     *                  a service without any gets no VIP: its name answers its tasks' addresses, on
     *                  which every port works
     */
    public record ServiceEntry(String name, String shortName, String stack, List<String> aliases, String vip,
                               boolean stateful, List<Integer> ports) {
        public ServiceEntry {
            aliases = aliases == null ? List.of() : List.copyOf(aliases);
            ports = ports == null ? List.of() : List.copyOf(ports);
        }

        public ServiceEntry(String name, String shortName, String stack, List<String> aliases, String vip,
                            boolean stateful) {
            this(name, shortName, stack, aliases, vip, stateful, List.of());
        }
    }

    /**
     * A task's address on a network.
     *
     * @param slot        the task's slot (0 for a global service's task)
     * @param nodeAddress the underlay address of the task's node (its VXLAN endpoint)
     * @param ready       running (and healthy, when it has a health check): names answer only ready endpoints
     */
    public record EndpointEntry(String address, String taskId, String service, int slot, String nodeId,
                                String nodeAddress, boolean ready) {}
}
