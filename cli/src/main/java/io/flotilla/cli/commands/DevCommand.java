package io.flotilla.cli.commands;

import io.flotilla.client.ApiClient;
import io.flotilla.node.LocalNode;
import io.flotilla.node.NodeAddresses;
import java.nio.file.Path;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "dev", description = {"Run a one-node cluster (manager and worker in one process) in the foreground.",
        "State and task files live under --data; restarting on the same directory restores every stack and adopts the tasks that kept running."})
public final class DevCommand implements Callable<Integer> {
    @Option(names = "--data", defaultValue = "${env:FLOTILLA_DATA:-.flotilla/dev}", paramLabel = "DIR",
            description = "Data directory: Raft log, snapshots, task files (default: .flotilla/dev).")
    Path data;

    @Option(names = "--api", defaultValue = "127.0.0.1:" + ApiClient.DEFAULT_PORT, paramLabel = "HOST:PORT",
            description = "Address of the HTTP API (default 127.0.0.1:" + ApiClient.DEFAULT_PORT + ").")
    String api;

    @Option(names = "--raft", paramLabel = "HOST:PORT", description = "Address of the Raft server (default: the API port + 1).")
    String raft;

    @picocli.CommandLine.Mixin
    LogCliOptions logging = new LogCliOptions();

    @picocli.CommandLine.Mixin
    DnsOptions dns = new DnsOptions();

    @picocli.CommandLine.Mixin
    MeshCliOptions mesh = new MeshCliOptions();

    @picocli.CommandLine.Mixin
    LeaseCliOptions lease = new LeaseCliOptions();

    @picocli.CommandLine.Mixin
    OverlayCliOptions overlay = new OverlayCliOptions();

    @Override
    public Integer call() throws Exception {
        // Bad options are refused before the log file (and so the data dir) is made.
        lease.check();
        logging.level();
        java.net.InetSocketAddress apiAddress = NodeAddresses.parseAddress(api, ApiClient.DEFAULT_PORT);
        java.net.InetSocketAddress raftAddress = raft == null ? null : NodeAddresses.parseAddress(raft, ApiClient.DEFAULT_PORT + 1);
        System.out.println("Log: " + logging.foreground(data) + "   (warnings and errors also here)");
        lease.save(data.toAbsolutePath().normalize());
        String advertise = apiAddress.getAddress().getHostAddress();
        boolean overlayOn = overlay.resolve(advertise);
        LocalNode node = LocalNode.start(data, apiAddress, raftAddress, overlayOn, dns.domain);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            System.err.println("Stopping Flotilla (tasks keep running; `flotilla dev --data " + data
                    + "` adopts them again).");
            node.close();
            stopped.countDown();
        }, "flotilla-shutdown"));
        System.out.println("Flotilla dev node " + node.nodeId() + " is up.");
        System.out.println("  API:  https://" + node.apiHostPort() + "   (export FLOTILLA_HOST=" + node.apiHostPort() + ")");
        System.out.println("  Data: " + data.toAbsolutePath().normalize());
        java.nio.file.Path tls = io.flotilla.security.TlsDirectory.of(data).path();
        System.out.println("  TLS:  mutual; the CLI's credential (admin.crt) is in " + tls
                + (tls.equals(Path.of(".flotilla/dev/tls").toAbsolutePath()) ? " (found by default from this directory)"
                : "   (export FLOTILLA_TLS_DIR=" + tls + ")"));
        dns.start(node, node.apiAddress().getAddress().getHostAddress());
        overlay.start(node, advertise, dns.domain);
        mesh.start(node, node.apiAddress().getAddress().getHostAddress());
        System.out.println("Try: flotilla stack deploy -c examples/shop/compose.yaml shop");
        System.out.flush();
        stopped.await();
        return 0;
    }
}
