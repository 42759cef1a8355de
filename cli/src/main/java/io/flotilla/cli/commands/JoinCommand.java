package io.flotilla.cli.commands;

import io.flotilla.cli.LocalNode;
import io.flotilla.cli.NodeConfig;
import io.flotilla.cli.NodeIdentity;
import io.flotilla.cli.client.ApiClient;
import io.flotilla.cli.client.ClusterClient;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.JoinResponse;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "join", description = {"Join this node to a cluster, as a worker or a manager (the token decides), in the foreground.",
        "Run it again on the same --data to restart the node: it comes back as itself, no token needed."})
public final class JoinCommand implements Callable<Integer> {
    @Option(names = "--token", paramLabel = "TOKEN", description = "Join token (`flotilla join-token worker|manager -q` on a manager).")
    String token;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Data directory: identity, Raft log, task files.")
    Path data;

    @picocli.CommandLine.Mixin
    DnsOptions dns = new DnsOptions();

    @Option(names = "--advertise", paramLabel = "ADDR", description = "Address other nodes reach this one at (API on 4780, Raft on 4781).")
    String advertise;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MANAGER_ADDR[:PORT]", description = "A manager's API (port 4780 by default).")
    String manager;

    @Override
    public Integer call() throws Exception {
        Optional<NodeConfig> existing = NodeConfig.load(data);
        if (existing.isPresent()) {
            return ClusterNodeRunner.runForeground(data, existing.get(), "restarted", dns);
        }
        if (token == null || manager == null) {
            throw new IllegalArgumentException("a new node needs --token TOKEN and a manager's address");
        }
        String host = ClusterNodeRunner.requireAdvertise(advertise);
        String nodeId = NodeIdentity.newId(new SecureRandom());
        ClusterClient cluster = new ClusterClient(manager);
        JoinResponse joined = cluster.join(new JoinRequest(token, nodeId, LocalNodeHostname.get(),
                host + ":" + ApiClient.DEFAULT_PORT));
        NodeConfig config = new NodeConfig(nodeId, joined.clusterId(), joined.role(), host, joined.managers(), false);
        config.save(data);
        return ClusterNodeRunner.runForeground(data, config, "joined through " + cluster.hostPort(), dns);
    }

    /** The hostname, as the agent reports it. */
    static final class LocalNodeHostname {
        static String get() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "localhost";
            }
        }
    }
}
