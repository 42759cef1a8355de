package io.flotilla.network;

import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

/**
 * Flotilla's iptables rules for a plan, and the commands that take the kernel's tables to them.
 * Every rule lives in chains Flotilla owns, reached by one jump each marked {@code -m comment
 * --comment flotilla}; nothing else is changed, and a plan with no network removes the jumps and
 * the chains.
 *
 * <ul>
 *   <li>{@code FLOTILLA-FORWARD}, jumped to from {@code DOCKER-USER} when Docker made it, else
 *       from {@code FORWARD}: Docker sets the FORWARD policy to DROP and, with
 *       {@code bridge-nf-call-iptables=1}, frames bridged between a network's VXLAN device and
 *       its tasks pass FORWARD too. Drops first: to another network's subnet from a network's
 *       bridge; for an internal network, anything leaving or entering its bridge from elsewhere.
 *       Then accepts: within each bridge; out of a non-internal network's bridge, and the replies
 *       back into it. Drops are inserted at the top and accepts appended, so the chain stays
 *       "all drops, then all accepts" whatever is added; a chain found otherwise is rebuilt.</li>
 *   <li>{@code FLOTILLA-INPUT} (from {@code INPUT}): from a network's bridge to another network's
 *       subnet, dropped, so the node's own addresses on another network's bridge are not reached
 *       either.</li>
 *   <li>{@code FLOTILLA-POSTROUTING} (nat, from {@code POSTROUTING}): a non-internal network's
 *       tasks reach beyond the node masqueraded as the node.</li>
 *   <li>{@code FLOTILLA-VXLAN} (from {@code INPUT}, UDP to port 4789 only): VXLAN is accepted from
 *       the nodes this one shares a network with (the far ends of its tunnels, {@code RETURN} to
 *       the rest of INPUT) and dropped from anyone else, so a host that merely reaches the node's
 *       port cannot put frames into its networks. Accepts first, the drop last, whatever is
 *       added.</li>
 *   <li>{@code FLOTILLA-VIP} (nat, from {@code PREROUTING}, jumped to first, before Docker's
 *       published ports): every TCP connection from a network's bridge to one of its VIPs, any
 *       port, goes to the mesh's transparent listener on the network's gateway
 *       ({@link NetworkPlan#VIP_LISTENER_PORT}), which reads where it was sent from conntrack.
 *       Only from that network's own bridge: another network's task is not redirected, and
 *       {@code FLOTILLA-INPUT} drops it. DNAT rather than TPROXY: with
 *       {@code bridge-nf-call-iptables=1} (Docker's setting) a frame entering a bridge passes
 *       PREROUTING in the bridge's path only, and the socket TPROXY assigns there is dropped
 *       before TCP looks it up (docs/networks.md, "Every port of a VIP").</li>
 * </ul>
 * Rules are written the way {@code iptables -S} prints them, so comparing strings is comparing
 * rules.
 */
final class FirewallRules {
    static final String FORWARD_CHAIN = "FLOTILLA-FORWARD";
    static final String INPUT_CHAIN = "FLOTILLA-INPUT";
    static final String NAT_CHAIN = "FLOTILLA-POSTROUTING";
    static final String VIP_CHAIN = "FLOTILLA-VIP";
    static final String MARK = "-m comment --comment flotilla";
    static final String VXLAN_CHAIN = "FLOTILLA-VXLAN";
    /** The jump to {@link #VXLAN_CHAIN}: only the VXLAN port, as {@code iptables -S} prints it. */
    static final String VXLAN_JUMP = "-A INPUT -p udp -m udp --dport " + LinkChanges.VXLAN_PORT + " " + MARK + " -j " + VXLAN_CHAIN;

    /** Where a chain's drops must stand among its other rules. */
    private enum Order { ANY, DROPS_FIRST, DROPS_LAST }

    private FirewallRules() {}

