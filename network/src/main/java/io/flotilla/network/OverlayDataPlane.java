package io.flotilla.network;

import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The overlay networks' data plane on one node: a Linux bridge and a VXLAN device per network,
 * static forwarding and neighbour entries for the remote endpoints, and iptables rules, all kept
 * equal to an {@link OverlayPlan} made from the cluster state (docs/networks.md).
 *
 * <p>{@link #reconcile} is level-triggered: it reads what the kernel holds, computes the
 * difference ({@link LinkChanges}, {@link FirewallRules}) and runs only that, so a second call
 * with the same plan runs no change, a new remote endpoint costs two commands and leaves every
 * other entry alone, and a restarted node repairs whatever it finds. A failing command stops the
 * pass with its error; the next pass starts from what the kernel then holds. Only devices named
 * {@code fl-br-<vni>} and {@code fl-vx-<vni>}, and Flotilla's own chains and their jumps, are
 * ever changed.
 *
 * <p>Process tasks join a network through {@link #attach}: a network namespace per task with a
 * veth per network.
 */
public final class OverlayDataPlane {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayDataPlane.class);
    /** No network: what {@link #teardown} reconciles to (the underlay is then unused). */
    private static final OverlayPlan NOTHING = OverlayPlan.empty("0.0.0.0", 1500);

    private final Commands commands;
    private final TaskNamespaces namespaces;
    private boolean forwardingOn;

    public OverlayDataPlane(Commands commands) {
        this.commands = commands;
        this.namespaces = new TaskNamespaces(commands);
    }

    /** Makes the kernel hold exactly what the plan says of the overlay. */
    public synchronized void reconcile(OverlayPlan plan) {
        KernelState kernel = KernelStateReader.read(commands);
        List<List<String>> changes = new ArrayList<>(LinkChanges.between(kernel, plan));
        changes.addAll(FirewallRules.between(kernel, plan));
        for (List<String> change : changes) {
            commands.run(change);
        }
        if (!changes.isEmpty()) {
            LOG.info("overlay: {} change(s) for {} network(s) on {}", changes.size(), plan.networks().size(), commands);
            changes.forEach(change -> LOG.debug("overlay: {}", String.join(" ", change)));
        }
        if (!forwardingOn && plan.networks().stream().anyMatch(network -> !network.internal())) {
            enableForwarding();
        }
    }

    /** Removes every overlay device, entry, rule and chain Flotilla made (task namespaces are left). */
    public synchronized void teardown() {
        reconcile(NOTHING);
    }

    /**
     * Joins a task's network namespace (made if missing) to a network planned on this node: a veth
     * whose host side is a port of the network's bridge, and inside the namespace the address,
     * its MAC, the overlay's MTU, {@code lo} up and, on the first network, the default route via
     * the gateway.
     */
    public synchronized TaskNamespace attach(String namespace, NetworkPlan network, String address) {
        return namespaces.attach(namespace, network, address);
    }

    /** Takes a task namespace off one network (its veth pair is removed). */
    public synchronized void detach(TaskNamespace attachment) {
        namespaces.detach(attachment);
    }

    /** Removes a task namespace and its veths. */
    public synchronized void remove(String namespace) {
        namespaces.remove(namespace);
    }

    /**
     * A non-internal network's tasks reach beyond the node through it (masqueraded): Docker
     * enables forwarding on its hosts, a bare node may not have. Read once per data plane.
     */
    private void enableForwarding() {
        if (!commands.run("sysctl", "-n", "net.ipv4.ip_forward").strip().equals("1")) {
            commands.run("sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
            LOG.info("overlay: enabled IPv4 forwarding on {}", commands);
        }
        forwardingOn = true;
    }
}
