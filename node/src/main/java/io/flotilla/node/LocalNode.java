package io.flotilla.node;

import io.flotilla.agent.Agent;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.HttpManagerChannel;
import io.flotilla.client.ApiClient;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.model.NodeRole;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.node.mesh.NodeMesh;
import io.flotilla.node.metrics.NodeMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node in this process: an agent always (managers are workers too), and a manager when the
 * node is one. {@code flotilla dev} and {@code demo} run a one-manager cluster of this node alone
 * ({@link #start(Path, InetSocketAddress, InetSocketAddress)}); {@code init} and {@code join} run
 * a node of a real cluster from its {@link NodeConfig} ({@link #startCluster}). The agent talks
 * to the managers over the same HTTP API either way: no separate code path for one node.
 *
 * <p>This class composes the node's parts and switches its role: {@link ManagerRole} (the
 * manager, or the API relay while there is none), {@link NodeDns}, the mesh ({@link NodeMesh}),
 * the renewal of its certificate ({@link NodeCredentials}) and, on a cluster node, the
 * {@link NodeRoleWatch} that follows promote, demote and rm.
 */
public final class LocalNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalNode.class);
    public static final int RAFT_PORT = ApiClient.DEFAULT_PORT + 1;
    /** How long a node may stay silent before the leader marks it down; see docs/architecture.md. */
    public static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(1500);
    /** How often an agent reports even when nothing changed (its heartbeat). */
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(250);

    /** The manager (null on a worker), or the API relay while there is none. */
    private final ManagerRole role;
    private final Agent agent;
    private final HttpManagerChannel channel;
    private final String nodeId;
    /** On a cluster node: follows its role in the cluster state (promote, demote, rm) live. */
    private volatile NodeRoleWatch roleWatch;
    /** Follows the cluster's root CA (rotations). */
    private volatile CaFollower caFollower;
    private final NodeDns dns;
    /** On a worker: the one stream of the managers' registry its DNS and mesh share (from the agent's manager). */
    private final io.flotilla.discovery.SharedRegistryMirror registry;
    /** This node's routing mesh, once {@link #startMesh} ran; null when off. */
    private volatile NodeMesh mesh;
    /** This node's overlay networks, once {@link #startNetworks} ran; null when off. */
    private volatile io.flotilla.node.network.NodeNetworks networks;
    /** This node's mutual TLS (DATA/tls) and the renewal of its certificate. */
    private final io.flotilla.security.NodeTls tls;
    private final io.flotilla.security.CertificateRenewer renewer;
    /** Every part's meters, one registry; served on {@code --metrics} ({@link NodeMetrics#serve}). */
    private final NodeMetrics metrics;

    /** The node of {@code agent} and, when it is a manager, {@code manager}, as {@link NodeLaunch} started them. */
    LocalNode(String nodeId, Manager manager, Agent agent, HttpManagerChannel channel, String apiHostPort,
              io.flotilla.security.NodeTls tls, io.flotilla.security.CertificateRenewer renewer,
              NodeMetrics metrics) {
        this.metrics = metrics;
        this.tls = tls;
        this.renewer = renewer;
        this.nodeId = nodeId;
        this.agent = agent;
        this.channel = channel;
        this.role = new ManagerRole(nodeId, tls, channel::managers, manager, apiHostPort, metrics.registry());
        // the dashboard's rate and latency charts: every node's mesh counters reach the leader in its agent's reports
        agent.meshTraffic(new io.flotilla.node.metrics.MeshTrafficReader(nodeId, metrics.registry(),
                java.time.Clock.systemUTC())::read);
        // The stream follows the agent's connection: one manager choice, failover and backoff per node.
        this.registry = new io.flotilla.discovery.SharedRegistryMirror(() -> new io.flotilla.discovery.RegistryMirrorStream(
                new io.flotilla.discovery.RegistryMirror(), new SessionStreams(channel.connection())));
        this.dns = new NodeDns(role::manager, registry, () -> mesh,
                new io.flotilla.discovery.dns.DnsMetrics(metrics.registry()));
    }

    /** {@code flotilla dev}: a one-manager cluster of this node, on any API and Raft ports. */
    public static LocalNode start(Path dataDir, InetSocketAddress api, InetSocketAddress raft) throws IOException {
        return start(dataDir, api, raft, false, null);
    }

    /**
     * As {@link #start(Path, InetSocketAddress, InetSocketAddress)}; {@code overlay}: the node will
     * run the overlay's data plane ({@link #startNetworks}); {@code dnsDomain}: the node's DNS domain
     * (null: the default), the tasks' search domain.
     */
    public static LocalNode start(Path dataDir, InetSocketAddress api, InetSocketAddress raft, boolean overlay,
                                  String dnsDomain) throws IOException {
        Path data = dataDir.toAbsolutePath().normalize();
        String nodeId = NodeIdentity.loadOrCreate(data);
        if (raft == null) {
            raft = new InetSocketAddress(api.getAddress(), api.getPort() == 0
                    ? NodeAddresses.freePort(api.getAddress()) : api.getPort() + 1);
        }
        io.flotilla.security.NodeTls tls = NodeCredentials.forDevNode(data, nodeId, api.getAddress());
        LocalNode node = NodeLaunch.run(nodeId, data,
                new ManagerConfig(nodeId, data.resolve("manager"), api, raft, HEARTBEAT_TIMEOUT).withTls(tls)
                        .withLeaseTtl(LeaseSetting.load(data)), api.getAddress().getHostAddress(), List.of(), tls,
                overlay, dnsDomain);
        node.followCa();
        return node;
    }

    /**
     * A node of a cluster, as its {@link NodeConfig} says: a manager listens on the advertise
     * address (API 4780, Raft 4781) and, if it joined and is not in the managers' Raft group yet,
     * asks to be added; every node runs an agent that talks to the managers it knows.
     */
    public static LocalNode startCluster(Path dataDir, NodeConfig config) throws IOException {
        return startCluster(dataDir, config, null);
    }

    /** @param certValidity node certificates' validity ({@code init --cert-expiry}); null: as before, 90 days at first */
    public static LocalNode startCluster(Path dataDir, NodeConfig config, Duration certValidity) throws IOException {
        return startCluster(dataDir, config, certValidity, false);
    }

    /**
     * As {@link #startCluster(Path, NodeConfig, Duration)}; {@code overlay}: the node will run the
     * overlay's data plane ({@link #startNetworks}), so its agent attaches tasks to their networks
     * from its first assignment on.
     */
    public static LocalNode startCluster(Path dataDir, NodeConfig config, Duration certValidity, boolean overlay)
            throws IOException {
        return startCluster(dataDir, config, certValidity, overlay, null);
    }

    /**
     * As {@link #startCluster(Path, NodeConfig, Duration, boolean)}; {@code dnsDomain}: the node's DNS
     * domain ({@code --dns-domain}; null: {@value AgentConfig#DEFAULT_DNS_DOMAIN}), which its agent
     * gives tasks on networks as search domain ({@code <stack>.<dnsDomain>}). The agent is made here,
     * before the node's DNS server starts, so it cannot learn the domain from that server.
     */
    public static LocalNode startCluster(Path dataDir, NodeConfig config, Duration certValidity, boolean overlay,
                                         String dnsDomain) throws IOException {
        Path data = dataDir.toAbsolutePath().normalize();
        String host = config.advertise();
        io.flotilla.security.NodeTls tls = NodeCredentials.forClusterNode(data, config, certValidity);
        if (config.role() != NodeRole.MANAGER) {
            LocalNode node = NodeLaunch.run(config.nodeId(), data, null, host, apiAddresses(config.managers()), tls,
                    overlay, dnsDomain);
            try {
                node.role.serveRelay(host);
            } catch (IOException | RuntimeException e) {
                node.close();
                throw e;
            }
            node.followClusterChanges(data, config);
            return node;
        }
        InetSocketAddress api = new InetSocketAddress(host, ApiClient.DEFAULT_PORT);
        InetSocketAddress raft = new InetSocketAddress(host, RAFT_PORT);
        ManagerConfig managerConfig = new ManagerConfig(config.nodeId(), data.resolve("manager"), api, raft,
                HEARTBEAT_TIMEOUT, config.bootstrap(), config.managers(), tls).withLeaseTtl(LeaseSetting.load(data))
                .withNetworkPool(NetworkPoolSetting.load(data));
        LocalNode node = NodeLaunch.run(config.nodeId(), data, managerConfig, host, apiAddresses(config.managers()),
                tls, overlay, dnsDomain);
        try {
            node.role.joinRaftGroup(config.managers(), host);
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        node.followClusterChanges(data, config);
        return node;
    }

    /**
     * Promoted: starts the manager role in this process — its API replaces the relay on the same
     * address — and has it added to the managers' Raft group. Nothing if it runs already.
     */
    synchronized void startManagerRole(Path data, String host, List<ManagerPeer> managers) throws IOException {
        if (role.manager() != null) {
            return;
        }
        renewCertificate(); // a manager's certificate (the role is the state's): its API and Raft speak as one
        ManagerConfig config = new ManagerConfig(nodeId, data.resolve("manager"),
                new InetSocketAddress(host, ApiClient.DEFAULT_PORT), new InetSocketAddress(host, RAFT_PORT),
                HEARTBEAT_TIMEOUT, false, managers, tls).withLeaseTtl(LeaseSetting.load(data));
        role.startManager(config, agent.logs(), host);
        restartDns();
        role.joinRaftGroup(managers, host);
    }

    /** Asks one manager once to add this node's manager to the Raft group (a retry after a failed join). */
    void askToJoinRaftGroup(String managerApi, String host) {
        role.askToJoinRaftGroup(managerApi, host);
    }

    /**
     * Demoted or removed (and already out of the managers' Raft group): stops the manager role —
     * API, control loop, Raft peer — while the agent and its tasks keep running, deletes the
     * Raft log (a peer that left must come back empty, as a joining manager does) and serves the
     * API as a relay again. Nothing if no manager runs.
     */
    synchronized void stopManagerRole(Path data, String host) throws IOException {
        if (!role.stopManager(data, host)) {
            return;
        }
        restartDns();
        try {
            renewCertificate(); // back to a worker's certificate: no manager rights left with this node
        } catch (IOException | RuntimeException e) {
            // A removed node gets no certificate: its manager one stays valid until it expires.
            LOG.warn("node {}: no worker certificate after leaving the managers ({}); the manager certificate stays"
                    + " valid until it expires", nodeId, e.getMessage());
        }
    }

    /**
     * The role watch and the CA follower: what the cluster may change about this node while it
     * runs. Both follow the node's session, which the agent's long poll brings.
     */
    private void followClusterChanges(Path data, NodeConfig config) {
        roleWatch = NodeRoleWatch.start(this, data, config);
        agent.addSessionListener(roleWatch);
        followCa();
    }

    private void followCa() {
        caFollower = CaFollower.start(nodeId, tls, channel::managers, this::renewCertificate);
        agent.addSessionListener(caFollower);
    }

    void renewCertificate() throws IOException {
        NodeCredentials.renewCertificate(tls, renewer);
    }

    /** This node's TLS context (its certificate, the cluster CA): how it calls the API itself. */
    javax.net.ssl.SSLContext tlsContext() {
        return tls.context();
    }

    /** The manager the agent's session talks to now (the leader, once it answered). */
    String currentManager() {
        return channel.current();
    }

    /** After a role change, DNS answers from the new source (own registry, or the managers' mirror). */
    private void restartDns() throws IOException {
        dns.restartDns();
    }

    private static List<String> apiAddresses(List<ManagerPeer> managers) {
        return managers.stream().map(ManagerPeer::apiAddress).toList();
    }

    public String nodeId() {
        return nodeId;
    }

    /** Null on a worker. */
    public Manager manager() {
        return role.manager();
    }

    /** Why this node cannot go on — its manager's Raft server stopped by itself — or null. */
    public String failure() {
        Manager manager = role.manager();
        return manager == null || manager.store() == null ? null : manager.store().failure();
    }

    /** The cluster's id as this node's manager has applied it; null on a worker and before the cluster's init. */
    public String clusterId() {
        Manager manager = role.manager();
        return manager == null || manager.state().cluster() == null ? null : manager.state().cluster().clusterId();
    }

    /** This node's API: its manager's, or on a worker the relay's. */
    public InetSocketAddress apiAddress() {
        return role.apiAddress();
    }

    /** This node's API ({@code host:port}), or on a worker the manager its agent talks to. */
    public String apiHostPort() {
        String own = role.apiHostPort();
        return own != null ? own : channel.current();
    }

    /**
     * Starts this node's DNS server on {@code bind} (0: any free port) for {@code domain}, forwarding
     * other names only for clients in {@code forwardFrom} (no open resolver). A manager answers from
     * its own registry; a worker from a mirror of the managers' (see {@link NodeDns}). Throws if taken.
     */
    public io.flotilla.discovery.dns.DnsServer startDns(InetSocketAddress bind, String domain,
            java.util.List<io.flotilla.discovery.dns.SourcePrefix> forwardFrom) throws IOException {
        return dns.startDns(bind, domain, forwardFrom);
    }

    /**
     * Starts this node's routing mesh: ingress ports on {@code advertise}, the services' virtual
     * addresses, fed by the manager's registry while this node runs one, else by a mirror of the
     * managers' and the services of the node's session (see {@link NodeMesh}); its meters in the node's.
     */
    public NodeMesh startMesh(String advertise) {
        mesh = NodeMesh.start(advertise, role::manager, () -> {
            io.flotilla.model.api.NodeSession session = agent.session();
            return session == null ? null : session.mesh();
        }, registry::acquire, () -> networks == null ? io.flotilla.model.api.NetworkDirectory.EMPTY : networks.applied(),
                metrics.registry(), true);
        return mesh;
    }

    /** This node's meters, every part's (docs/metrics.md); {@link NodeMetrics#serve} serves them. */
    public NodeMetrics metrics() {
        return metrics;
    }

    /**
     * Follows this node's overlay networks ({@link io.flotilla.node.network.NodeNetworks}): only on a
     * node that owns its network namespace (it changes bridges, VXLAN devices and iptables).
     */
    public io.flotilla.node.network.NodeNetworks startNetworks(String advertise, String domain) {
        networks = io.flotilla.node.network.NodeNetworks.start(new io.flotilla.node.network.NodeNetworks.Options(
                nodeId, advertise, domain, io.flotilla.discovery.dns.DnsConfig.DEFAULT_PORT, null),
                io.flotilla.network.Commands.host(),
                // the same meters as the --dns server's (a registry hands out one meter per name and tags)
                new io.flotilla.discovery.dns.DnsMetrics(metrics.registry()));
        agent.addSessionListener(networks);
        return networks;
    }

    /** Stops the agent and the manager. Tasks keep running; the next start on the same data dir adopts them. */
    @Override
    public void close() {
        if (mesh != null) {
            mesh.close();
        }
        if (networks != null) {
            agent.removeSessionListener(networks);
            networks.close();
        }
        renewer.close();
        if (caFollower != null) {
            caFollower.close();
        }
        if (roleWatch != null) {
            roleWatch.close();
        }
        role.closeRelay();
        dns.close();
        agent.close();
        channel.close();
        role.closeManager();
        metrics.close();
    }
}
