package io.flotilla.cli.commands;

import io.flotilla.node.LocalNode;
import picocli.CommandLine.Option;

/**
 * The node's overlay networks: {@code --overlay} (or {@code FLOTILLA_OVERLAY=1}). Off by default:
 * the data plane changes the kernel's bridges, VXLAN devices and iptables, which only a node that
 * owns its network namespace may do (root, one node per host). Several nodes of one machine on
 * 127.0.0.x (the loopback test clusters, {@code flotilla dev}) would share one namespace and fight
 * over the same bridges, and 127.0.0.x carries no VXLAN to another host anyway.
 */
public final class OverlayCliOptions {
    @Option(names = "--overlay", defaultValue = "${env:FLOTILLA_OVERLAY:-false}", fallbackValue = "true", arity = "0..1",
            description = "Run the overlay networks' data plane on this node (bridges, VXLAN on UDP 4789 from the advertise"
                    + " address, iptables; needs root) and DNS on each network's gateway (env FLOTILLA_OVERLAY; default: off).")
    boolean on;

    /** Starts following the node's overlay networks when asked to, and says so. */
    public void start(LocalNode node, String advertise, String domain) {
        if (!on) {
            return;
        }
        node.startNetworks(advertise, domain);
        System.out.println("  Overlay: VXLAN from " + advertise + ", DNS on each network's gateway (port 53)");
    }
}
