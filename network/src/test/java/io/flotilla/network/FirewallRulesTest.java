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
                "iptables -w -t nat -N FLOTILLA-POSTROUTING",
                "iptables -w -t nat -A FLOTILLA-POSTROUTING -s 10.0.1.0/24 ! -o fl-br-4096 -j MASQUERADE",
                "iptables -w -I FORWARD 1 -m comment --comment flotilla -j FLOTILLA-FORWARD",
                "iptables -w -I INPUT 1 -m comment --comment flotilla -j FLOTILLA-INPUT",
                "iptables -w -t nat -I POSTROUTING 1 -m comment --comment flotilla -j FLOTILLA-POSTROUTING");
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
                "iptables -w -t nat -D POSTROUTING -m comment --comment flotilla -j FLOTILLA-POSTROUTING",
                "iptables -w -F FLOTILLA-FORWARD",
                "iptables -w -X FLOTILLA-FORWARD",
                "iptables -w -F FLOTILLA-INPUT",
                "iptables -w -X FLOTILLA-INPUT",
                "iptables -w -t nat -F FLOTILLA-POSTROUTING",
                "iptables -w -t nat -X FLOTILLA-POSTROUTING");
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

    @Test
    void printed_rules_split_into_arguments_like_a_shell_would() {
        assertThat(FirewallRules.words("FORWARD -m comment --comment \"a \\\"b\\\" c\" -j ACCEPT"))
                .containsExactly("FORWARD", "-m", "comment", "--comment", "a \"b\" c", "-j", "ACCEPT");
        assertThat(FirewallRules.words("X --comment \"\" -j DROP")).containsExactly("X", "--comment", "", "-j", "DROP");
    }
}
