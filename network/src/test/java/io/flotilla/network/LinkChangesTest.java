package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class LinkChangesTest {
    static final RemoteEndpoint ON_HOST_2 = new RemoteEndpoint("10.0.1.2", "198.18.77.2");
    static final RemoteEndpoint ON_HOST_3 = new RemoteEndpoint("10.0.1.3", "198.18.77.3");
    static final NetworkPlan A = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false,
            List.of("10.0.1.250"), List.of(ON_HOST_2, ON_HOST_3));

    static OverlayPlan plan(NetworkPlan... networks) {
        return new OverlayPlan("198.18.77.1", 1500, List.of(networks));
    }

    static List<String> changes(KernelState kernel, OverlayPlan plan) {
        return LinkChanges.between(kernel, plan).stream().map(command -> String.join(" ", command)).toList();
    }

    @Test
    void a_new_network_gets_its_bridge_vxlan_device_and_an_entry_pair_per_remote_endpoint() {
        assertThat(changes(KernelStates.empty(false), plan(A))).containsExactly(
                "ip link add fl-br-4096 mtu 1450 address 02:42:0a:00:01:01 type bridge",
                "ip link set dev fl-br-4096 up",
                "ip addr add 10.0.1.1/24 dev fl-br-4096",
                "ip addr add 10.0.1.250/32 dev fl-br-4096",
                "ip link add fl-vx-4096 mtu 1450 type vxlan id 4096 local 198.18.77.1 dstport 4789 nolearning proxy",
                "ip link set dev fl-vx-4096 master fl-br-4096 up",
                "bridge fdb replace 02:42:0a:00:01:02 dev fl-vx-4096 dst 198.18.77.2 self permanent",
                "bridge fdb replace 02:42:0a:00:01:03 dev fl-vx-4096 dst 198.18.77.3 self permanent",
                "ip neigh replace 10.0.1.2 lladdr 02:42:0a:00:01:02 dev fl-vx-4096 nud permanent",
                "ip neigh replace 10.0.1.3 lladdr 02:42:0a:00:01:03 dev fl-vx-4096 nud permanent");
    }

    @Test
    void the_bridge_holds_the_nodes_own_address_and_takes_its_mac_which_the_other_nodes_derive_from_it() {
        NetworkPlan withNode = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.9",
                List.of("10.0.1.250"), List.of(ON_HOST_2));
        assertThat(changes(KernelStates.empty(false), plan(withNode))).startsWith(
                "ip link add fl-br-4096 mtu 1450 address 02:42:0a:00:01:09 type bridge",
                "ip link set dev fl-br-4096 up",
                "ip addr add 10.0.1.1/24 dev fl-br-4096",
                "ip addr add 10.0.1.9/32 dev fl-br-4096",
                "ip addr add 10.0.1.250/32 dev fl-br-4096");
        assertThat(changes(KernelStates.converged(plan(withNode), false), plan(withNode))).isEmpty();
        // A bridge made before the node had its own address (the gateway's MAC) takes the node's.
        NetworkPlan before = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of("10.0.1.250"), List.of(ON_HOST_2));
        assertThat(changes(KernelStates.converged(plan(before), false), plan(withNode))).containsExactly(
                "ip link set dev fl-br-4096 address 02:42:0a:00:01:09",
                "ip addr add 10.0.1.9/32 dev fl-br-4096");
    }

    @Test
    void a_kernel_that_holds_the_plan_needs_nothing() {
        assertThat(changes(KernelStates.converged(plan(A), false), plan(A))).isEmpty();
    }

    @Test
    void a_new_remote_endpoint_adds_its_two_entries_and_touches_no_other() {
        RemoteEndpoint onHost3 = new RemoteEndpoint("10.0.1.4", "198.18.77.3");
        OverlayPlan more = plan(A.withRemotes(List.of(ON_HOST_2, ON_HOST_3, onHost3)));
        assertThat(changes(KernelStates.converged(plan(A), false), more)).containsExactly(
                "bridge fdb replace 02:42:0a:00:01:04 dev fl-vx-4096 dst 198.18.77.3 self permanent",
                "ip neigh replace 10.0.1.4 lladdr 02:42:0a:00:01:04 dev fl-vx-4096 nud permanent");
    }

    @Test
    void a_removed_remote_endpoint_loses_exactly_its_two_entries_neighbour_first() {
        assertThat(changes(KernelStates.converged(plan(A), false), plan(A.withRemotes(List.of(ON_HOST_3))))).containsExactly(
                "ip neigh del 10.0.1.2 dev fl-vx-4096",
                "bridge fdb del 02:42:0a:00:01:02 dev fl-vx-4096 dst 198.18.77.2 self");
    }

    @Test
    void an_endpoint_whose_node_changed_is_tunnelled_to_the_new_node() {
        OverlayPlan moved = plan(A.withRemotes(List.of(new RemoteEndpoint("10.0.1.2", "198.18.77.3"), ON_HOST_3)));
        assertThat(changes(KernelStates.converged(plan(A), false), moved)).containsExactly(
                "bridge fdb del 02:42:0a:00:01:02 dev fl-vx-4096 dst 198.18.77.2 self",
                "bridge fdb replace 02:42:0a:00:01:02 dev fl-vx-4096 dst 198.18.77.3 self permanent");
    }

    @Test
    void a_network_no_longer_planned_loses_its_vxlan_device_then_its_bridge() {
        NetworkPlan b = new NetworkPlan("b", 4097, "10.0.2.0/24", "10.0.2.1", true, List.of(), List.of());
        assertThat(changes(KernelStates.converged(plan(A, b), false), plan(b))).containsExactly(
                "ip link del dev fl-vx-4096", "ip link del dev fl-br-4096");
        assertThat(changes(KernelStates.converged(plan(A, b), false), plan())).containsExactly(
                "ip link del dev fl-vx-4096", "ip link del dev fl-vx-4097", "ip link del dev fl-br-4096", "ip link del dev fl-br-4097");
    }

    @Test
    void a_vxlan_device_made_otherwise_is_made_anew_with_its_entries() {
        KernelState kernel = KernelStates.converged(plan(A), false);
        Map<String, KernelState.Link> links = new HashMap<>(kernel.links());
        KernelState.Link vxlan = links.get("fl-vx-4096");
        links.put("fl-vx-4096", new KernelState.Link(vxlan.name(), "vxlan", vxlan.master(), vxlan.mtu(), true, vxlan.mac(),
                Set.of(), new KernelState.Vxlan(4096, "198.18.77.9", 4789, true, true)));
        KernelState other = new KernelState(links, kernel.fdb(), kernel.neighbours(), kernel.filter(), kernel.nat());
        assertThat(changes(other, plan(A))).containsExactly(
                "ip link del dev fl-vx-4096",
                "ip link add fl-vx-4096 mtu 1450 type vxlan id 4096 local 198.18.77.1 dstport 4789 nolearning proxy",
                "ip link set dev fl-vx-4096 master fl-br-4096 up",
                "bridge fdb replace 02:42:0a:00:01:02 dev fl-vx-4096 dst 198.18.77.2 self permanent",
                "bridge fdb replace 02:42:0a:00:01:03 dev fl-vx-4096 dst 198.18.77.3 self permanent",
                "ip neigh replace 10.0.1.2 lladdr 02:42:0a:00:01:02 dev fl-vx-4096 nud permanent",
                "ip neigh replace 10.0.1.3 lladdr 02:42:0a:00:01:03 dev fl-vx-4096 nud permanent");
    }

    @Test
    void a_bridge_that_drifted_is_repaired_in_place() {
        KernelState kernel = KernelStates.converged(plan(A), false);
        Map<String, KernelState.Link> links = new HashMap<>(kernel.links());
        KernelState.Link bridge = links.get("fl-br-4096");
        links.put("fl-br-4096", new KernelState.Link(bridge.name(), "bridge", null, 1500, false, "aa:bb:cc:dd:ee:ff",
                Set.of("10.0.1.1/24", "10.0.1.99/32"), null));
        KernelState.Link vxlan = links.get("fl-vx-4096");
        links.put("fl-vx-4096", new KernelState.Link(vxlan.name(), "vxlan", null, 1500, false, vxlan.mac(), Set.of(), vxlan.vxlan()));
        KernelState drifted = new KernelState(links, kernel.fdb(), kernel.neighbours(), kernel.filter(), kernel.nat());
        assertThat(changes(drifted, plan(A))).containsExactly(
                "ip link set dev fl-br-4096 mtu 1450 address 02:42:0a:00:01:01 up",
                "ip addr del 10.0.1.99/32 dev fl-br-4096",
                "ip addr add 10.0.1.250/32 dev fl-br-4096",
                "ip link set dev fl-vx-4096 master fl-br-4096 mtu 1450 up");
    }

    @Test
    void stray_entries_on_a_planned_vxlan_device_are_removed() {
        KernelState kernel = KernelStates.converged(plan(A), false);
        Set<KernelState.FdbEntry> fdb = new HashSet<>(kernel.fdb());
        fdb.add(new KernelState.FdbEntry("fl-vx-4096", "00:00:00:00:00:00", "198.18.77.9"));
        Set<KernelState.NeighbourEntry> neighbours = new HashSet<>(kernel.neighbours());
        neighbours.add(new KernelState.NeighbourEntry("fl-vx-4096", "10.0.1.1", "02:42:0a:00:01:01"));
        KernelState stray = new KernelState(kernel.links(), fdb, neighbours, kernel.filter(), kernel.nat());
        assertThat(changes(stray, plan(A))).containsExactly(
                "ip neigh del 10.0.1.1 dev fl-vx-4096",
                "bridge fdb del 00:00:00:00:00:00 dev fl-vx-4096 dst 198.18.77.9 self");
    }
}
