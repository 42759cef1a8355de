package io.flotilla.bench;

import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.manager.ManagerTuning;

import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Resources;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.TaskLogSource;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A manager alone (no agent), for {@code bench scale}: started as a child JVM so that its heap is
 * measured apart from the simulator's. Prints {@code READY} once it leads (the first manager) or
 * serves (a joining one); runs until killed.
 *
 * <p>A cluster of several: the joining managers start first ({@code --join}, no bootstrap: they
 * wait to be added), then the first one with {@code --members}: once it leads it registers each as
 * a manager node (drained: managers here run no tasks) and adds it to the Raft group, as
 * {@code flotilla join} with the manager token would.
 */
@Command(name = "scale-manager", hidden = true, description = "A manager without an agent, for bench scale.")
public final class ScaleManagerCommand implements Callable<Integer> {
    @Option(names = "--data", required = true)
    Path data;

    @Option(names = "--id", defaultValue = "m1", description = "Node id and Raft peer id (default m1).")
    String id;

    @Option(names = "--api", required = true, description = "HOST:PORT")
    String api;

    @Option(names = "--raft", required = true, description = "HOST:PORT")
    String raft;

    @Option(names = "--heartbeat-timeout", defaultValue = "15s")
    String heartbeatTimeout;

    @Option(names = "--join", description = "A joining manager: the first manager's peer as ID=API_HOST:PORT=RAFT_HOST:PORT.")
    String join;

    @Option(names = "--members", split = ",", description = "The first manager adds these peers (ID=API=RAFT) once it leads.")
    List<String> members;

    @Option(names = "--election-timeout-ms", description = "Raft election timeout's minimum, ms (maximum: twice it); default: the manager's 250.")
    Long electionTimeoutMillis;

    @Override
    public Integer call() throws Exception {
        if (electionTimeoutMillis != null) {
            // Read once when RaftClusterStore loads, which is below: set before anything touches it.
            System.setProperty(io.flotilla.manager.raft.RaftClusterStore.ELECTION_TIMEOUT_PROPERTY,
                    Long.toString(electionTimeoutMillis));
        }
        Duration timeout = Duration.parse("PT" + heartbeatTimeout.toUpperCase());
        ManagerConfig config = join == null
                ? new ManagerConfig(id, data, address(api), address(raft), timeout)
                : new ManagerConfig(id, data, address(api), address(raft), timeout, false, List.of(peer(join)));
        Manager manager = new Manager(config, InstantSource.system(), TaskLogSource.NONE, ManagerTuning.defaults());
        manager.start();
        if (members != null && !members.isEmpty()) {
            List<Node> nodes = new ArrayList<>();
            for (String member : members) {
                ManagerPeer peer = peer(member);
                String host = peer.apiAddress().substring(0, peer.apiAddress().lastIndexOf(':'));
                nodes.add(new Node(peer.id(), new NodeSpec(NodeRole.MANAGER, NodeAvailability.DRAIN, Map.of()),
                        new NodeStatus(NodeState.READY, peer.id(), host, Resources.NONE, Set.of(), Instant.now(), null)));
            }
            manager.submit(new io.flotilla.model.Command.UpsertNodes(nodes)).get();
            for (String member : members) {
                manager.admin().addManager(peer(member));
                System.out.println("added manager " + member);
            }
        }
        ScaleSnapshots.serve(manager, data); // the bench asks for timed snapshots through files in --data
        System.out.println("READY " + manager.apiAddress().getPort());
        System.out.flush();
        Thread.currentThread().join();
        return 0;
    }

    private static ManagerPeer peer(String spec) {
        String[] parts = spec.split("=");
        if (parts.length != 3) {
            throw new IllegalArgumentException("expected ID=API_HOST:PORT=RAFT_HOST:PORT, got " + spec);
        }
        return new ManagerPeer(parts[0], parts[1], parts[2]);
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
