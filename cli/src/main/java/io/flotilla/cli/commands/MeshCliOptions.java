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

    @Option(names = "--metrics", paramLabel = "HOST:PORT",
            description = "Serve the mesh's Prometheus metrics at http://HOST:PORT/metrics (default: not served).")
    String metrics;

    /** Starts the node's mesh on {@code nodeHost} (its advertise address) and prints what it serves; null when off. */
    public NodeMesh start(LocalNode node, String nodeHost) throws IOException {
        if (off) {
            System.out.println("  Mesh: off (--no-mesh)");
            return null;
        }
        InetSocketAddress metricsBind = metrics == null ? null : NodeAddresses.parseAddress(metrics, 9100);
        NodeMesh mesh = node.startMesh(nodeHost, metricsBind);
        InetSocketAddress served = mesh.metricsAddress();
        System.out.println("  Mesh: published ports on " + nodeHost + ", service VIPs in "
                + io.flotilla.model.VirtualAddresses.RANGE
                + (served == null ? "" : "; metrics http://" + served.getAddress().getHostAddress() + ":" + served.getPort() + "/metrics"));
        return mesh;
    }
}
