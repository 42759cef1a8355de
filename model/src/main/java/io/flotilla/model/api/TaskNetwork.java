package io.flotilla.model.api;

/**
 * One overlay network of a task as its agent needs it to attach the task: the network's
 * identity and layout (the same on every node) and the task's own address on it, chosen by the
 * managers.
 *
 * @param network the network's cluster-wide name
 * @param vni     its VXLAN id: the node's bridge for it is {@code fl-br-<vni>}
 * @param subnet  IPv4 CIDR
 * @param gateway the address of the node's bridge: the task's default route and DNS server
 * @param address the task's address on the network (no prefix)
 */
public record TaskNetwork(String network, int vni, String subnet, String gateway, boolean internal, String address) {
    /** The node's bridge for network {@code vni}: {@code fl-br-<vni>} (15 characters at most for any 24-bit id). */
    public static String bridgeName(int vni) {
        return "fl-br-" + vni;
    }

    public String bridge() {
        return bridgeName(vni);
    }

    /** The prefix length of the subnet ({@code 24} for {@code 10.0.1.0/24}). */
    public int prefixLength() {
        return Integer.parseInt(subnet.substring(subnet.indexOf('/') + 1));
    }
}
