package io.flotilla.network;

/**
 * A task address on another node: what this node needs to reach it across the overlay.
 *
 * @param address     the task's IPv4 address on the network (its MAC follows: {@link OverlayNames#mac})
 * @param nodeAddress the underlay address of the node that runs it (the VXLAN tunnel's far end)
 */
public record RemoteEndpoint(String address, String nodeAddress) {
    public RemoteEndpoint {
        address = Ipv4.canonical(address);
        nodeAddress = Ipv4.canonical(nodeAddress);
    }

    public String mac() {
        return OverlayNames.mac(address);
    }
}
