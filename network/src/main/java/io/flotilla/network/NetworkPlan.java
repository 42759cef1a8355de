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
 * @param nodeAddress    the node's own address on the network (null until allocated): the bridge
 *                       holds it and takes its MAC ({@link #bridgeMac}), because the other nodes
 *                       derive that MAC from the address and send frames for it here
 * @param localAddresses further addresses the local bridge holds (service VIPs), so that tasks on
 *                       this node reach them locally; every TCP port of each is redirected to the
 *                       mesh's transparent listener ({@link #vipListener})
 * @param remotes        the network's task addresses on other nodes (and the other nodes' own addresses)
 */
public record NetworkPlan(String name, int vni, String subnet, String gateway, boolean internal, String nodeAddress,
                          List<String> localAddresses, List<RemoteEndpoint> remotes) {
    static final int MAX_VNI = (1 << 24) - 1;
    /**
     * The port of the mesh's transparent listener on each network's gateway, where the data plane
     * sends every TCP connection to a VIP (next to the API's 4780 and Raft's 4781; on the
     * gateway, an overlay address only the node's bridges hold).
     */
    public static final int VIP_LISTENER_PORT = 4782;

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
        if (nodeAddress != null) {
            nodeAddress = Ipv4.canonical(nodeAddress);
            if (!cidr.contains(nodeAddress) || !seen.add(nodeAddress)) {
                throw new IllegalArgumentException("network " + name + ": the node's address " + nodeAddress
                        + " is not a host address of " + subnet + " other than the gateway");
            }
        }
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

    /** Without an address of the node's own (the bridge takes the gateway's MAC). */
    public NetworkPlan(String name, int vni, String subnet, String gateway, boolean internal,
                       List<String> localAddresses, List<RemoteEndpoint> remotes) {
        this(name, vni, subnet, gateway, internal, null, localAddresses, remotes);
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

    /**
     * The bridge's MAC: {@code 02:42:} and the node's own address, else the gateway's. The other
     * nodes reach this node's own address (its mesh's source address, toward their tasks' replies)
     * by the MAC they derive from it ({@link OverlayNames#mac}); the bridge accepts a frame for
     * itself only at its own MAC, so it must be that one. The gateway and the VIPs, which every
     * node holds, are answered by ARP from the bridge and take whatever MAC it has.
     */
    public String bridgeMac() {
        return OverlayNames.mac(nodeAddress != null ? nodeAddress : gateway);
    }

    /** Every address the bridge holds besides the gateway: the node's own, then the others. */
    public List<String> bridgeAddresses() {
        if (nodeAddress == null) {
            return localAddresses;
        }
        List<String> all = new java.util.ArrayList<>();
        all.add(nodeAddress);
        all.addAll(localAddresses);
        return List.copyOf(all);
    }

    /** Where connections to this network's VIPs are sent: {@code <gateway>:}{@link #VIP_LISTENER_PORT}. */
    public String vipListener() {
        return gateway + ":" + VIP_LISTENER_PORT;
    }

    public int prefixLength() {
        return Cidr.parse(subnet).prefixLength();
    }

    public NetworkPlan withRemotes(List<RemoteEndpoint> newRemotes) {
        return new NetworkPlan(name, vni, subnet, gateway, internal, nodeAddress, localAddresses, newRemotes);
    }
}
