package io.flotilla.node.network;

import static io.flotilla.node.network.Directories.*;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.network.NetworkPlan;
import io.flotilla.network.OverlayPlan;
import io.flotilla.network.RemoteEndpoint;
import java.util.List;
import org.junit.jupiter.api.Test;

class OverlayPlansTest {
    @Test
    void each_network_gets_the_nodes_own_address_the_vips_and_every_endpoint_and_peer_on_other_nodes() {
        OverlayPlans.Result result = OverlayPlans.of(Directories.of(1, false), "n1", underlay(1), 9000);

        assertThat(result.problems()).isEmpty();
        OverlayPlan plan = result.plan();
        assertThat(plan.underlayAddress()).isEqualTo(underlay(1));
        assertThat(plan.overlayMtu()).isEqualTo(8950);
        NetworkPlan front = plan.networks().getFirst();
        assertThat(front).isEqualTo(new NetworkPlan("shop_front", 4200, "198.19.10.0/24", FRONT_GATEWAY, false,
                frontAddress(1), List.of(WEB_VIP), List.of(new RemoteEndpoint(WEB_ON_N2, underlay(2)),
                        new RemoteEndpoint(API_ON_N2, underlay(2)), new RemoteEndpoint(frontAddress(2), underlay(2)))));
        assertThat(front.bridgeMac()).isEqualTo("02:42:c6:13:0a:65");
        NetworkPlan other = plan.networks().get(1);
        assertThat(other.internal()).isTrue();
        assertThat(other.localAddresses()).containsExactly("198.19.11.2");
        assertThat(other.remotes()).as("its only task runs here").isEmpty();
    }

    @Test
    void a_moved_task_is_no_longer_remote_where_it_now_runs_and_is_remote_where_it_left() {
        assertThat(OverlayPlans.of(Directories.of(1, true), "n1", underlay(1), 1500).plan().networks().getFirst().remotes())
                .containsExactly(new RemoteEndpoint(WEB_ON_N2, underlay(2)), new RemoteEndpoint(frontAddress(2), underlay(2)));
        assertThat(OverlayPlans.of(Directories.of(2, true), "n2", underlay(2), 1500).plan().networks().getFirst().remotes())
                .containsExactly(new RemoteEndpoint(CLI_ON_N1, underlay(1)), new RemoteEndpoint(API_MOVED_TO_N1, underlay(1)),
                        new RemoteEndpoint(frontAddress(1), underlay(1)));
    }

    @Test
    void a_bad_entry_is_left_out_with_a_problem_and_the_rest_is_programmed() {
        NetworkEntry front = front(1, false);
        List<NetworkDirectory.EndpointEntry> endpoints = new java.util.ArrayList<>(front.endpoints());
        endpoints.add(endpoint("198.19.99.5", "t-stray", "shop_web", 2));       // outside the subnet
        endpoints.add(endpoint(WEB_VIP, "t-clash", "shop_web", 2));              // on the VIP
        NetworkEntry bad = new NetworkEntry(front.name(), front.stack(), front.vni(), front.subnet(), front.gateway(),
                false, front.nodeAddress(), front.services(), endpoints, front.peers());
        NetworkEntry sameVni = new NetworkEntry("dup", null, 4200, "198.19.12.0/24", "198.19.12.1", false, null,
                List.of(), List.of(), List.of());
        NetworkEntry noGateway = new NetworkEntry("broken", null, 4300, "198.19.13.0/24", "198.19.14.1", false, null,
                List.of(), List.of(), List.of());

        OverlayPlans.Result result = OverlayPlans.of(new NetworkDirectory(List.of(bad, sameVni, noGateway, other())),
                "n1", underlay(1), 1500);

        assertThat(result.plan().networks()).extracting(NetworkPlan::name).containsExactly("shop_front", "other_default");
        assertThat(result.plan().networks().getFirst().remotes()).hasSize(3);
        assertThat(result.problems()).hasSize(4)
                .anySatisfy(p -> assertThat(p).contains("198.19.99.5").contains("not in 198.19.10.0/24"))
                .anySatisfy(p -> assertThat(p).contains(WEB_VIP).contains("already"))
                .anySatisfy(p -> assertThat(p).contains("network dup left out").contains("one VNI"))
                .anySatisfy(p -> assertThat(p).contains("network broken left out").contains("not in"));
    }

    @Test
    void the_underlay_mtu_is_that_of_the_interface_holding_the_advertise_address() {
        String json = """
                [{"ifname":"lo","mtu":65536,"addr_info":[{"local":"127.0.0.1"}]},
                 {"ifname":"eth0","mtu":9000,"addr_info":[{"local":"198.18.77.1"},{"local":"fe80::1"}]}]""";
        assertThat(UnderlayMtu.parse(json, "198.18.77.1")).isEqualTo(9000);
        assertThat(UnderlayMtu.parse(json, "198.18.77.9")).as("on no interface").isEqualTo(1500);
        assertThat(UnderlayMtu.parse("not json", "198.18.77.1")).isEqualTo(1500);
    }
}
