package io.flotilla.cli.commands;

import io.flotilla.cli.NodeConfig;
import io.flotilla.cli.NodeIdentity;
import io.flotilla.model.NodeRole;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

@Command(name = "init", description = {"Start a new cluster: this node becomes its first manager (and a worker), in the foreground.",
        "Other nodes join with the command `flotilla join-token worker|manager` prints. Run it again on the same --data to restart the node."})
public final class InitCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Data directory: identity, Raft log, task files.")
    Path data;

    @picocli.CommandLine.Mixin
    DnsOptions dns = new DnsOptions();

    @Option(names = "--advertise", paramLabel = "ADDR", description = "Address other nodes reach this one at (API on 4780, Raft on 4781).")
    String advertise;

    @Override
    public Integer call() throws Exception {
        Optional<NodeConfig> existing = NodeConfig.load(data);
        NodeConfig config;
        if (existing.isPresent()) {
            config = existing.get();
            if (advertise != null && !ClusterNodeRunner.requireAdvertise(advertise).equals(config.advertise())) {
                throw new IllegalArgumentException("this data dir belongs to node " + config.nodeId() + " advertising "
                        + config.advertise() + "; a node's address cannot change");
            }
        } else {
            String host = ClusterNodeRunner.requireAdvertise(advertise);
            config = new NodeConfig(NodeIdentity.newId(new SecureRandom()), null, NodeRole.MANAGER, host, List.of(), true);
            config.save(data);
        }
        return ClusterNodeRunner.runForeground(data, config, existing.isPresent() ? "restarted" : "new cluster", dns);
    }
}
