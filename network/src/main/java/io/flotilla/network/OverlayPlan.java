package io.flotilla.network;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * What one node's kernel must hold for the overlay networks: its underlay (the address VXLAN
 * packets leave from and the MTU of the interface that carries them) and every network it runs a
 * task of. Pure data made from the cluster state; {@link OverlayDataPlane#reconcile} makes the
 * kernel match it, whatever it holds before.
 *
 * @param underlayAddress the node's address on the underlay (its advertise address)
 * @param underlayMtu     the underlay interface's MTU; the overlay's is 50 less (VXLAN over IPv4)
 * @param networks        the networks, no two with one name, VNI or overlapping subnet
 */
public record OverlayPlan(String underlayAddress, int underlayMtu, List<NetworkPlan> networks) {
    /** Outer IPv4 (20) + UDP (8) + VXLAN (8) + inner Ethernet (14). */
    public static final int VXLAN_OVERHEAD = 50;

    public OverlayPlan {
        underlayAddress = Ipv4.canonical(underlayAddress);
        if (underlayMtu < 576 + VXLAN_OVERHEAD || underlayMtu > 65535) {
            throw new IllegalArgumentException("an underlay MTU from " + (576 + VXLAN_OVERHEAD) + " to 65535, not " + underlayMtu);
        }
        networks = List.copyOf(networks == null ? List.of() : networks);
        Map<Integer, String> vnis = new HashMap<>();
        Map<String, Cidr> subnets = new HashMap<>();
        for (NetworkPlan network : networks) {
            String other = vnis.putIfAbsent(network.vni(), network.name());
            if (other != null) {
                throw new IllegalArgumentException("networks " + other + " and " + network.name() + " have one VNI, " + network.vni());
            }
            Cidr subnet = Cidr.parse(network.subnet());
            for (Map.Entry<String, Cidr> entry : subnets.entrySet()) {
                if (entry.getValue().overlaps(subnet)) {
                    throw new IllegalArgumentException("networks " + entry.getKey() + " and " + network.name()
                            + " have overlapping subnets, " + entry.getValue() + " and " + subnet);
                }
            }
            if (subnets.put(network.name(), subnet) != null) {
                throw new IllegalArgumentException("network " + network.name() + " is listed twice");
            }
        }
    }

    /** The MTU of every overlay device and task interface. */
    public int overlayMtu() {
        return underlayMtu - VXLAN_OVERHEAD;
    }

    /** No network: applying it removes everything Flotilla put in the kernel. */
    public static OverlayPlan empty(String underlayAddress, int underlayMtu) {
        return new OverlayPlan(underlayAddress, underlayMtu, List.of());
    }
}
