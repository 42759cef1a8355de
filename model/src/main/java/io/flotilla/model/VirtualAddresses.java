package io.flotilla.model;

import java.nio.charset.StandardCharsets;

/**
 * The stable virtual address of a service (its VIP), a pure function of its full name in
 * 127.240.0.0/12: the same on every node and across restarts, with nothing to store or
 * replicate. The mesh of a node listens on {@code VIP:target} for each port of a service in
 * {@code endpoint_mode: vip}, and DNS answers the VIP for the service's name. Two names that hash
 * to the same address are refused at deploy ({@link MeshClaims}); on 2^20 addresses that takes
 * hundreds of services to become likely at all.
 *
 * <p>Loopback, so it is reachable from processes of the node (and containers with host
 * networking), not from containers on a bridge network.
 */
public final class VirtualAddresses {
    /** The range, for documentation and checks. */
    public static final String RANGE = "127.240.0.0/12";

    private VirtualAddresses() {}

    /** The dotted address of {@code serviceName}'s VIP. */
    public static String of(String serviceName) {
        int hash = 0x811c9dc5;
        for (byte b : serviceName.getBytes(StandardCharsets.UTF_8)) {
            hash ^= b & 0xff;
            hash *= 0x01000193;
        }
        int bits = (hash ^ (hash >>> 20)) & 0xFFFFF;
        int second = 240 + (bits >>> 16);
        int third = (bits >>> 8) & 0xFF;
        int fourth = 1 + (bits & 0xFF) % 254;
        return "127." + second + "." + third + "." + fourth;
    }

    /** True for an address in {@link #RANGE}. */
    public static boolean contains(String address) {
        String[] parts = address.split("\\.");
        if (parts.length != 4 || !parts[0].equals("127")) {
            return false;
        }
        try {
            int second = Integer.parseInt(parts[1]);
            return second >= 240 && second <= 255;
        } catch (NumberFormatException e) {
            return false;
        }
    }
}
