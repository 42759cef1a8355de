package io.flotilla.cli.commands;

import io.flotilla.node.LocalNode;
import io.flotilla.node.NodeConfig;
import java.nio.file.Path;
import java.util.concurrent.CountDownLatch;

/** Runs a cluster node in the foreground until the process is asked to stop (SIGINT, SIGTERM). */
final class ClusterNodeRunner {
    private ClusterNodeRunner() {}

    static int runForeground(Path data, NodeConfig config, String how, DnsOptions dns, MeshCliOptions mesh,
                             OverlayCliOptions overlay) throws Exception {
        return runForeground(data, config, how, dns, mesh, overlay, null);
    }

    /** @param certValidity node certificates' validity ({@code init --cert-expiry}); null: the default */
    static int runForeground(Path data, NodeConfig config, String how, DnsOptions dns, MeshCliOptions mesh,
                             OverlayCliOptions overlay, java.time.Duration certValidity)
            throws Exception {
        // the agent gives tasks on networks the search domain <stack>.<--dns-domain>: it is made before DNS starts
        boolean overlayOn = overlay.resolve(config.advertise());
        LocalNode node = LocalNode.startCluster(data, config, certValidity, overlayOn, dns.domain);
        if (config.clusterId() == null && node.clusterId() != null) {
            config = new NodeConfig(config.nodeId(), node.clusterId(), config.role(),
                    config.advertise(), config.managers(), config.bootstrap());
            config.save(data);
        }
        NodeConfig running = config;
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("Stopping node " + running.nodeId() + " (tasks keep running; run the same command"
                    + " again on --data " + data + " to bring it back).");
            node.close();
            stopped.countDown();
        }, "flotilla-shutdown"));
        System.out.println("Flotilla node " + config.nodeId() + " is up (" + how + ", "
                + config.role().name().toLowerCase(java.util.Locale.ROOT) + ", cluster " + config.clusterId() + ").");
        // Every node serves the API: a manager its own, a worker relays it to the managers.
        String api = node.apiAddress().getAddress().getHostAddress() + ":" + node.apiAddress().getPort();
        System.out.println("  API:  https://" + api + "   (export FLOTILLA_HOST=" + api + ")"
                + (node.manager() == null ? "  relayed to the managers" : ""));
        System.out.println("  Data: " + data.toAbsolutePath().normalize());
        java.nio.file.Path tls = io.flotilla.security.TlsDirectory.of(data).path();
        if (java.nio.file.Files.exists(tls.resolve("admin.key"))) {
            System.out.println("  TLS:  mutual; the CLI's credential is in " + tls + "   (export FLOTILLA_TLS_DIR=" + tls + ")");
        } else {
            System.out.println("  TLS:  mutual; this node's credential is in " + tls);
        }
        // Every node serves DNS: a manager from its registry, a worker from its mirror of the managers'.
        dns.start(node, node.manager() != null ? node.apiAddress().getAddress().getHostAddress() : config.advertise());
        overlay.start(node, config.advertise(), dns.domain);
        mesh.start(node, config.advertise());
        System.out.flush();
        while (!stopped.await(1, java.util.concurrent.TimeUnit.SECONDS)) {
            String failure = node.failure();
            if (failure != null) {
                // a manager without its Raft log can answer nothing truthfully: exit, so that the operator
                // (or the service manager restarting it) sees why, and clients go to the other managers
                System.err.println("Flotilla node " + running.nodeId() + " cannot go on: " + failure
                        + (failure.endsWith(".") ? "" : ".") + " Exiting with status " + EXIT_RAFT_STOPPED + ".");
                return EXIT_RAFT_STOPPED;
            }
        }
        return 0;
    }

    /** The exit status of a node whose manager's Raft server stopped by itself: EX_SOFTWARE of sysexits.h. */
    static final int EXIT_RAFT_STOPPED = 70;

    static String requireAdvertise(String advertise) {
        if (advertise == null || advertise.isBlank()) {
            throw new IllegalArgumentException("--advertise ADDR is required: the address other nodes reach this one at");
        }
        String host = advertise.strip();
        if (host.contains(":") && !host.startsWith("[")) {
            throw new IllegalArgumentException("--advertise takes an address without a port (API 4780 and Raft 4781"
                    + " are fixed): " + advertise);
        }
        return host;
    }
}
