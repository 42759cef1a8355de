package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** The parsers, on output captured from iproute2 6.1 and iptables-nft 1.8.9. */
class KernelStateReaderTest {
    static final String ADDR = """
            [{"ifindex":1,"ifname":"lo","flags":["LOOPBACK","UP","LOWER_UP"],"mtu":65536,"link_type":"loopback",\
            "address":"00:00:00:00:00:00","addr_info":[{"family":"inet","local":"127.0.0.1","prefixlen":8}]},
            {"ifindex":2,"ifname":"fl-br-7","flags":["BROADCAST","MULTICAST","UP","LOWER_UP"],"mtu":1450,\
            "operstate":"UP","address":"02:42:0A:00:00:01","linkinfo":{"info_kind":"bridge","info_data":{"stp_state":0}},\
            "addr_info":[{"family":"inet","local":"10.0.0.1","prefixlen":24,"scope":"global"},\
            {"family":"inet","local":"10.0.0.250","prefixlen":32,"scope":"global"},\
            {"family":"inet6","local":"fe80::42:aff:fe00:1","prefixlen":64,"scope":"link"}]},
            {"ifindex":4,"ifname":"fl-vx-7","flags":["BROADCAST","MULTICAST"],"mtu":1450,"master":"fl-br-7",\
            "address":"c6:86:a3:e0:29:2d","linkinfo":{"info_kind":"vxlan","info_data":{"id":7,"local":"198.18.77.9",\
            "port":4789,"learning":false,"proxy":true,"ttl":0},"info_slave_kind":"bridge"},"addr_info":[]},
            {"ifindex":5,"ifname":"fl-underlay","flags":["UP"],"mtu":1500,"linkinfo":{"info_kind":"bridge"},"addr_info":[]},
            {"ifindex":6,"ifname":"fl-3f2a9c0d11e4","flags":["UP"],"mtu":1450,"master":"fl-br-7","linkinfo":{"info_kind":"veth"}}]
            """;
    static final String FDB = """
            [{"mac":"33:33:00:00:00:01","ifname":"fl-br-7","flags":["self"],"state":"permanent"},\
            {"mac":"02:42:0a:00:00:01","ifname":"fl-br-7","flags":[],"master":"fl-br-7","state":"permanent"},\
            {"mac":"c6:86:a3:e0:29:2d","ifname":"fl-vx-7","flags":[],"master":"fl-br-7","state":"permanent"},\
            {"mac":"02:42:0a:00:00:05","ifname":"fl-vx-7","dst":"198.18.77.2","flags":["self"],"state":"permanent"},\
            {"mac":"02:42:ac:11:00:02","ifname":"vxlan0","dst":"192.0.2.9","flags":["self"],"state":"permanent"}]
            """;
    static final String NEIGH = """
            [{"dst":"10.0.0.5","dev":"fl-vx-7","lladdr":"02:42:0a:00:00:05","state":["PERMANENT"]},\
            {"dst":"10.0.0.9","dev":"fl-vx-7","lladdr":"02:42:0a:00:00:09","state":["STALE"]},\
            {"dst":"192.0.2.1","dev":"eth0","lladdr":"52:54:00:12:34:56","state":["REACHABLE"]},\
            {"dst":"10.0.0.5","dev":"fl-br-7","lladdr":"02:42:0a:00:00:05","state":["PERMANENT"]}]
            """;
    static final String IPTABLES = """
            -P INPUT ACCEPT
            -P FORWARD DROP
            -P OUTPUT ACCEPT
            -N DOCKER-USER
            -N FLOTILLA-FORWARD
            -A FORWARD -j DOCKER-USER
            -A DOCKER-USER -m comment --comment flotilla -j FLOTILLA-FORWARD
            -A DOCKER-USER -j RETURN
            -A FLOTILLA-FORWARD -d 10.1.2.0/24 -i fl-br-7 -j DROP
            -A FLOTILLA-FORWARD -i fl-br-7 -o fl-br-7 -j ACCEPT
            """;

    @Test
    void links_are_flotillas_overlay_devices_only() {
        var links = KernelStateReader.parseLinks(ADDR);
        assertThat(links).containsOnlyKeys("fl-br-7", "fl-vx-7");
        assertThat(links.get("fl-br-7")).isEqualTo(new KernelState.Link("fl-br-7", "bridge", null, 1450, true,
                "02:42:0a:00:00:01", Set.of("10.0.0.1/24", "10.0.0.250/32"), null));
        assertThat(links.get("fl-vx-7")).isEqualTo(new KernelState.Link("fl-vx-7", "vxlan", "fl-br-7", 1450, false,
                "c6:86:a3:e0:29:2d", Set.of(), new KernelState.Vxlan(7, "198.18.77.9", 4789, false, true)));
    }

    @Test
    void forwarding_entries_are_the_tunnel_entries_of_flotillas_vxlan_devices() {
        assertThat(KernelStateReader.parseFdb(FDB))
                .containsExactly(new KernelState.FdbEntry("fl-vx-7", "02:42:0a:00:00:05", "198.18.77.2"));
    }

    @Test
    void neighbour_entries_are_the_permanent_ones_of_flotillas_vxlan_devices() {
        assertThat(KernelStateReader.parseNeighbours(NEIGH))
                .containsExactly(new KernelState.NeighbourEntry("fl-vx-7", "10.0.0.5", "02:42:0a:00:00:05"));
    }

    @Test
    void iptables_rules_keep_their_printed_form_and_order() {
        KernelState.IptablesTable table = KernelStateReader.parseIptables(IPTABLES);
        assertThat(table.chains()).contains("FORWARD", "DOCKER-USER", "FLOTILLA-FORWARD");
        assertThat(table.rules("DOCKER-USER")).containsExactly(
                "-A DOCKER-USER -m comment --comment flotilla -j FLOTILLA-FORWARD", "-A DOCKER-USER -j RETURN");
        assertThat(table.rules("FLOTILLA-FORWARD")).isEqualTo(List.of(
                "-A FLOTILLA-FORWARD -d 10.1.2.0/24 -i fl-br-7 -j DROP", "-A FLOTILLA-FORWARD -i fl-br-7 -o fl-br-7 -j ACCEPT"));
        assertThat(table.rules("INPUT")).isEmpty();
    }

    @Test
    void empty_outputs_are_empty_states() {
        assertThat(KernelStateReader.parseLinks("")).isEmpty();
        assertThat(KernelStateReader.parseFdb("[]\n")).isEmpty();
        assertThat(KernelStateReader.parseNeighbours("")).isEmpty();
    }
}
