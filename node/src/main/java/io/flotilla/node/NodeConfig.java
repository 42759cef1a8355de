package io.flotilla.node;

import io.flotilla.model.Json;
import io.flotilla.model.NodeRole;
import io.flotilla.model.api.ManagerPeer;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.List;
import java.util.Optional;

/**
 * A cluster node's identity, kept in {@code <data>/node.json}: restarting {@code flotilla init}
 * or {@code flotilla join} on the same data dir brings the node back as itself, without a token.
 *
 * @param nodeId    the node's id (also its Raft peer id when it is a manager)
 * @param clusterId the cluster it belongs to
 * @param role      its role when it last ran (the replicated state is the authority)
 * @param advertise the address other nodes reach it at (API on port 4780, Raft on 4781)
 * @param managers  the managers as last known: where the agent starts looking, and the Raft peers a
 *                  joining manager's client asks before it is a member itself
 * @param bootstrap true for the first manager, which made the cluster
 */
public record NodeConfig(String nodeId, String clusterId, NodeRole role, String advertise, List<ManagerPeer> managers,
                         boolean bootstrap) {
    public static final String FILE = "node.json";

    public NodeConfig {
        managers = managers == null ? List.of() : List.copyOf(managers);
    }

    public static Optional<NodeConfig> load(Path dataDir) throws IOException {
        Path file = dataDir.resolve(FILE);
        if (!Files.exists(file)) {
            return Optional.empty();
        }
        return Optional.of(Json.read(Files.readAllBytes(file), NodeConfig.class));
    }

    public void save(Path dataDir) throws IOException {
        Files.createDirectories(dataDir);
        Path tmp = dataDir.resolve(FILE + ".tmp");
        Files.write(tmp, Json.writeBytes(this));
        Files.move(tmp, dataDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
    }

    public NodeConfig withRole(NodeRole newRole) {
        return new NodeConfig(nodeId, clusterId, newRole, advertise, managers, bootstrap);
    }

    public NodeConfig withManagers(List<ManagerPeer> newManagers) {
        return new NodeConfig(nodeId, clusterId, role, advertise, newManagers, bootstrap);
    }
}
