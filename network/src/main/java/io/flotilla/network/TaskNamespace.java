package io.flotilla.network;

/**
 * A task's network namespace attached to one overlay network: a veth pair whose host side is a
 * port of the network's bridge and whose peer, inside the namespace, has the task's address and
 * MAC. A task on several networks has one of these per network, in one namespace.
 *
 * @param namespace     the namespace's name ({@code /var/run/netns/<namespace>})
 * @param vni           the network's VNI
 * @param hostInterface the host side of the veth ({@link OverlayNames#hostVeth})
 * @param interfaceName the interface inside the namespace ({@code eth0}, {@code eth1}, …)
 * @param address       the task's address on the network, with the network's prefix length
 * @param mac           {@link OverlayNames#mac} of the address
 */
public record TaskNamespace(String namespace, int vni, String hostInterface, String interfaceName,
                            String address, String mac) {}
