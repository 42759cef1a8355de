package io.flotilla.network;

import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * What a node's kernel holds of the overlay, as read before a reconcile: Flotilla's devices
 * ({@code fl-br-N}, {@code fl-vx-N}) with their addresses, the static forwarding and neighbour
 * entries on the VXLAN devices, and the iptables filter and nat tables. Nothing else is read into
 * it, so nothing else can be changed from it.
 */
record KernelState(Map<String, Link> links, Set<FdbEntry> fdb, Set<NeighbourEntry> neighbours,
                   IptablesTable filter, IptablesTable nat) {
    KernelState {
        links = Map.copyOf(links);
        fdb = Set.copyOf(fdb);
        neighbours = Set.copyOf(neighbours);
    }

    /**
     * A network device.
     *
     * @param addresses its IPv4 addresses with their prefix ({@code 10.0.1.1/24})
     * @param vxlan     the VXLAN attributes when it is one, else null
     */
    record Link(String name, String kind, String master, int mtu, boolean up, String mac,
                Set<String> addresses, Vxlan vxlan) {
        Link {
            addresses = Set.copyOf(addresses);
        }
    }

    /** What {@code ip -d link} shows of a VXLAN device (local is null when it has none). */
    record Vxlan(int vni, String local, int port, boolean learning, boolean proxy) {}

    /** A forwarding entry of a VXLAN device: frames to {@code mac} are tunnelled to {@code destination}. */
    record FdbEntry(String device, String mac, String destination) {}

    /** A permanent neighbour entry: the VXLAN device's proxy answers ARP for {@code address} with {@code mac}. */
    record NeighbourEntry(String device, String address, String mac) {}

    /**
     * One iptables table as {@code iptables -S} prints it: its chains, and each chain's rules in
     * order, each as the printed {@code -A CHAIN …} line (the form the desired rules are built in).
     */
    record IptablesTable(Set<String> chains, Map<String, List<String>> rules) {
        IptablesTable {
            chains = Set.copyOf(chains);
            rules = Map.copyOf(rules);
        }

        List<String> rules(String chain) {
            return rules.getOrDefault(chain, List.of());
        }

        boolean has(String chain) {
            return chains.contains(chain);
        }
    }
}
