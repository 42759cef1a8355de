package io.flotilla.model;

/**
 * A port a service listens on. {@code target} is the container (or process) port; for the process
 * driver the agent picks a free host port per task and hands it to the task. {@code published} is
 * the cluster-wide port the routing mesh serves (or the host port with {@code mode: host}); null
 * for a port that is only exposed.
 *
 * @param name the port's name (compose long syntax {@code name}, or {@code http}-style defaults);
 *             never null: an unnamed port is named after its target, e.g. {@code 8080}
 */
public record PortSpec(String name, int target, Integer published, String protocol, String mode) {
    public PortSpec {
        Checks.requireText(name, "port name");
        if (target < 0 || target > 65535) {
            throw new IllegalArgumentException("port target out of range: " + target);
        }
        if (published != null && (published < 0 || published > 65535)) {
            throw new IllegalArgumentException("published port out of range: " + published);
        }
        protocol = protocol == null ? "tcp" : protocol;
        mode = mode == null ? "ingress" : mode;
    }
}
