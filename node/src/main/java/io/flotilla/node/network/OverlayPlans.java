package io.flotilla.node.network;

import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.PeerEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import io.flotilla.network.NetworkPlan;
import io.flotilla.network.OverlayPlan;
import io.flotilla.network.RemoteEndpoint;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

/**
 * The node's {@link OverlayPlan} as a pure function of its {@link NetworkDirectory}: per network
 * its VNI, subnet, gateway and {@code internal}; the node's own address there (the bridge holds
 * it and takes its MAC, which the other nodes derive from it); the services' VIPs as local
 * addresses (every node's bridge holds them, so tasks reach them at the local mesh); and as remote
 * endpoints every task address on another node and every other node's own address, each with its
 * node's underlay address.
 *
 * <p>What the managers send is taken as it comes, but an entry that would make the plan invalid
 * (an address twice, an address outside the subnet, a second network with one VNI or an
 * overlapping subnet) is left out with a problem to report, so one bad entry never stops the
 * node's other networks from being programmed.
 */
public final class OverlayPlans {
    /** The plan and what was left out of it, and why. */
    public record Result(OverlayPlan plan, List<String> problems) {}

    private OverlayPlans() {}

    /**
     * @param directory       the node's networks as its session has them
     * @param nodeId          this node's id: endpoints on it are local (their namespaces are attached here)
     * @param underlayAddress this node's advertise address, the VXLAN devices' local end
     * @param underlayMtu     the MTU of the interface that holds it
     */
    public static Result of(NetworkDirectory directory, String nodeId, String underlayAddress, int underlayMtu) {
        List<String> problems = new ArrayList<>();
        List<NetworkPlan> networks = new ArrayList<>();
        for (NetworkEntry network : directory.networks()) {
            NetworkPlan plan;
            try {
                plan = network(network, nodeId, problems);
            } catch (IllegalArgumentException e) {
                problems.add("network " + network.name() + " left out: " + e.getMessage());
                continue;
            }
            List<NetworkPlan> with = new ArrayList<>(networks);
            with.add(plan);
            try {
                new OverlayPlan(underlayAddress, underlayMtu, with);
                networks = with;
            } catch (IllegalArgumentException e) {
                problems.add("network " + network.name() + " left out: " + e.getMessage());
            }
        }
        return new Result(new OverlayPlan(underlayAddress, underlayMtu, networks), List.copyOf(problems));
    }

    private static NetworkPlan network(NetworkEntry network, String nodeId, List<String> problems) {
        NetworkPlan bare = new NetworkPlan(network.name(), network.vni(), network.subnet(), network.gateway(),
                network.internal(), network.nodeAddress(), List.of(), List.of());
        Set<String> taken = new LinkedHashSet<>();
        taken.add(bare.gateway());
        if (bare.nodeAddress() != null) {
            taken.add(bare.nodeAddress());
        }
        List<String> vips = new ArrayList<>();
        for (ServiceEntry service : network.services()) {
            if (service.vip() != null && taken.add(service.vip())) {
                vips.add(service.vip());
            }
        }
        NetworkPlan local = new NetworkPlan(bare.name(), bare.vni(), bare.subnet(), bare.gateway(), bare.internal(),
                bare.nodeAddress(), vips, List.of());
        List<RemoteEndpoint> remotes = new ArrayList<>();
        for (EndpointEntry endpoint : network.endpoints()) {
            if (!Objects.equals(endpoint.nodeId(), nodeId)) {
                remote(local, endpoint.address(), endpoint.nodeAddress(), taken, remotes, problems);
            }
        }
        for (PeerEntry peer : network.peers()) {
            if (!Objects.equals(peer.nodeId(), nodeId) && peer.address() != null) {
                remote(local, peer.address(), peer.nodeAddress(), taken, remotes, problems);
            }
        }
        return local.withRemotes(remotes);
    }

    private static void remote(NetworkPlan network, String address, String nodeAddress, Set<String> taken,
                               List<RemoteEndpoint> remotes, List<String> problems) {
        try {
            RemoteEndpoint remote = new RemoteEndpoint(address, nodeAddress);
            if (!taken.add(remote.address())) {
                problems.add("network " + network.name() + ": " + address + " on " + nodeAddress
                        + " left out: the address is already the gateway, a VIP, this node's or another endpoint's");
                return;
            }
            network.withRemotes(List.of(remote)); // checks it is in the subnet
            remotes.add(remote);
        } catch (IllegalArgumentException | NullPointerException e) {
            problems.add("network " + network.name() + ": endpoint " + address + " on " + nodeAddress + " left out: "
                    + e.getMessage());
        }
    }
}