    static List<List<String>> between(KernelState kernel, OverlayPlan plan) {
        List<List<String>> commands = new ArrayList<>();
        boolean wanted = !plan.networks().isEmpty();
        String forwardFrom = kernel.filter().has("DOCKER-USER") ? "DOCKER-USER" : "FORWARD";
        Set<String> filterJumps = wanted
                ? Set.of(jump(forwardFrom, FORWARD_CHAIN), jump("INPUT", INPUT_CHAIN), VXLAN_JUMP)
                : Set.of();
        Set<String> natJumps = wanted ? Set.of(jump("POSTROUTING", NAT_CHAIN), jump("PREROUTING", VIP_CHAIN)) : Set.of();
        if (!wanted) {
            removeJumps(commands, "filter", kernel.filter(), filterJumps);
            removeJumps(commands, "nat", kernel.nat(), natJumps);
        }
        chain(commands, "filter", kernel.filter(), FORWARD_CHAIN, wanted ? forwardRules(plan) : null, Order.DROPS_FIRST);
        chain(commands, "filter", kernel.filter(), INPUT_CHAIN, wanted ? inputRules(plan) : null, Order.ANY);
        chain(commands, "filter", kernel.filter(), VXLAN_CHAIN, wanted ? vxlanRules(plan) : null, Order.DROPS_LAST);
        chain(commands, "nat", kernel.nat(), NAT_CHAIN, wanted ? natRules(plan) : null, Order.ANY);
        chain(commands, "nat", kernel.nat(), VIP_CHAIN, wanted ? vipRules(plan) : null, Order.ANY);
        if (wanted) {
            removeJumps(commands, "filter", kernel.filter(), filterJumps);
            removeJumps(commands, "nat", kernel.nat(), natJumps);
            addJumps(commands, "filter", kernel.filter(), filterJumps);
            addJumps(commands, "nat", kernel.nat(), natJumps);
        }
        return commands;
    }

    static Set<String> forwardRules(OverlayPlan plan) {
        Set<String> rules = new LinkedHashSet<>();
        for (NetworkPlan network : plan.networks()) {
            String bridge = network.bridge();
            for (NetworkPlan other : plan.networks()) {
                if (other != network) {
                    rules.add("-A " + FORWARD_CHAIN + " -d " + other.subnet() + " -i " + bridge + " -j DROP");
                }
            }
            if (network.internal()) {
                rules.add("-A " + FORWARD_CHAIN + " -i " + bridge + " ! -o " + bridge + " -j DROP");
                rules.add("-A " + FORWARD_CHAIN + " ! -i " + bridge + " -o " + bridge + " -j DROP");
            }
        }
        for (NetworkPlan network : plan.networks()) {
            String bridge = network.bridge();
            rules.add("-A " + FORWARD_CHAIN + " -i " + bridge + " -o " + bridge + " -j ACCEPT");
            if (!network.internal()) {
                rules.add("-A " + FORWARD_CHAIN + " -i " + bridge + " -j ACCEPT");
                rules.add("-A " + FORWARD_CHAIN + " -o " + bridge + " -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT");
            }
        }
        return rules;
    }

    static Set<String> inputRules(OverlayPlan plan) {
        Set<String> rules = new LinkedHashSet<>();
        for (NetworkPlan network : plan.networks()) {
            for (NetworkPlan other : plan.networks()) {
                if (other != network) {
                    rules.add("-A " + INPUT_CHAIN + " -d " + other.subnet() + " -i " + network.bridge() + " -j DROP");
                }
            }
        }
        return rules;
    }

    /** VXLAN from the far end of every tunnel (sorted, so the rules do not move), then a drop. */
    static Set<String> vxlanRules(OverlayPlan plan) {
        java.util.TreeSet<String> peers = new java.util.TreeSet<>(java.util.Comparator.comparingLong(a -> Integer.toUnsignedLong(Ipv4.parse(a))));
        for (NetworkPlan network : plan.networks()) {
            for (RemoteEndpoint remote : network.remotes()) {
                if (!remote.nodeAddress().equals(plan.underlayAddress())) {
                    peers.add(remote.nodeAddress());
                }
            }
        }
        Set<String> rules = new LinkedHashSet<>();
        for (String peer : peers) {
            rules.add("-A " + VXLAN_CHAIN + " -s " + peer + "/32 -j RETURN");
        }
        rules.add("-A " + VXLAN_CHAIN + " -j DROP");
        return rules;
    }

    static Set<String> natRules(OverlayPlan plan) {
        Set<String> rules = new LinkedHashSet<>();
        for (NetworkPlan network : plan.networks()) {
            if (!network.internal()) {
                rules.add("-A " + NAT_CHAIN + " -s " + network.subnet() + " ! -o " + network.bridge() + " -j MASQUERADE");
            }
        }
        return rules;
    }

