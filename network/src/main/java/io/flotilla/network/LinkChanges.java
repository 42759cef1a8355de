package io.flotilla.network;

import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The devices, addresses, forwarding and neighbour entries that take a kernel from what it holds
 * to what the plan says, as command lines; nothing when they match. Pure: the data plane reads
 * the {@link KernelState}, asks this, and runs the answer in order.
 *
 * <p>Per network: the bridge {@code fl-br-<vni>} (MTU, {@link NetworkPlan#bridgeMac}, up) with the gateway,
 * the node's own address and the local addresses; the VXLAN device {@code fl-vx-<vni>} ({@code nolearning proxy}: no flooding,
 * ARP answered on the node from the neighbour table) enslaved to it; per remote endpoint one
 * forwarding entry (its MAC to its node) and one neighbour entry (its address to its MAC). A
 * VXLAN device whose id, local address, port or flags differ is made anew, its entries with it.
 * Entries are added forwarding first (a MAC has somewhere to go before ARP names it) and removed
 * neighbour first. A device of a network no longer planned is removed, which takes its entries.
 */
final class LinkChanges {
    static final int VXLAN_PORT = 4789;

    private LinkChanges() {}

    static List<List<String>> between(KernelState kernel, OverlayPlan plan) {
        List<List<String>> commands = new ArrayList<>();
        Set<Integer> planned = new LinkedHashSet<>();
        plan.networks().forEach(network -> planned.add(network.vni()));
        kernel.links().values().stream()
                .filter(link -> !planned.contains(OverlayNames.overlayDeviceVni(link.name()).orElseThrow()))
                .sorted(Comparator.comparing((KernelState.Link link) -> OverlayNames.isBridge(link.name()))
                        .thenComparing(KernelState.Link::name))
                .forEach(link -> commands.add(List.of("ip", "link", "del", "dev", link.name())));
        for (NetworkPlan network : plan.networks()) {
            bridge(commands, kernel, plan, network);
            boolean fresh = vxlan(commands, kernel, plan, network);
            entries(commands, kernel, network, fresh);
        }
        return commands;
    }

    private static void bridge(List<List<String>> commands, KernelState kernel, OverlayPlan plan, NetworkPlan network) {
        String name = network.bridge();
        String mac = network.bridgeMac();
        String mtu = Integer.toString(plan.overlayMtu());
        KernelState.Link bridge = kernel.links().get(name);
        Set<String> current = Set.of();
        if (bridge != null && !bridge.kind().equals("bridge")) {
            commands.add(List.of("ip", "link", "del", "dev", name));
            bridge = null;
        }
        if (bridge == null) {
            commands.add(List.of("ip", "link", "add", name, "mtu", mtu, "address", mac, "type", "bridge"));
            commands.add(List.of("ip", "link", "set", "dev", name, "up"));
        } else {
            List<String> set = new ArrayList<>(List.of("ip", "link", "set", "dev", name));
            if (bridge.mtu() != plan.overlayMtu()) {
                set.addAll(List.of("mtu", mtu));
            }
            if (!bridge.mac().equals(mac)) {
                set.addAll(List.of("address", mac));
            }
            if (!bridge.up()) {
                set.add("up");
            }
            if (set.size() > 5) {
                commands.add(set);
            }
            current = bridge.addresses();
        }
        Set<String> wanted = new LinkedHashSet<>();
        wanted.add(network.gateway() + "/" + network.prefixLength());
        network.bridgeAddresses().forEach(address -> wanted.add(address + "/32"));
        current.stream().filter(address -> !wanted.contains(address)).sorted()
                .forEach(address -> commands.add(List.of("ip", "addr", "del", address, "dev", name)));
        Set<String> have = current;
        wanted.stream().filter(address -> !have.contains(address))
                .forEach(address -> commands.add(List.of("ip", "addr", "add", address, "dev", name)));
    }

    /** Makes or repairs the VXLAN device; true when it is made anew (it then has no entries). */
    private static boolean vxlan(List<List<String>> commands, KernelState kernel, OverlayPlan plan, NetworkPlan network) {
        String name = network.vxlan();
        String mtu = Integer.toString(plan.overlayMtu());
        KernelState.Link vxlan = kernel.links().get(name);
        KernelState.Vxlan wanted = new KernelState.Vxlan(network.vni(), plan.underlayAddress(), VXLAN_PORT, false, true);
        if (vxlan != null && !wanted.equals(vxlan.vxlan())) {
            commands.add(List.of("ip", "link", "del", "dev", name));
            vxlan = null;
        }
        if (vxlan == null) {
            commands.add(List.of("ip", "link", "add", name, "mtu", mtu, "type", "vxlan", "id", Integer.toString(network.vni()),
                    "local", plan.underlayAddress(), "dstport", Integer.toString(VXLAN_PORT), "nolearning", "proxy"));
            commands.add(List.of("ip", "link", "set", "dev", name, "master", network.bridge(), "up"));
            return true;
        }
        List<String> set = new ArrayList<>(List.of("ip", "link", "set", "dev", name));
        if (!network.bridge().equals(vxlan.master())) {
            set.addAll(List.of("master", network.bridge()));
        }
        if (vxlan.mtu() != plan.overlayMtu()) {
            set.addAll(List.of("mtu", mtu));
        }
        if (!vxlan.up()) {
            set.add("up");
        }
        if (set.size() > 5) {
            commands.add(set);
        }
        return false;
    }

    private static void entries(List<List<String>> commands, KernelState kernel, NetworkPlan network, boolean fresh) {
        String device = network.vxlan();
        Set<KernelState.FdbEntry> wantedFdb = new LinkedHashSet<>();
        Map<String, String> wantedNeighbours = new HashMap<>();
        for (RemoteEndpoint remote : network.remotes()) {
            wantedFdb.add(new KernelState.FdbEntry(device, remote.mac(), remote.nodeAddress()));
            wantedNeighbours.put(remote.address(), remote.mac());
        }
        Set<KernelState.FdbEntry> currentFdb = new LinkedHashSet<>();
        Map<String, String> currentNeighbours = new HashMap<>();
        if (!fresh) {
            kernel.fdb().stream().filter(entry -> entry.device().equals(device)).forEach(currentFdb::add);
            kernel.neighbours().stream().filter(entry -> entry.device().equals(device))
                    .forEach(entry -> currentNeighbours.put(entry.address(), entry.mac()));
        }
        currentNeighbours.keySet().stream().filter(address -> !wantedNeighbours.containsKey(address)).sorted()
                .forEach(address -> commands.add(List.of("ip", "neigh", "del", address, "dev", device)));
        currentFdb.stream().filter(entry -> !wantedFdb.contains(entry))
                .sorted(Comparator.comparing(KernelState.FdbEntry::mac).thenComparing(KernelState.FdbEntry::destination))
                .forEach(entry -> commands.add(List.of("bridge", "fdb", "del", entry.mac(), "dev", device,
                        "dst", entry.destination(), "self")));
        wantedFdb.stream().filter(entry -> !currentFdb.contains(entry))
                .forEach(entry -> commands.add(List.of("bridge", "fdb", "replace", entry.mac(), "dev", device,
                        "dst", entry.destination(), "self", "permanent")));
        for (RemoteEndpoint remote : network.remotes()) {
            if (!remote.mac().equals(currentNeighbours.get(remote.address()))) {
                commands.add(List.of("ip", "neigh", "replace", remote.address(), "lladdr", remote.mac(),
                        "dev", device, "nud", "permanent"));
            }
        }
    }
}
