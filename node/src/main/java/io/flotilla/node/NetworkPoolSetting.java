package io.flotilla.node;

import io.flotilla.model.Json;
import io.flotilla.model.NetworkPool;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;

/**
 * The network pool {@code flotilla init --network-pool CIDR[,CIDR] --network-size N} asked for, kept
 * in {@code <data>/network-pool.json} until the node's manager makes the cluster and writes it into
 * the cluster config (ManagerConfig.networkPool). It only matters then: the pool of a cluster does
 * not change afterwards, as Swarm's {@code default-addr-pool}.
 */
public final class NetworkPoolSetting {
    private static final String FILE = "network-pool.json";

    private NetworkPoolSetting() {}

    /**
     * IPv4 ranges in CIDR with no host bits, each at least as large as the subnets cut from it, and
     * none in loopback (127/8), link-local (169.254/16) or multicast and above (224/3).
     */
    public static void check(NetworkPool pool) {
        for (String range : pool.pools()) {
            String[] parts = range.split("/", -1);
            long base = parts.length == 2 ? address(parts[0]) : -1;
            int prefix = parts.length == 2 && parts[1].matches("\\d{1,2}") ? Integer.parseInt(parts[1]) : -1;
            if (base < 0 || prefix < 0 || prefix > 32) {
                throw new IllegalArgumentException("--network-pool takes IPv4 ranges in CIDR such as 10.0.0.0/8, not \""
                        + range + "\"");
            }
            long mask = prefix == 0 ? 0 : (0xffffffffL << (32 - prefix)) & 0xffffffffL;
            if ((base & mask) != base) {
                throw new IllegalArgumentException("--network-pool range " + range + " has host bits set");
            }
            if (prefix > pool.size()) {
                throw new IllegalArgumentException("--network-pool range " + range + " is smaller than the /"
                        + pool.size() + " subnets cut from it (--network-size)");
            }
            int first = (int) (base >>> 24);
            if (first == 127 || first >= 224 || (base >>> 16) == 0xa9fe) {
                throw new IllegalArgumentException("--network-pool range " + range
                        + " is loopback, link-local or multicast");
            }
        }
    }

    private static long address(String text) {
        String[] octets = text.split("\\.", -1);
        if (octets.length != 4) {
            return -1;
        }
        long value = 0;
        for (String octet : octets) {
            if (!octet.matches("\\d{1,3}") || Integer.parseInt(octet) > 255) {
                return -1;
            }
            value = (value << 8) | Integer.parseInt(octet);
        }
        return value;
    }

    public static void save(Path data, NetworkPool pool) throws IOException {
        check(pool);
        Files.createDirectories(data);
        Path tmp = data.resolve(FILE + ".tmp");
        Files.write(tmp, Json.writeBytes(pool));
        Files.move(tmp, data.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The saved pool, or null (the default) when none was set. */
    public static NetworkPool load(Path data) {
        Path file = data.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            NetworkPool pool = Json.read(Files.readAllBytes(file), NetworkPool.class);
            check(pool);
            return pool;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the network pool set with --network-pool from " + file + ": "
                    + e.getMessage(), e);
        }
    }
}
