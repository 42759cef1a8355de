package io.flotilla.model;

import java.time.Instant;

/**
 * A network as the cluster holds it: the spec and what the managers allocated for it in the Raft
 * log, the same on every node.
 *
 * @param vni       the VXLAN network identifier, unique in the cluster (4096 and up: Swarm's
 *                  range, clear of the ids people give by hand)
 * @param subnet    the IPv4 subnet (CIDR), from the spec or from the cluster's pool; no two
 *                  networks' subnets overlap
 * @param gateway   the address every node's bridge of this network holds (the tasks' default
 *                  route and DNS server); never answered across the overlay
 * @param createdAt when the network was made (the time of the command that made it)
 */
public record Network(String id, NetworkSpec spec, int vni, String subnet, String gateway, Instant createdAt) {
    public Network {
        Checks.requireText(id, "network id");
        java.util.Objects.requireNonNull(spec, "spec");
        Checks.requireText(subnet, "subnet");
        Checks.requireText(gateway, "gateway");
    }

    public String name() {
        return spec.name();
    }
}
