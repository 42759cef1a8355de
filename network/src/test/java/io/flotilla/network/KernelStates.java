package io.flotilla.network;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/** Kernel states for the pure tests: the one a plan converges to, or none at all. */
final class KernelStates {
    private KernelStates() {}

    static KernelState empty(boolean docker) {
        return new KernelState(Map.of(), Set.of(), Set.of(), filter(docker, null, null, null, List.of()),
                nat(null, null, List.of()));
    }

    /** What the kernel holds once a plan is applied (Docker present or not). */
    static KernelState converged(OverlayPlan plan, boolean docker) {
        Map<String, KernelState.Link> links = new HashMap<>();
        Set<KernelState.FdbEntry> fdb = new HashSet<>();
        Set<KernelState.NeighbourEntry> neighbours = new HashSet<>();
        for (NetworkPlan network : plan.networks()) {
            Set<String> addresses = new HashSet<>();
            addresses.add(network.gateway() + "/" + network.prefixLength());
            if (network.nodeAddress() != null) {
                addresses.add(network.nodeAddress() + "/32");
            }
            network.localAddresses().forEach(address -> addresses.add(address + "/32"));
            String mac = OverlayNames.mac(network.nodeAddress() != null ? network.nodeAddress() : network.gateway());
            links.put(network.bridge(), new KernelState.Link(network.bridge(), "bridge", null, plan.overlayMtu(), true,
                    mac, addresses, null));
            links.put(network.vxlan(), new KernelState.Link(network.vxlan(), "vxlan", network.bridge(), plan.overlayMtu(), true,
                    "c6:86:a3:e0:29:2d", Set.of(),
                    new KernelState.Vxlan(network.vni(), plan.underlayAddress(), 4789, false, true)));
            for (RemoteEndpoint remote : network.remotes()) {
                fdb.add(new KernelState.FdbEntry(network.vxlan(), remote.mac(), remote.nodeAddress()));
                neighbours.add(new KernelState.NeighbourEntry(network.vxlan(), remote.address(), remote.mac()));
            }
        }
        boolean any = !plan.networks().isEmpty();
        List<String> forward = new ArrayList<>();
        FirewallRules.forwardRules(plan).stream().filter(rule -> rule.endsWith("DROP")).forEach(forward::add);
        FirewallRules.forwardRules(plan).stream().filter(rule -> !rule.endsWith("DROP")).forEach(forward::add);
        return new KernelState(links, fdb, neighbours,
                filter(docker, any ? forward : null, any ? List.copyOf(FirewallRules.inputRules(plan)) : null,
                        any ? List.copyOf(FirewallRules.vxlanRules(plan)) : null,
                        any ? List.of(jump(docker ? "DOCKER-USER" : "FORWARD", "FLOTILLA-FORWARD"), jump("INPUT", "FLOTILLA-INPUT"),
                                FirewallRules.VXLAN_JUMP)
                                : List.of()),
                nat(any ? List.copyOf(FirewallRules.natRules(plan)) : null, any ? List.copyOf(FirewallRules.vipRules(plan)) : null,
                        any ? List.of(jump("POSTROUTING", "FLOTILLA-POSTROUTING"), jump("PREROUTING", "FLOTILLA-VIP")) : List.of()));
    }

    static String jump(String from, String to) {
        return "-A " + from + " -m comment --comment flotilla -j " + to;
    }

    /** A filter table; a null chain's rules means the chain does not exist. */
    static KernelState.IptablesTable filter(boolean docker, List<String> forward, List<String> input, List<String> vxlan,
                                            List<String> jumps) {
        Set<String> chains = new HashSet<>(Set.of("INPUT", "FORWARD", "OUTPUT"));
        Map<String, List<String>> rules = new HashMap<>();
        if (docker) {
            chains.addAll(Set.of("DOCKER", "DOCKER-USER"));
            rules.put("FORWARD", new ArrayList<>(List.of("-A FORWARD -j DOCKER-USER", "-A FORWARD -o docker0 -j DOCKER")));
            rules.put("DOCKER-USER", new ArrayList<>(List.of("-A DOCKER-USER -j RETURN")));
        }
        for (String jump : jumps) {
            rules.computeIfAbsent(jump.split(" ")[1], chain -> new ArrayList<>()).addFirst(jump);
        }
        if (forward != null) {
            chains.add("FLOTILLA-FORWARD");
            rules.put("FLOTILLA-FORWARD", forward);
        }
        if (input != null) {
            chains.add("FLOTILLA-INPUT");
            rules.put("FLOTILLA-INPUT", input);
        }
        if (vxlan != null) {
            chains.add("FLOTILLA-VXLAN");
            rules.put("FLOTILLA-VXLAN", vxlan);
        }
        return new KernelState.IptablesTable(chains, rules);
    }

    /** A nat table; a null chain's rules means the chain does not exist; jumps go to the chain they name first. */
    static KernelState.IptablesTable nat(List<String> postrouting, List<String> vip, List<String> jumps) {
        Set<String> chains = new HashSet<>(Set.of("PREROUTING", "INPUT", "OUTPUT", "POSTROUTING"));
        Map<String, List<String>> rules = new HashMap<>();
        for (String jump : jumps) {
            rules.computeIfAbsent(jump.split(" ")[1], chain -> new ArrayList<>()).add(jump);
        }
        if (postrouting != null) {
            chains.add("FLOTILLA-POSTROUTING");
            rules.put("FLOTILLA-POSTROUTING", postrouting);
        }
        if (vip != null) {
            chains.add("FLOTILLA-VIP");
            rules.put("FLOTILLA-VIP", vip);
        }
        return new KernelState.IptablesTable(chains, rules);
    }
}
