package io.flotilla.model;

import java.util.Map;

/**
 * A network as the user declares it: a stack file's top-level {@code networks:} entry (or
 * {@code <stack>_default}, which every stack gets), or {@code flotilla network create}. Every
 * network is an overlay: one isolated layer-2 segment that crosses the cluster's nodes by VXLAN
 * (docs/networks.md).
 *
 * @param name       the cluster-wide name: {@code <stack>_<key>} for a stack's network (Compose's
 *                   convention), the given name for one made with {@code network create}
 * @param stack      the stack that owns it; null for a network made on its own (which stacks may
 *                   use as {@code external: true})
 * @param internal   no route out of the cluster: its tasks reach only each other
 * @param attachable a network made on its own that any stack may use; stack networks are not
 * @param labels     the user's labels, shown by {@code network inspect}
 * @param subnet     the subnet the user asked for ({@code ipam.config[].subnet}, IPv4 CIDR); null:
 *                   the managers take one from the cluster's pool
 * @param gateway    the gateway the user asked for; null: the subnet's first address
 */
public record NetworkSpec(String name, String stack, boolean internal, boolean attachable,
                          Map<String, String> labels, String subnet, String gateway) {
    /** The only driver: an overlay across the cluster's nodes. */
    public static final String OVERLAY = "overlay";

    public NetworkSpec {
        Checks.requireText(name, "network name");
        labels = Checks.map(labels);
    }

    /** The name of a stack's default network. */
    public static String defaultName(String stack) {
        return stack + "_default";
    }

    /** {@code <stack>_<key>}: the cluster-wide name of the network a stack file declares as {@code key}. */
    public static String fullName(String stack, String key) {
        return stack + "_" + key;
    }
}
