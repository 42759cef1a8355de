package io.flotilla.model;

import java.util.Locale;

/**
 * A port a service listens on. {@code target} is the container (or process) port; for the process
 * driver the agent picks a free host port per task and hands it to the task. {@code published} is
 * the cluster-wide port the routing mesh serves (or the host port with {@code mode: host}); null
 * for a port that is only exposed.
 *
 * @param name        the port's name (compose long syntax {@code name}, or {@code http}-style defaults);
 *                    never null: an unnamed port is named after its target, e.g. {@code 8080}
 * @param mode        {@code ingress} (default: the mesh serves the published port on every node) or
 *                    {@code host} (the task's node only, on the task's own host port)
 * @param appProtocol compose {@code app_protocol}: {@code http} makes the mesh route the port per
 *                    request (L7), {@code https} the same behind TLS the mesh terminates; null (or
 *                    anything else): the mesh forwards connections (L4)
 */
public record PortSpec(String name, int target, Integer published, String protocol, String mode, String appProtocol) {
    public static final String INGRESS = "ingress";
    public static final String HOST = "host";

    public PortSpec {
        Checks.requireText(name, "port name");
        if (target < 0 || target > 65535) {
            throw new IllegalArgumentException("port target out of range: " + target);
        }
        if (published != null && (published < 0 || published > 65535)) {
            throw new IllegalArgumentException("published port out of range: " + published);
        }
        protocol = protocol == null ? "tcp" : protocol;
        mode = mode == null ? INGRESS : mode;
        appProtocol = appProtocol == null || appProtocol.isBlank() ? null : appProtocol.toLowerCase(Locale.ROOT);
    }

    /** A port without an application protocol (L4 in the mesh). */
    public PortSpec(String name, int target, Integer published, String protocol, String mode) {
        this(name, target, published, protocol, mode, null);
    }

    /** True when the mesh routes this port per HTTP request ({@code app_protocol} http or https). */
    public boolean http() {
        return "http".equals(appProtocol) || "https".equals(appProtocol);
    }

    /** True when the mesh terminates TLS on this port ({@code app_protocol: https}). */
    public boolean tls() {
        return "https".equals(appProtocol);
    }

    /** True for a TCP port published through the mesh on every node. */
    public boolean ingress() {
        return published != null && published > 0 && INGRESS.equals(mode) && "tcp".equals(protocol);
    }
}
