package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayPlanTest {
    static NetworkPlan network(String name, int vni, String subnet, String gateway) {
        return new NetworkPlan(name, vni, subnet, gateway, false, List.of(), List.of());
    }

    @Test
    void the_overlay_mtu_is_the_underlays_less_the_vxlan_overhead() {
        assertThat(new OverlayPlan("198.18.77.1", 1500, List.of()).overlayMtu()).isEqualTo(1450);
        assertThat(new OverlayPlan("198.18.77.1", 9001, List.of()).overlayMtu()).isEqualTo(8951);
    }

    @Test
    void a_network_checks_its_subnet_gateway_and_addresses() {
        assertThat(network("a", 4096, "10.0.1.0/24", "10.0.1.1").prefixLength()).isEqualTo(24);
        assertThatThrownBy(() -> network("a", 4096, "10.0.1.7/24", "10.0.1.1"))
                .hasMessageContaining("not a network address").hasMessageContaining("10.0.1.0/24");
        assertThatThrownBy(() -> network("a", 4096, "10.0.1.0/24", "10.0.2.1")).hasMessageContaining("is not in 10.0.1.0/24");
        assertThatThrownBy(() -> network("a", 4096, "10.0.1.0", "10.0.1.1")).hasMessageContaining("not a CIDR");
        assertThatThrownBy(() -> network("a", 0, "10.0.1.0/24", "10.0.1.1")).hasMessageContaining("VNI");
        assertThatThrownBy(() -> new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of(),
                List.of(new RemoteEndpoint("10.0.9.2", "198.18.77.2")))).hasMessageContaining("10.0.9.2 is not in");
        assertThatThrownBy(() -> new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of("10.0.1.5"),
                List.of(new RemoteEndpoint("10.0.1.5", "198.18.77.2")))).hasMessageContaining("listed twice");
        assertThatThrownBy(() -> new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of(),
                List.of(new RemoteEndpoint("10.0.1.1", "198.18.77.2")))).hasMessageContaining("listed twice");
    }

    @Test
    void the_nodes_own_address_is_a_host_address_of_the_subnet_and_no_one_elses() {
        NetworkPlan a = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.9", List.of("10.0.1.250"), List.of());
        assertThat(a.bridgeMac()).isEqualTo("02:42:0a:00:01:09");
        assertThat(a.bridgeAddresses()).containsExactly("10.0.1.9", "10.0.1.250");
        assertThat(network("b", 4097, "10.0.2.0/24", "10.0.2.1").bridgeMac()).isEqualTo("02:42:0a:00:02:01");
        assertThatThrownBy(() -> new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.2.9", List.of(), List.of()))
                .hasMessageContaining("10.0.2.9 is not a host address");
        assertThatThrownBy(() -> new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.1", List.of(), List.of()))
                .hasMessageContaining("other than the gateway");
        assertThatThrownBy(() -> new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.9", List.of("10.0.1.9"), List.of()))
                .hasMessageContaining("listed twice");
        assertThatThrownBy(() -> new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.9", List.of(),
                List.of(new RemoteEndpoint("10.0.1.9", "198.18.77.2")))).hasMessageContaining("listed twice");
    }

    @Test
    void networks_of_a_node_have_distinct_vnis_and_subnets_that_do_not_overlap() {
        NetworkPlan a = network("a", 4096, "10.0.1.0/24", "10.0.1.1");
        assertThatThrownBy(() -> new OverlayPlan("198.18.77.1", 1500, List.of(a, network("b", 4096, "10.0.2.0/24", "10.0.2.1"))))
                .hasMessageContaining("one VNI");
        assertThatThrownBy(() -> new OverlayPlan("198.18.77.1", 1500, List.of(a, network("b", 4097, "10.0.0.0/16", "10.0.2.1"))))
                .hasMessageContaining("overlapping");
        assertThatThrownBy(() -> new OverlayPlan("198.18.77.1", 400, List.of(a))).hasMessageContaining("MTU");
        assertThatThrownBy(() -> new OverlayPlan("198.18.77", 1500, List.of(a))).hasMessageContaining("IPv4");
    }
}
