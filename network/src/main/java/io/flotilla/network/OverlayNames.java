package io.flotilla.network;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.OptionalInt;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * The names and hardware addresses Flotilla gives what it puts in the kernel. Everything carries
 * the {@code fl-} prefix, and the data plane changes or removes only devices whose whole name is
 * one of these forms ({@code fl-br-<vni>}, {@code fl-vx-<vni>}), so nothing else on the node (the
 * test bed's {@code fl-underlay} included) is ever touched. Linux limits interface names to 15
 * characters: the largest VNI (16777215) gives {@code fl-br-16777215}, 14.
 */
public final class OverlayNames {
    /** Linux's IFNAMSIZ less the terminating NUL. */
    static final int MAX_INTERFACE_NAME = 15;
    private static final Pattern OVERLAY_DEVICE = Pattern.compile("fl-(br|vx)-([1-9][0-9]{0,7})");

    private OverlayNames() {}

    /** The network's bridge on a node: the tasks' veths and the VXLAN device are its ports. */
    public static String bridge(int vni) {
        return "fl-br-" + NetworkPlan.checkVni(vni);
    }

    /** The network's VXLAN device, a port of {@link #bridge}. */
    public static String vxlan(int vni) {
        return "fl-vx-" + NetworkPlan.checkVni(vni);
    }

    /**
     * The host side of a task namespace's veth on one network: {@code fl-} and 12 hex digits of a
     * hash of the namespace's name and the VNI (15 characters), so that detach finds it again
     * from the same two facts, and it never has the form of a bridge or VXLAN name (no hex digit
     * is a dash).
     */
    public static String hostVeth(String namespace, int vni) {
        try {
            byte[] digest = MessageDigest.getInstance("SHA-256")
                    .digest((namespace + "/" + vni).getBytes(StandardCharsets.UTF_8));
            return "fl-" + HexFormat.of().formatHex(digest, 0, 6);
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("the JDK has no SHA-256", e);
        }
    }

    /**
     * The MAC of an endpoint: {@code 02:42:} and the four bytes of its IPv4 address, what Docker's
     * bridge driver derives when it is given no MAC. Every node computes the same MAC for an
     * address from the cluster state alone, so a remote endpoint's forwarding and neighbour
     * entries need nothing from the node that runs it.
     */
    public static String mac(String address) {
        int value = Ipv4.parse(address);
        return String.format("02:42:%02x:%02x:%02x:%02x",
                value >>> 24, (value >>> 16) & 0xff, (value >>> 8) & 0xff, value & 0xff);
    }

    /** The VNI of a device Flotilla's data plane owns ({@code fl-br-N} or {@code fl-vx-N}), empty for any other. */
    static OptionalInt overlayDeviceVni(String name) {
        Matcher matcher = OVERLAY_DEVICE.matcher(name);
        if (!matcher.matches()) {
            return OptionalInt.empty();
        }
        int vni = Integer.parseInt(matcher.group(2));
        return vni <= NetworkPlan.MAX_VNI ? OptionalInt.of(vni) : OptionalInt.empty();
    }

    static boolean isBridge(String name) {
        return name.startsWith("fl-br-") && overlayDeviceVni(name).isPresent();
    }

    static boolean isVxlan(String name) {
        return name.startsWith("fl-vx-") && overlayDeviceVni(name).isPresent();
    }
}
