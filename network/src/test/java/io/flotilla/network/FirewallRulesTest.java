package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class FirewallRulesTest {
    static final NetworkPlan A = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of(), List.of());
    static final NetworkPlan B = new NetworkPlan("b", 4097, "10.0.2.0/24", "10.0.2.1", true, List.of(), List.of());

    static OverlayPlan plan(NetworkPlan... networks) {
        return new OverlayPlan("198.18.77.1", 1500, List.of(networks));
    }

    static List<String> changes(KernelState kernel, OverlayPlan plan) {
        return FirewallRules.between(kernel, plan).stream().map(command -> String.join(" ", command)).toList();
    }

    @Test
    void the_rules_isolate_networks_keep_internal_ones_in_and_masquerade_the_others() {
        assertThat(FirewallRules.forwardRules(plan(A, B))).containsExactly(
                "-A FLOTILLA-FORWARD -d 10.0.2.0/24 -i fl-br-4096 -j DROP",
                "-A FLOTILLA-FORWARD -d 10.0.1.0/24 -i fl-br-4097 -j DROP",
                "-A FLOTILLA-FORWARD -i fl-br-4097 ! -o fl-br-4097 -j DROP",
                "-A FLOTILLA-FORWARD ! -i fl-br-4097 -o fl-br-4097 -j DROP",
                "-A FLOTILLA-FORWARD -i fl-br-4096 -o fl-br-4096 -j ACCEPT",
                "-A FLOTILLA-FORWARD -i fl-br-4096 -j ACCEPT",
                "-A FLOTILLA-FORWARD -o fl-br-4096 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "-A FLOTILLA-FORWARD -i fl-br-4097 -o fl-br-4097 -j ACCEPT");
        assertThat(FirewallRules.inputRules(plan(A, B))).containsExactly(
                "-A FLOTILLA-INPUT -d 10.0.2.0/24 -i fl-br-4096 -j DROP",
                "-A FLOTILLA-INPUT -d 10.0.1.0/24 -i fl-br-4097 -j DROP");
        assertThat(FirewallRules.natRules(plan(A, B))).containsExactly(
                "-A FLOTILLA-POSTROUTING -s 10.0.1.0/24 ! -o fl-br-4096 -j MASQUERADE");
    }

    @Test
    void on_a_bare_kernel_the_chains_are_made_filled_then_jumped_to_from_forward() {
        assertThat(changes(KernelStates.empty(false), plan(A))).containsExactly(
                "iptables -w -N FLOTILLA-FORWARD",
                "iptables -w -A FLOTILLA-FORWARD -i fl-br-4096 -o fl-br-4096 -j ACCEPT",
                "iptables -w -A FLOTILLA-FORWARD -i fl-br-4096 -j ACCEPT",
                "iptables -w -A FLOTILLA-FORWARD -o fl-br-4096 -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT",
                "iptables -w -N FLOTILLA-INPUT",
                "iptables -w -N FLOTILLA-VXLAN",
                "iptables -w -A FLOTILLA-VXLAN -j DROP",
                "iptables -w -t nat -N FLOTILLA-POSTROUTING",
                "iptables -w -t nat -A FLOTILLA-POSTROUTING -s 10.0.1.0/24 ! -o fl-br-4096 -j MASQUERADE",
                "iptables -w -t nat -N FLOTILLA-VIP",
                "iptables -w -I FORWARD 1 -m comment --comment flotilla -j FLOTILLA-FORWARD",
                "iptables -w -I INPUT 1 -m comment --comment flotilla -j FLOTILLA-INPUT",
                "iptables -w -I INPUT 1 -p udp -m udp --dport 4789 -m comment --comment flotilla -j FLOTILLA-VXLAN",
                "iptables -w -t nat -I POSTROUTING 1 -m comment --comment flotilla -j FLOTILLA-POSTROUTING",
                "iptables -w -t nat -I PREROUTING 1 -m comment --comment flotilla -j FLOTILLA-VIP");
    }

    @Test
    void with_docker_the_forward_chain_is_jumped_to_from_docker_user() {
        assertThat(changes(KernelStates.empty(true), plan(A)))
                .contains("iptables -w -I DOCKER-USER 1 -m comment --comment flotilla -j FLOTILLA-FORWARD")
                .noneMatch(change -> change.contains("-I FORWARD"));
    }

    @Test
    void a_jump_left_in_forward_moves_to_docker_user_once_docker_made_it() {
        KernelState before = KernelStates.converged(plan(A), false);
        KernelState.IptablesTable withDocker = KernelStates.converged(plan(A), true).filter();
        Map<String, List<String>> rules = new HashMap<>(withDocker.rules());
        rules.put("DOCKER-USER", List.of("-A DOCKER-USER -j RETURN"));
        rules.put("FORWARD", List.of("-A FORWARD -j DOCKER-USER", KernelStates.jump("FORWARD", "FLOTILLA-FORWARD")));
        KernelState kernel = new KernelState(before.links(), before.fdb(), before.neighbours(),
                new KernelState.IptablesTable(withDocker.chains(), rules), before.nat());
        assertThat(changes(kernel, plan(A))).containsExactly(
                "iptables -w -D FORWARD -m comment --comment flotilla -j FLOTILLA-FORWARD",
                "iptables -w -I DOCKER-USER 1 -m comment --comment flotilla -j FLOTILLA-FORWARD");
    }

    @Test
    void rules_in_place_need_nothing_with_or_without_docker() {
        assertThat(changes(KernelStates.converged(plan(A, B), false), plan(A, B))).isEmpty();
        assertThat(changes(KernelStates.converged(plan(A, B), true), plan(A, B))).isEmpty();
    }

    @Test
    void a_new_network_inserts_its_drops_at_the_top_and_appends_its_accepts() {
        assertThat(changes(KernelStates.converged(plan(A), false), plan(A, B))).containsExactly(
                "iptables -w -I FLOTILLA-FORWARD 1 -d 10.0.2.0/24 -i fl-br-4096 -j DROP",
                "iptables -w -I FLOTILLA-FORWARD 1 -d 10.0.1.0/24 -i fl-br-4097 -j DROP",
                "iptables -w -I FLOTILLA-FORWARD 1 -i fl-br-4097 ! -o fl-br-4097 -j DROP",
                "iptables -w -I FLOTILLA-FORWARD 1 ! -i fl-br-4097 -o fl-br-4097 -j DROP",
                "iptables -w -A FLOTILLA-FORWARD -i fl-br-4097 -o fl-br-4097 -j ACCEPT",
                "iptables -w -A FLOTILLA-INPUT -d 10.0.2.0/24 -i fl-br-4096 -j DROP",
                "iptables -w -A FLOTILLA-INPUT -d 10.0.1.0/24 -i fl-br-4097 -j DROP");
    }

    @Test
    void a_removed_network_loses_exactly_its_rules() {
        assertThat(changes(KernelStates.converged(plan(A, B), false), plan(A))).containsExactlyInAnyOrder(
                "iptables -w -D FLOTILLA-FORWARD -d 10.0.2.0/24 -i fl-br-4096 -j DROP",
                "iptables -w -D FLOTILLA-FORWARD -d 10.0.1.0/24 -i fl-br-4097 -j DROP",
                "iptables -w -D FLOTILLA-FORWARD -i fl-br-4097 ! -o fl-br-4097 -j DROP",
                "iptables -w -D FLOTILLA-FORWARD ! -i fl-br-4097 -o fl-br-4097 -j DROP",
                "iptables -w -D FLOTILLA-FORWARD -i fl-br-4097 -o fl-br-4097 -j ACCEPT",
                "iptables -w -D FLOTILLA-INPUT -d 10.0.2.0/24 -i fl-br-4096 -j DROP",
                "iptables -w -D FLOTILLA-INPUT -d 10.0.1.0/24 -i fl-br-4097 -j DROP");
    }

    @Test
    void no_network_removes_the_jumps_then_the_chains_and_nothing_else() {
        assertThat(changes(KernelStates.converged(plan(A), true), plan())).containsExactly(
                "iptables -w -D DOCKER-USER -m comment --comment flotilla -j FLOTILLA-FORWARD",
                "iptables -w -D INPUT -m comment --comment flotilla -j FLOTILLA-INPUT",
                "iptables -w -D INPUT -p udp -m udp --dport 4789 -m comment --comment flotilla -j FLOTILLA-VXLAN",
                "iptables -w -t nat -D POSTROUTING -m comment --comment flotilla -j FLOTILLA-POSTROUTING",
                "iptables -w -t nat -D PREROUTING -m comment --comment flotilla -j FLOTILLA-VIP",
                "iptables -w -F FLOTILLA-FORWARD",
                "iptables -w -X FLOTILLA-FORWARD",
                "iptables -w -F FLOTILLA-INPUT",
                "iptables -w -X FLOTILLA-INPUT",
                "iptables -w -F FLOTILLA-VXLAN",
                "iptables -w -X FLOTILLA-VXLAN",
                "iptables -w -t nat -F FLOTILLA-POSTROUTING",
                "iptables -w -t nat -X FLOTILLA-POSTROUTING",
                "iptables -w -t nat -F FLOTILLA-VIP",
                "iptables -w -t nat -X FLOTILLA-VIP");
        assertThat(changes(KernelStates.empty(true), plan())).isEmpty();
    }

    @Test
    void a_forward_chain_with_a_drop_after_an_accept_is_rebuilt() {
        KernelState kernel = KernelStates.converged(plan(A, B), false);
        List<String> misordered = new ArrayList<>(kernel.filter().rules("FLOTILLA-FORWARD"));
        misordered.add(misordered.removeFirst());
        assertThat(FirewallRules.dropsBeforeAccepts(misordered)).isFalse();
        Map<String, List<String>> rules = new HashMap<>(kernel.filter().rules());
        rules.put("FLOTILLA-FORWARD", misordered);
        KernelState tampered = new KernelState(kernel.links(), kernel.fdb(), kernel.neighbours(),
                new KernelState.IptablesTable(new HashSet<>(kernel.filter().chains()), rules), kernel.nat());
        List<String> changes = changes(tampered, plan(A, B));
        assertThat(changes.getFirst()).isEqualTo("iptables -w -F FLOTILLA-FORWARD");
        assertThat(changes).hasSize(1 + FirewallRules.forwardRules(plan(A, B)).size());
    }

    @Test
    void a_foreign_rule_in_a_flotilla_chain_is_removed_and_foreign_chains_are_left_alone() {
        KernelState kernel = KernelStates.converged(plan(A), true);
        Map<String, List<String>> rules = new HashMap<>(kernel.filter().rules());
        rules.put("FLOTILLA-INPUT", List.of("-A FLOTILLA-INPUT -m comment --comment \"someone else\" -j ACCEPT"));
        rules.put("DOCKER-USER", List.of(KernelStates.jump("DOCKER-USER", "FLOTILLA-FORWARD"),
                "-A DOCKER-USER -s 192.0.2.0/24 -j DROP", "-A DOCKER-USER -j RETURN"));
        KernelState kernelWithOthers = new KernelState(kernel.links(), kernel.fdb(), kernel.neighbours(),
                new KernelState.IptablesTable(Set.copyOf(kernel.filter().chains()), rules), kernel.nat());
        assertThat(FirewallRules.between(kernelWithOthers, plan(A))).containsExactly(
                List.of("iptables", "-w", "-D", "FLOTILLA-INPUT", "-m", "comment", "--comment", "someone else", "-j", "ACCEPT"));
    }

    static final NetworkPlan A_WITH_VIPS = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.250",
            List.of("10.0.1.2", "10.0.1.3"), List.of());
    static final NetworkPlan B_WITH_VIP = new NetworkPlan("b", 4097, "10.0.2.0/24", "10.0.2.1", true, "10.0.2.250",
            List.of("10.0.2.2"), List.of());

    @Test
    void every_tcp_port_of_a_vip_goes_from_its_own_bridge_to_the_mesh_on_the_gateway() {
        assertThat(FirewallRules.vipRules(plan(A_WITH_VIPS, B_WITH_VIP))).containsExactly(
                "-A FLOTILLA-VIP -d 10.0.1.2/32 -i fl-br-4096 -p tcp -j DNAT --to-destination 10.0.1.1:4782",
                "-A FLOTILLA-VIP -d 10.0.1.3/32 -i fl-br-4096 -p tcp -j DNAT --to-destination 10.0.1.1:4782",
                "-A FLOTILLA-VIP -d 10.0.2.2/32 -i fl-br-4097 -p tcp -j DNAT --to-destination 10.0.2.1:4782");
        // a task of b sending to a's VIP is not redirected, and INPUT drops it
        assertThat(FirewallRules.inputRules(plan(A_WITH_VIPS, B_WITH_VIP)))
                .contains("-A FLOTILLA-INPUT -d 10.0.1.0/24 -i fl-br-4097 -j DROP");
    }

    @Test
    void a_vip_that_comes_or_goes_adds_or_removes_exactly_its_rule_and_a_second_pass_does_nothing() {
        NetworkPlan oneVip = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, "10.0.1.250",
                List.of("10.0.1.2"), List.of());
        assertThat(changes(KernelStates.converged(plan(oneVip), true), plan(A_WITH_VIPS))).containsExactly(
                "iptables -w -t nat -A FLOTILLA-VIP -d 10.0.1.3/32 -i fl-br-4096 -p tcp -j DNAT --to-destination 10.0.1.1:4782");
        assertThat(changes(KernelStates.converged(plan(A_WITH_VIPS), true), plan(oneVip))).containsExactly(
                "iptables -w -t nat -D FLOTILLA-VIP -d 10.0.1.3/32 -i fl-br-4096 -p tcp -j DNAT --to-destination 10.0.1.1:4782");
        assertThat(changes(KernelStates.converged(plan(A_WITH_VIPS, B_WITH_VIP), true), plan(A_WITH_VIPS, B_WITH_VIP))).isEmpty();
    }

    @Test
    void a_removed_network_takes_its_vip_rules_and_the_last_one_the_chain_and_its_jump() {
        assertThat(changes(KernelStates.converged(plan(A_WITH_VIPS, B_WITH_VIP), false), plan(A_WITH_VIPS)))
                .contains("iptables -w -t nat -D FLOTILLA-VIP -d 10.0.2.2/32 -i fl-br-4097 -p tcp -j DNAT --to-destination 10.0.2.1:4782")
                .noneMatch(change -> change.contains("10.0.1.2/32") || change.contains("10.0.1.3/32"));
        assertThat(changes(KernelStates.converged(plan(A_WITH_VIPS), false), plan())).contains(
                "iptables -w -t nat -D PREROUTING -m comment --comment flotilla -j FLOTILLA-VIP",
                "iptables -w -t nat -F FLOTILLA-VIP", "iptables -w -t nat -X FLOTILLA-VIP");
    }

    @Test
    void a_vip_jump_that_slipped_below_dockers_is_left_where_it_is_but_a_missing_one_goes_first() {
        KernelState kernel = KernelStates.converged(plan(A_WITH_VIPS), true);
        Map<String, List<String>> rules = new HashMap<>(kernel.nat().rules());
        rules.put("PREROUTING", List.of("-A PREROUTING -m addrtype --dst-type LOCAL -j DOCKER"));
        KernelState withoutJump = new KernelState(kernel.links(), kernel.fdb(), kernel.neighbours(), kernel.filter(),
                new KernelState.IptablesTable(kernel.nat().chains(), rules));
        assertThat(changes(withoutJump, plan(A_WITH_VIPS))).containsExactly(
                "iptables -w -t nat -I PREROUTING 1 -m comment --comment flotilla -j FLOTILLA-VIP");
    }

    @Test
    void printed_rules_split_into_arguments_like_a_shell_would() {
        assertThat(FirewallRules.words("FORWARD -m comment --comment \"a \\\"b\\\" c\" -j ACCEPT"))
                .containsExactly("FORWARD", "-m", "comment", "--comment", "a \"b\" c", "-j", "ACCEPT");
        assertThat(FirewallRules.words("X --comment \"\" -j DROP")).containsExactly("X", "--comment", "", "-j", "DROP");
    }

    static final NetworkPlan A_WITH_PEERS = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of(),
            List.of(new RemoteEndpoint("10.0.1.5", "198.18.77.3"), new RemoteEndpoint("10.0.1.6", "198.18.77.2"),
                    new RemoteEndpoint("10.0.1.7", "198.18.77.3")));

    @Test
    void vxlan_is_taken_only_from_the_far_ends_of_the_tunnels_and_dropped_from_anyone_else() {
        assertThat(FirewallRules.vxlanRules(plan(A_WITH_PEERS, B))).containsExactly(
                "-A FLOTILLA-VXLAN -s 198.18.77.2/32 -j RETURN",
                "-A FLOTILLA-VXLAN -s 198.18.77.3/32 -j RETURN",
                "-A FLOTILLA-VXLAN -j DROP");
        assertThat(FirewallRules.vxlanRules(plan(A))).containsExactly("-A FLOTILLA-VXLAN -j DROP");
    }

    @Test
    void a_new_peer_is_accepted_above_the_drop_and_a_gone_one_loses_its_rule() {
        NetworkPlan onePeer = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of(),
                List.of(new RemoteEndpoint("10.0.1.6", "198.18.77.2")));
        assertThat(changes(KernelStates.converged(plan(onePeer), true), plan(A_WITH_PEERS))).containsExactly(
                "iptables -w -I FLOTILLA-VXLAN 1 -s 198.18.77.3/32 -j RETURN");
        assertThat(changes(KernelStates.converged(plan(A_WITH_PEERS), true), plan(onePeer))).containsExactly(
                "iptables -w -D FLOTILLA-VXLAN -s 198.18.77.3/32 -j RETURN");
    }

    @Test
    void a_vxlan_chain_with_an_accept_after_the_drop_is_rebuilt() {
        KernelState kernel = KernelStates.converged(plan(A_WITH_PEERS), false);
        Map<String, List<String>> rules = new HashMap<>(kernel.filter().rules());
        rules.put("FLOTILLA-VXLAN", List.of("-A FLOTILLA-VXLAN -j DROP", "-A FLOTILLA-VXLAN -s 198.18.77.2/32 -j RETURN",
                "-A FLOTILLA-VXLAN -s 198.18.77.3/32 -j RETURN"));
        KernelState tampered = new KernelState(kernel.links(), kernel.fdb(), kernel.neighbours(),
                new KernelState.IptablesTable(new HashSet<>(kernel.filter().chains()), rules), kernel.nat());
        List<String> changes = changes(tampered, plan(A_WITH_PEERS));
        assertThat(changes.getFirst()).isEqualTo("iptables -w -F FLOTILLA-VXLAN");
        assertThat(changes).contains("iptables -w -A FLOTILLA-VXLAN -j DROP",
                "iptables -w -I FLOTILLA-VXLAN 1 -s 198.18.77.2/32 -j RETURN",
                "iptables -w -I FLOTILLA-VXLAN 1 -s 198.18.77.3/32 -j RETURN").hasSize(4);
    }
}
