package io.flotilla.model;

import java.util.List;

/**
 * Where the managers take the subnets of networks that do not name one: {@code flotilla init
 * --network-pool CIDR[,CIDR] --network-size N}, as Docker's {@code default-addr-pool}. The default
 * is Swarm's: 10.0.0.0/8 in /24 subnets.
 *
 * @param pools IPv4 ranges (CIDR) to cut subnets from, in order
 * @param size  the prefix length of each subnet taken from them
 */
public record NetworkPool(List<String> pools, int size) {
    public static final NetworkPool DEFAULT = new NetworkPool(List.of("10.0.0.0/8"), 24);

    public NetworkPool {
        pools = Checks.list(pools);
        if (pools.isEmpty()) {
            throw new IllegalArgumentException("a network pool needs at least one range");
        }
        if (size < 8 || size > 29) {
            throw new IllegalArgumentException("network size must be between 8 and 29, not " + size);
        }
    }
}
