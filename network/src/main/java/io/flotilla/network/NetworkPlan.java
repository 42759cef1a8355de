package io.flotilla.network;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * One overlay network as a node must have it: made from the cluster state (the network's VNI,
 * subnet and gateway, the addresses of its tasks and on which node each runs), for a node that runs
 * at least one task of it.
 *
 * @param name           the network's cluster-wide name (for logs and errors)
 * @param vni            the VXLAN network identifier (1 to 16777215)
 * @param subnet         the network's subnet, canonical CIDR ({@code 10.0.1.0/24})
 * @param gateway        the address every node's bridge of this network holds, in the subnet
 * @param internal       no route out of the cluster: no forwarding from the bridge anywhere but itself
 * @param localAddresses further addresses the local bridge holds (the node's own address on the
 *                       network, service VIPs), so that tasks on this node reach them locally
 * @param remotes        the network's task addresses on other nodes
 */
public record NetworkPlan(String name, int vni, String subnet, String gateway, boolean internal,
                          List<String> localAddresses, List<RemoteEndpoint> remotes) {
    static final int MAX_VNI = (1 << 24) - 1;

    public NetworkPlan {
        if (name == null || name.isBlank()) {
            throw new IllegalArgumentException("a network needs a name");
        }
        checkVni(vni);
        Cidr cidr = Cidr.parse(subnet);
        subnet = cidr.toString();
        gateway = Ipv4.canonical(gateway);
        if (!cidr.contains(gateway)) {
            throw new IllegalArgumentException("network " + name + ": gateway " + gateway + " is not in " + subnet);
        }
        localAddresses = List.copyOf(localAddresses == null ? List.of() : localAddresses);
        remotes = List.copyOf(remotes == null ? List.of() : remotes);
        Set<String> seen = new HashSet<>();
        seen.add(gateway);
        for (String address : localAddresses) {
            if (!seen.add(Ipv4.canonical(address))) {
                throw new IllegalArgumentException("network " + name + ": address " + address + " is listed twice");
            }
        }
        for (RemoteEndpoint remote : remotes) {
            if (!cidr.contains(remote.address())) {
                throw new IllegalArgumentException("network " + name + ": remote endpoint " + remote.address()
                        + " is not in " + subnet);
            }
            if (!seen.add(remote.address())) {
                throw new IllegalArgumentException("network " + name + ": address " + remote.address()
                        + " is listed twice (a remote endpoint cannot also be local or the gateway)");
            }
        }
    }

    static int checkVni(int vni) {
        if (vni < 1 || vni > MAX_VNI) {
            throw new IllegalArgumentException("a VNI is from 1 to " + MAX_VNI + ", not " + vni);
        }
        return vni;
    }

    public String bridge() {
        return OverlayNames.bridge(vni);
    }

    public String vxlan() {
        return OverlayNames.vxlan(vni);
    }

    public int prefixLength() {
        return Cidr.parse(subnet).prefixLength();
    }

    public NetworkPlan withRemotes(List<RemoteEndpoint> newRemotes) {
        return new NetworkPlan(name, vni, subnet, gateway, internal, localAddresses, newRemotes);
    }
}
