package io.flotilla.node;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsContexts;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Comparator;
import java.util.List;
import java.util.function.Supplier;
import java.util.stream.Stream;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * What serves the API on a node's address: its manager (API, control loop, Raft peer) while the
 * node is one, else the {@link ApiRelay} to the managers. A cluster node swaps one for the other
 * when its role changes ({@link LocalNode#startManagerRole}, {@link LocalNode#stopManagerRole}),
 * and a manager that joined asks to be added to the managers' Raft group.
 */
final class ManagerRole {
    private static final Logger LOG = LoggerFactory.getLogger(ManagerRole.class);

    private final String nodeId;
    private final NodeTls tls;
    /** The managers' API addresses the node's agent knows: where the relay passes connections. */
    private final Supplier<List<String>> managers;
    /** Null on a worker; a cluster node starts and stops it when its role changes ({@link NodeRoleWatch}). */
    private volatile Manager manager;
    private volatile String apiHostPort;
    /** On a cluster node without a manager: the API, relayed to the managers. */
    private volatile ApiRelay relay;
    /** The TLS context the manager role calls other managers with after a promotion (see startManager). */
    private volatile SSLContext managerContext;

    /** The node's meter registry: a manager started here registers its meters there until it stops. */
    private final io.micrometer.core.instrument.MeterRegistry meters;

    /** @param manager the node's manager, started (null: none); {@code apiHostPort} its API */
    ManagerRole(String nodeId, NodeTls tls, Supplier<List<String>> managers, Manager manager, String apiHostPort,
                io.micrometer.core.instrument.MeterRegistry meters) {
        this.meters = meters;
        this.nodeId = nodeId;
        this.tls = tls;
        this.managers = managers;
        this.manager = manager;
        this.apiHostPort = apiHostPort;
    }

    /** Null while the node runs no manager. */
    Manager manager() {
        return manager;
    }

    /** The manager's API ({@code host:port}); null while the node runs none. */
    String apiHostPort() {
        return apiHostPort;
    }

    /** The node's API: its manager's, or the relay's. */
    InetSocketAddress apiAddress() {
        Manager current = manager;
        ApiRelay currentRelay = relay;
        return current != null ? current.apiAddress() : currentRelay.address();
    }

    /** A node without a manager serves the API on {@code host} as a relay to the managers. */
    void serveRelay(String host) throws IOException {
        relay = ApiRelay.start(new InetSocketAddress(host, ApiClient.DEFAULT_PORT), managers, tls.context());
    }

    /**
     * Promoted: starts the manager in this process — its API replaces the relay on the same
     * address (the relay comes back if the manager does not start).
     */
    void startManager(ManagerConfig config, TaskLogSource logs, String host) throws IOException {
        ApiRelay oldRelay = relay;
        relay = null;
        if (oldRelay != null) {
            oldRelay.close();
        }
        Manager started = new Manager(config, InstantSource.system(), logs, io.flotilla.manager.ManagerTuning.defaults(),
                meters);
        try {
            started.start();
        } catch (IOException | RuntimeException e) {
            serveRelay(host);
            throw e;
        }
        manager = started;
        apiHostPort = host + ":" + ApiClient.DEFAULT_PORT;
        // A context of its own: connections (and TLS sessions) made as a worker must not carry the request.
        managerContext = TlsContexts.context(tls.keyManager(), tls.trustManager());
    }

    /**
     * Demoted or removed: stops the manager — API, control loop, Raft peer — deletes the Raft
     * log (a peer that left must come back empty, as a joining manager does) and serves the API as
     * a relay again. False, doing nothing, if no manager runs.
     */
    boolean stopManager(Path data, String host) throws IOException {
        Manager running = manager;
        if (running == null) {
            return false;
        }
        manager = null;
        apiHostPort = null;
        running.close();
        deleteRecursively(data.resolve("manager").resolve("raft"));
        serveRelay(host);
        return true;
    }

    ManagerPeer self(String host) {
        return new ManagerPeer(nodeId, host + ":" + ApiClient.DEFAULT_PORT, host + ":" + LocalNode.RAFT_PORT);
    }

    /** The context to ask other managers with: the manager role's own once promoted, else the node's. */
    private SSLContext context() {
        SSLContext context = managerContext;
        return context != null ? context : tls.context();
    }

    /** Asks one manager once to add this node's manager to the Raft group (a retry after a failed join). */
    void askToJoinRaftGroup(String managerApi, String host) {
        new ClusterClient(managerApi, context()).addManager(self(host));
    }

    /**
     * A manager that joined asks the cluster to add it to the managers' Raft group, until one
     * manager accepts (the leader may be changing) or a minute passed. Nothing to do when it is a
     * member already (a restart).
     */
    void joinRaftGroup(List<ManagerPeer> managers, String host) {
        if (manager.store().members().stream().anyMatch(m -> m.id().equals(nodeId))) {
            return;
        }
        ManagerPeer self = self(host);
        SSLContext context = context();
        long deadline = System.nanoTime() + Duration.ofSeconds(60).toNanos();
        ApiException last = null;
        while (System.nanoTime() < deadline) {
            for (ManagerPeer peer : managers) {
                if (peer.id().equals(nodeId)) {
                    continue;
                }
                try {
                    new ClusterClient(peer.apiAddress(), context).addManager(self);
                    LOG.info("node {} is a member of the managers' Raft group", nodeId);
                    return;
                } catch (ApiException e) {
                    if (last == null || !e.getMessage().equals(last.getMessage())) {
                        LOG.warn("node {}: asking {} to add it to the managers' Raft group failed (retrying): {}", nodeId,
                                peer.apiAddress(), e.getMessage());
                    }
                    last = e;
                }
            }
            sleep(500);
        }
        throw new IllegalStateException("could not join the managers' Raft group: "
                + (last == null ? "no manager known" : last.getMessage()));
    }

    /** Stops the relay, if one runs (the node is closing). */
    void closeRelay() {
        if (relay != null) {
            relay.close();
        }
    }

    /** Stops the manager, if one runs (the node is closing; last, after its agent). */
    void closeManager() {
        if (manager != null) {
            manager.close();
        }
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!Files.exists(dir)) {
            return;
        }
        try (Stream<Path> files = Files.walk(dir)) {
            for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                Files.deleteIfExists(file);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
