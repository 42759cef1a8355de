package io.flotilla.node;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.ManagerStatus;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Makes a cluster node's process follow its role in the cluster state, without a restart:
 * <ul>
 *   <li>role MANAGER and no manager running here (promoted): start the manager role in this
 *       process and have it added to the managers' Raft group;</li>
 *   <li>a manager running here, this node not in the Raft group, and its role WORKER (demoted)
 *       or the node gone (removed): stop the manager role; the agent and its tasks keep running.
 *       The group change itself was made — and refused if it would lose the quorum — by the
 *       manager that handled {@code node demote} or {@code node rm};</li>
 *   <li>role MANAGER, a manager running here, not in the group yet (a join or promotion whose
 *       add failed, the leader changing meanwhile): ask to be added again, every 10 s.</li>
 * </ul>
 * <p>The node calls the API with its own certificate: it may read its own node and the group;
 * the manager role gets a manager's certificate first (renewed: the role is the state's), and a
 * worker's again when it stops.
 *
 * <p>Whose view: another manager's that knows a leader (a follower's applied state is a few ms
 * behind the leader's), never this node's own manager, whose log may still be replaying an older
 * role after a restart. The new role is written to {@code node.json}, so a restart comes back as
 * what the cluster says. Looks every {@link #PERIOD} while a manager runs here, every
 * {@link #WORKER_PERIOD} otherwise (then with one request, for its own node only).
 */
final class NodeRoleWatch implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeRoleWatch.class);
    /** How often a node that runs a manager looks (few nodes: demotion takes effect fast). */
    static final Duration PERIOD = Duration.ofMillis(500);
    /**
     * How often a worker looks: one small request per worker and period reaches the managers
     * (5,000 a second at 10,000 workers), so promotion waits up to this long instead.
     */
    static final Duration WORKER_PERIOD = Duration.ofSeconds(2);
    private static final Duration REJOIN_EVERY = Duration.ofSeconds(10);
    /** How long a manager outside the group waits before it asks to join again (see {@link #outsideLongEnough}). */
    static final Duration OUTSIDE_BEFORE_REJOIN = Duration.ofSeconds(3);

    private final LocalNode node;
    private final Path data;
    private volatile NodeConfig config;
    private final HttpClient http;
    private final Thread thread;
    private volatile boolean closed;
    private boolean seen;
    private long lastRejoin;
    /** When this node was first seen as a manager outside the group (nanoTime), or 0. */
    private long outsideSince;

    private NodeRoleWatch(LocalNode node, Path data, NodeConfig config) {
        this.node = node;
        this.data = data;
        this.config = config;
        this.http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1)).sslContext(node.tlsContext()).build();
        this.thread = Thread.ofVirtual().name("node-role-watch").unstarted(this::run);
    }

    static NodeRoleWatch start(LocalNode node, Path data, NodeConfig config) {
        NodeRoleWatch watch = new NodeRoleWatch(node, data, config);
        watch.thread.start();
        return watch;
    }

    private void run() {
        while (!closed) {
            try {
                Thread.sleep(node.manager() != null ? PERIOD : WORKER_PERIOD);
                check();
            } catch (InterruptedException e) {
                return;
            } catch (IOException | RuntimeException e) {
                LOG.warn("node {}: following its role failed (will retry): {}", config.nodeId(), e.toString());
            }
        }
    }

    /** What a manager with a leader says about this node: its role (empty: removed) and the group. */
    private record View(Optional<Node> node, ClusterInfo cluster) {
        boolean member(String id) {
            return cluster != null && cluster.managers().stream().anyMatch(m -> m.id().equals(id));
        }

        /** The node's certificate was refused as revoked: it was removed from the cluster. */
        boolean revoked() {
            return cluster == null;
        }
    }

    private void check() throws IOException, InterruptedException {
        View view = view();
        if (view == null || closed) {
            return;
        }
        String id = config.nodeId();
        boolean local = node.manager() != null;
        if (view.node().isPresent()) {
            seen = true;
        }
        NodeRole role = view.node().map(n -> n.spec().role()).orElse(null);
        if (role != NodeRole.MANAGER || view.member(id)) {
            outsideSince = 0;
        }
        if (role == NodeRole.MANAGER && !local) {
            LOG.info("node {} was promoted: starting its manager role", id);
            List<ManagerPeer> managers = peers(view.cluster());
            save(config.withRole(NodeRole.MANAGER).withManagers(managers));
            node.startManagerRole(data, config.advertise(), managers);
            LOG.info("node {} runs as a manager now", id);
        } else if (local && !view.member(id) && (role == NodeRole.WORKER || (role == null && (seen || view.revoked())))) {
            LOG.info("node {} was {}: stopping its manager role (the agent keeps running)", id,
                    role == null ? "removed" : "demoted");
            node.stopManagerRole(data, config.advertise());
            save(new NodeConfig(id, config.clusterId(), NodeRole.WORKER, config.advertise(),
                    view.revoked() ? config.managers() : peers(view.cluster()), false));
        } else if (role == NodeRole.MANAGER && !view.member(id) && outsideLongEnough()
                && System.nanoTime() - lastRejoin > REJOIN_EVERY.toNanos()) {
            lastRejoin = System.nanoTime();
            try {
                node.askToJoinRaftGroup(leaderOrAny(view.cluster()), config.advertise());
            } catch (ApiException e) {
                LOG.debug("node {}: asking to join the managers' Raft group again: {}", id, e.getMessage());
            }
        }
    }

    /**
     * True once this node has been seen as a manager outside the group for {@link #OUTSIDE_BEFORE_REJOIN}.
     * A demotion and a removal take the node out of the group first and change its role (or
     * remove it) a moment later: a node that asked to join again in between was added back, and
     * stayed a member with a worker's role (or none), for good.
     */
    private boolean outsideLongEnough() {
        long now = System.nanoTime();
        if (outsideSince == 0) {
            outsideSince = now;
        }
        return now - outsideSince >= OUTSIDE_BEFORE_REJOIN.toNanos();
    }

    /**
     * Asks the managers the agent knows, other than this node, until one that knows a leader
     * answers. A manager that refuses this node's certificate as revoked answers for good: the
     * node was removed (a view with no node and no cluster).
     */
    private View view() throws InterruptedException {
        String own = config.advertise() + ":" + ApiClient.DEFAULT_PORT;
        for (String manager : node.knownManagers()) {
            if (manager.equals(own)) {
                continue;
            }
            try {
                Optional<Node> self;
                try {
                    self = nodeAt(manager, config.nodeId());
                } catch (Revoked revoked) {
                    return new View(Optional.empty(), null);
                }
                boolean worker = self.map(n -> n.spec().role() == NodeRole.WORKER).orElse(false);
                if (worker && node.manager() == null) {
                    return null; // a worker as it should be: nothing to do, no need for the group
                }
                ClusterInfo info = new ClusterClient(manager).info();
                if (info.leaderId() == null) {
                    continue;
                }
                return new View(self, info);
            } catch (ApiException | IOException e) {
                // not reachable or no answer: the next one
            }
        }
        return null;
    }

    private Optional<Node> nodeAt(String manager, String id) throws IOException, InterruptedException, Revoked {
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + manager + "/v1/nodes/"
                + URLEncoder.encode(id, StandardCharsets.UTF_8))).timeout(Duration.ofSeconds(5)).GET().build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        if (response.statusCode() == 403) {
            throw new Revoked(); // to a node asking for itself: its certificate is revoked (node rm)
        }
        if (response.statusCode() == 404) {
            return Optional.empty();
        }
        if (response.statusCode() != 200) {
            throw new IOException("GET " + request.uri() + " answered " + response.statusCode());
        }
        return Optional.of(Json.read(response.body(), Node.class));
    }

    /** A manager refused this node's own certificate: it was removed from the cluster. */
    private static final class Revoked extends Exception {
        Revoked() {
            super(null, null, false, false);
        }
    }

    private static List<ManagerPeer> peers(ClusterInfo info) {
        return info.managers().stream().map(m -> new ManagerPeer(m.id(), m.apiAddress(), m.raftAddress())).toList();
    }

    private static String leaderOrAny(ClusterInfo info) {
        return info.managers().stream().filter(m -> m.id().equals(info.leaderId())).map(ManagerStatus::apiAddress)
                .findFirst().orElse(info.managers().getFirst().apiAddress());
    }

    private void save(NodeConfig next) throws IOException {
        config = next;
        next.save(data);
    }

    @Override
    public void close() {
        closed = true;
        thread.interrupt();
    }
}
