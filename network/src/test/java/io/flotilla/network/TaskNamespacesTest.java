package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.List;
import org.junit.jupiter.api.Test;

class TaskNamespacesTest {
    static final NetworkPlan A = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of(), List.of());
    static final NetworkPlan B = new NetworkPlan("b", 4097, "10.0.2.0/24", "10.0.2.1", false, List.of(), List.of());
    static final String HOST_VETH = OverlayNames.hostVeth("flt-web-1", 4096);
    static final String BRIDGES = """
            [{"ifindex":2,"ifname":"fl-br-4096","flags":["UP"],"mtu":1450},{"ifindex":3,"ifname":"fl-br-4097","flags":["UP"],"mtu":1450}]""";
    static final String ONLY_LO = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK"],"addr_info":[]}]""";

    @Test
    void the_first_network_makes_the_namespace_its_interface_and_its_default_route() {
        RecordingCommands kernel = new RecordingCommands().answer("ip -j link show", BRIDGES)
                .answer("ip -n flt-web-1 -j addr show", ONLY_LO);
        TaskNamespace attached = new TaskNamespaces(kernel).attach("flt-web-1", A, "10.0.1.5");
        assertThat(attached).isEqualTo(new TaskNamespace("flt-web-1", 4096, HOST_VETH, "eth0", "10.0.1.5/24", "02:42:0a:00:01:05"));
        assertThat(kernel.lines()).containsExactly(
                "ip -j link show",
                "ip -j netns list",
                "ip netns add flt-web-1",
                "ip -n flt-web-1 -j addr show",
                "ip link add " + HOST_VETH + " mtu 1450 type veth peer name eth0 mtu 1450 address 02:42:0a:00:01:05 netns flt-web-1",
                "ip link set dev " + HOST_VETH + " master fl-br-4096 up",
                "ip -n flt-web-1 addr add 10.0.1.5/24 dev eth0",
                "ip -n flt-web-1 link set dev eth0 up",
                "ip -n flt-web-1 link set dev lo up",
                "ip -n flt-web-1 route replace default via 10.0.1.1 dev eth0");
    }

    @Test
    void a_second_network_gets_the_next_interface_and_no_default_route() {
        RecordingCommands kernel = new RecordingCommands().answer("ip -j link show", BRIDGES)
                .answer("ip -j netns list", "[{\"name\":\"flt-web-1\"}]")
                .answer("ip -n flt-web-1 -j addr show", """
                        [{"ifname":"lo","addr_info":[]},{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.1.5","prefixlen":24}]}]""");
        TaskNamespace attached = new TaskNamespaces(kernel).attach("flt-web-1", B, "10.0.2.5");
        assertThat(attached.interfaceName()).isEqualTo("eth1");
        assertThat(kernel.lines()).doesNotContain("ip netns add flt-web-1").noneMatch(line -> line.contains("route"))
                .contains("ip -n flt-web-1 addr add 10.0.2.5/24 dev eth1");
    }

    @Test
    void attaching_again_finds_the_attachment_and_changes_nothing() {
        RecordingCommands kernel = new RecordingCommands()
                .answer("ip -j link show", BRIDGES.replace("]", ",{\"ifname\":\"" + HOST_VETH
                        + "\",\"flags\":[\"UP\"],\"master\":\"fl-br-4096\",\"mtu\":1450}]"))
                .answer("ip -j netns list", "[{\"name\":\"flt-web-1\"}]")
                .answer("ip -n flt-web-1 -j addr show", """
                        [{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.1.5","prefixlen":24}]}]""");
        assertThat(new TaskNamespaces(kernel).attach("flt-web-1", A, "10.0.1.5").interfaceName()).isEqualTo("eth0");
        assertThat(kernel.lines()).containsExactly("ip -j link show", "ip -j netns list", "ip -n flt-web-1 -j addr show");
    }

    @Test
    void an_address_already_inside_on_an_interface_not_of_flotilla_is_refused_not_duplicated() {
        RecordingCommands kernel = new RecordingCommands().answer("ip -j link show", BRIDGES)
                .answer("ip -j netns list", "[{\"name\":\"flt-web-1\"}]")
                .answer("ip -n flt-web-1 -j addr show", """
                        [{"ifname":"eth0","addr_info":[{"family":"inet","local":"10.0.1.5","prefixlen":24}]}]""");
        assertThatThrownBy(() -> new TaskNamespaces(kernel).attach("flt-web-1", A, "10.0.1.5"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("already has 10.0.1.5/24 on eth0");
        assertThat(kernel.lines()).containsExactly("ip -j link show", "ip -j netns list", "ip -n flt-web-1 -j addr show");
    }

    @Test
    void a_network_without_its_bridge_or_an_address_off_its_subnet_is_refused() {
        RecordingCommands kernel = new RecordingCommands().answer("ip -j link show", "[]");
        assertThatThrownBy(() -> new TaskNamespaces(kernel).attach("flt-web-1", A, "10.0.1.5"))
                .isInstanceOf(IllegalStateException.class).hasMessageContaining("reconcile");
        assertThatThrownBy(() -> new TaskNamespaces(kernel).attach("flt-web-1", A, "10.0.2.5"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("10.0.1.0/24");
        assertThatThrownBy(() -> new TaskNamespaces(kernel).attach("flt-web-1", A, "10.0.1.1"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("gateway");
    }

    @Test
    void detach_removes_the_veth_and_remove_the_namespace_when_they_exist() {
        TaskNamespace attached = new TaskNamespace("flt-web-1", 4096, HOST_VETH, "eth0", "10.0.1.5/24", "02:42:0a:00:01:05");
        RecordingCommands kernel = new RecordingCommands()
                .answer("ip -j link show", "[{\"ifname\":\"" + HOST_VETH + "\"}]")
                .answer("ip -j netns list", "[{\"name\":\"flt-web-1\"}]");
        TaskNamespaces namespaces = new TaskNamespaces(kernel);
        namespaces.detach(attached);
        namespaces.remove("flt-web-1");
        namespaces.remove("flt-other");
        assertThat(kernel.lines()).containsExactly("ip -j link show", "ip link del dev " + HOST_VETH,
                "ip -j netns list", "ip netns del flt-web-1", "ip -j netns list");
    }

    @Test
    void interfaces_inside_are_named_eth0_eth1_and_so_on() {
        assertThat(TaskNamespaces.freeName(java.util.Set.of("lo"))).isEqualTo("eth0");
        assertThat(TaskNamespaces.freeName(java.util.Set.of("lo", "eth0", "eth2"))).isEqualTo("eth1");
    }
}