    /** Each network's VIPs, every TCP port, from its own bridge to the mesh's transparent listener on its gateway. */
    static Set<String> vipRules(OverlayPlan plan) {
        Set<String> rules = new LinkedHashSet<>();
        for (NetworkPlan network : plan.networks()) {
            for (String vip : network.localAddresses()) {
                rules.add("-A " + VIP_CHAIN + " -d " + vip + "/32 -i " + network.bridge()
                        + " -p tcp -j DNAT --to-destination " + network.vipListener());
            }
        }
        return rules;
    }

    /** Brings one owned chain to {@code wanted}; null removes it (flushed, then deleted). */
    private static void chain(List<List<String>> commands, String table, KernelState.IptablesTable current,
                              String chain, Set<String> wanted, Order order) {
        if (wanted == null) {
            if (current.has(chain)) {
                commands.add(iptables(table, "-F", chain));
                commands.add(iptables(table, "-X", chain));
            }
            return;
        }
        List<String> rules = current.rules(chain);
        if (!current.has(chain)) {
            commands.add(iptables(table, "-N", chain));
        } else if (order == Order.DROPS_FIRST && !dropsBeforeAccepts(rules)
                || order == Order.DROPS_LAST && !dropsBeforeAccepts(rules.reversed())) {
            commands.add(iptables(table, "-F", chain));
            rules = List.of();
        }
        for (String rule : rules) {
            if (!wanted.contains(rule)) {
                commands.add(iptablesRule(table, "-D", words(rule.substring(3))));
            }
        }
        for (String rule : wanted) {
            if (!rules.contains(rule)) {
                List<String> spec = words(rule.substring(3 + chain.length() + 1));
                boolean drop = rule.endsWith(" -j DROP");
                boolean top = order == Order.DROPS_FIRST && drop || order == Order.DROPS_LAST && !drop;
                commands.add(top ? iptables(table, "-I", chain, "1", spec) : iptables(table, "-A", chain, spec));
            }
        }
    }

    static boolean dropsBeforeAccepts(List<String> rules) {
        boolean accepted = false;
        for (String rule : rules) {
            if (rule.endsWith(" -j DROP") && accepted) {
                return false;
            }
            accepted |= !rule.endsWith(" -j DROP");
        }
        return true;
    }

    private static String jump(String from, String to) {
        return "-A " + from + " " + MARK + " -j " + to;
    }

    /** Removes every marked jump to a Flotilla chain that is not wanted (from wherever it is). */
    private static void removeJumps(List<List<String>> commands, String table, KernelState.IptablesTable current,
                                    Set<String> wanted) {
        current.rules().values().stream().flatMap(List::stream)
                .filter(rule -> rule.contains(" " + MARK + " -j FLOTILLA-") && !wanted.contains(rule))
                .sorted()
                .forEach(rule -> commands.add(iptablesRule(table, "-D", words(rule.substring(3)))));
    }

    private static void addJumps(List<List<String>> commands, String table, KernelState.IptablesTable current,
                                 Set<String> wanted) {
        for (String jump : wanted.stream().sorted().toList()) {
            String[] words = jump.split(" ", 3);
            if (!current.rules(words[1]).contains(jump)) {
                commands.add(iptables(table, "-I", words[1], "1", words(words[2])));
            }
        }
    }

    private static List<String> iptables(String table, String operation, String chain, Object... rest) {
        List<String> command = new ArrayList<>(List.of("iptables", "-w"));
        if (!table.equals("filter")) {
            command.addAll(List.of("-t", table));
        }
        command.add(operation);
        command.add(chain);
        for (Object part : rest) {
            if (part instanceof List<?> list) {
                list.forEach(word -> command.add((String) word));
            } else {
                command.add((String) part);
            }
        }
        return command;
    }

    private static List<String> iptablesRule(String table, String operation, List<String> chainAndSpec) {
        return iptables(table, operation, chainAndSpec.getFirst(), chainAndSpec.subList(1, chainAndSpec.size()));
    }

    /** Splits a printed rule into arguments; {@code iptables -S} quotes a word with spaces in double quotes. */
    static List<String> words(String text) {
        List<String> words = new ArrayList<>();
        StringBuilder word = new StringBuilder();
        boolean quoted = false;
        boolean any = false;
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '"') {
                quoted = !quoted;
                any = true;
            } else if (c == '\\' && quoted && i + 1 < text.length()) {
                word.append(text.charAt(++i));
            } else if (c == ' ' && !quoted) {
                if (any) {
                    words.add(word.toString());
                    word.setLength(0);
                    any = false;
                }
            } else {
                word.append(c);
                any = true;
            }
        }
        if (any) {
            words.add(word.toString());
        }
        return words;
    }
}
