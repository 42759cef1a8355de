package io.flotilla.cli.commands;

import io.flotilla.model.NetworkPool;
import io.flotilla.node.NetworkPoolSetting;
import java.io.IOException;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import picocli.CommandLine.Option;

/**
 * {@code init --network-pool CIDR[,CIDR] --network-size N}: where the managers take the subnets of
 * networks that do not name one, as Docker's {@code default-addr-pool} and
 * {@code default-addr-pool-mask-length}. Set when the cluster is made; a restart of {@code init} on
 * the same data dir may repeat the same values but not change them.
 */
public final class NetworkPoolCliOptions {
    @Option(names = "--network-pool", split = ",", paramLabel = "CIDR[,CIDR]",
            description = "IPv4 ranges networks' subnets are taken from (default: 10.0.0.0/8).")
    List<String> pools;

    @Option(names = "--network-size", paramLabel = "N",
            description = "Prefix length of each network's subnet taken from the pool (default: 24).")
    Integer size;

    /** The pool asked for, checked; null when neither option was given. */
    NetworkPool check() {
        if (pools == null && size == null) {
            return null;
        }
        NetworkPool pool = new NetworkPool(pools == null ? NetworkPool.DEFAULT.pools() : pools,
                size == null ? NetworkPool.DEFAULT.size() : size);
        NetworkPoolSetting.check(pool);
        return pool;
    }

    /**
     * Saves the pool asked for on a new cluster; on a restart ({@code existing}) refuses one that differs
     * from what the cluster was made with.
     */
    void save(Path data, boolean existing) throws IOException {
        NetworkPool pool = check();
        if (pool == null) {
            return;
        }
        if (existing) {
            NetworkPool made = Objects.requireNonNullElse(NetworkPoolSetting.load(data), NetworkPool.DEFAULT);
            if (!made.equals(pool)) {
                throw new IllegalArgumentException("the network pool is set when the cluster is made and cannot change"
                        + " (this data dir's cluster uses " + String.join(",", made.pools()) + " in /" + made.size()
                        + " subnets)");
            }
            return;
        }
        NetworkPoolSetting.save(data, pool);
    }
}
