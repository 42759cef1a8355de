package io.flotilla.cli.commands;

import io.flotilla.node.LocalNode;
import io.flotilla.node.NodeAddresses;
import io.flotilla.node.mesh.NodeMesh;
import java.io.IOException;
import java.net.InetSocketAddress;
import picocli.CommandLine.Option;

/** The node's routing mesh: {@code --no-mesh}, {@code --metrics HOST:PORT}. */
public final class MeshCliOptions {
    @Option(names = "--no-mesh", description = "Do not run the routing mesh on this node (no published ports, no service virtual addresses).")
    boolean off;

    @picocli.CommandLine.Spec(picocli.CommandLine.Spec.Target.MIXEE)
    picocli.CommandLine.Model.CommandSpec spec;

    /** Where to serve the metrics; null: not served. */
    InetSocketAddress metrics;

    /** Parsed as the option is read: a bad value stops the command before the node starts. */
    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve the node's Prometheus metrics (Raft, leader loop, dispatcher, agent, DNS, mesh;"
                    + " docs/metrics.md) at http://HOST:PORT/metrics (default: not served).")
    void metrics(String value) {
        try {
            metrics = NodeAddresses.parseAddress(value, 9100);
        } catch (IllegalArgumentException e) {
            throw new picocli.CommandLine.ParameterException(spec.commandLine(), "--metrics: " + e.getMessage());
        }
    }

    /**
     * Serves the node's metrics when {@code --metrics} asks (with or without a mesh), then starts the
     * node's mesh on {@code nodeHost} (its advertise address) and prints what it serves; null when off.
     */
    public NodeMesh start(LocalNode node, String nodeHost) throws IOException {
        if (metrics != null) {
            InetSocketAddress served = node.metrics().serve(metrics);
            System.out.println("  Metrics: http://" + served.getAddress().getHostAddress() + ":" + served.getPort()
                    + "/metrics");
        }
        if (off) {
            System.out.println("  Mesh: off (--no-mesh)");
            return null;
        }
        NodeMesh mesh = node.startMesh(nodeHost);
        System.out.println("  Mesh: published ports on " + nodeHost + ", service VIPs in "
                + io.flotilla.model.VirtualAddresses.RANGE);
        return mesh;
    }
}
