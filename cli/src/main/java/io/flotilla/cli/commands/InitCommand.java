package io.flotilla.cli.commands;

import io.flotilla.model.NodeRole;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeIdentity;
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
    LogCliOptions logging = new LogCliOptions();

    @picocli.CommandLine.Mixin
    DnsOptions dns = new DnsOptions();

    @picocli.CommandLine.Mixin
    MeshCliOptions mesh = new MeshCliOptions();

    @picocli.CommandLine.Mixin
    OverlayCliOptions overlay = new OverlayCliOptions();

    @picocli.CommandLine.Mixin
    LeaseCliOptions lease = new LeaseCliOptions();

    @picocli.CommandLine.Mixin
    GlusterCliOptions gluster = new GlusterCliOptions();

    @picocli.CommandLine.Mixin
    NetworkPoolCliOptions networkPool = new NetworkPoolCliOptions();

    @Option(names = "--advertise", paramLabel = "ADDR", description = "Address other nodes reach this one at (API on 4780, Raft on 4781).")
    String advertise;

    @Option(names = "--cert-expiry", paramLabel = "DURATION", description = {"Validity of node certificates"
            + " (default 90d; e.g. 30s, 15m, 12h, 90d); nodes renew theirs at two thirds of it.",
            "The cluster CA is valid 10 years, the admin credential (DATA/tls/admin.crt) 1 year."})
    String certExpiry;

    @Option(names = "--force-new-cluster", description = {"On a surviving manager's --data, after a majority of managers was lost"
            + " for good: start a one-manager cluster from this manager's own state (same node, CA, tasks; the old Raft log is"
            + " kept beside). Add managers back afterwards. See docs/operations.md."})
    boolean forceNewCluster;

    @Override
    public Integer call() throws Exception {
        java.time.Duration validity = certExpiry == null ? null : parseDuration(certExpiry);
        gluster.check();
        lease.check();
        networkPool.check();
        logging.service();
        Optional<NodeConfig> existing = NodeConfig.load(data);
        NodeConfig config;
        if (forceNewCluster) {
            if (existing.isEmpty()) {
                throw new IllegalArgumentException("--force-new-cluster needs the data dir of a manager of the cluster: "
                        + data + " holds no node");
            }
            if (advertise != null && !ClusterNodeRunner.requireAdvertise(advertise).equals(existing.get().advertise())) {
                throw new IllegalArgumentException("--force-new-cluster keeps the node's address (" + existing.get().advertise()
                        + ") so that workers find it: leave out --advertise");
            }
            io.flotilla.node.ForceNewCluster.Prepared prepared = io.flotilla.node.ForceNewCluster.prepare(data, existing.get());
            System.out.println("Forcing a new cluster of this manager alone, from its state at log index " + prepared.index()
                    + " (the old Raft log is kept in " + prepared.oldLog() + ").");
            config = prepared.config();
        } else if (existing.isPresent()) {
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
        gluster.save(data);
        lease.save(data);
        networkPool.save(data, existing.isPresent());
        return ClusterNodeRunner.runForeground(data, config, existing.isPresent() ? "restarted" : "new cluster", dns, mesh, overlay,
                validity);
    }

    static java.time.Duration parseDuration(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m|h|d)").matcher(text.strip());
        if (!m.matches() || Long.parseLong(m.group(1)) == 0) {
            throw new IllegalArgumentException("--cert-expiry must be a positive duration such as 30s, 15m, 12h or 90d: " + text);
        }
        long n = Long.parseLong(m.group(1));
        java.time.Duration d = switch (m.group(2)) {
            case "ms" -> java.time.Duration.ofMillis(n);
            case "s" -> java.time.Duration.ofSeconds(n);
            case "m" -> java.time.Duration.ofMinutes(n);
            case "h" -> java.time.Duration.ofHours(n);
            default -> java.time.Duration.ofDays(n);
        };
        if (d.compareTo(java.time.Duration.ofSeconds(10)) < 0 || d.compareTo(java.time.Duration.ofDays(3650)) > 0) {
            throw new IllegalArgumentException("--cert-expiry must be between 10s and 3650d: " + text);
        }
        return d;
    }
}
