package io.flotilla.node;

import io.flotilla.agent.Agent;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.HttpManagerChannel;
import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.model.NodeRole;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One node in this process: an agent always (managers are workers too), and a manager when the
 * node is one. {@code flotilla dev} and {@code demo} run a one-manager cluster of this node alone
 * ({@link #start(Path, InetSocketAddress, InetSocketAddress)}); {@code init} and {@code join} run
 * a node of a real cluster from its {@link NodeConfig} ({@link #startCluster}). The agent talks
 * to the managers over the same HTTP API either way: no separate code path for one node.
 */
public final class LocalNode implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(LocalNode.class);
    public static final int RAFT_PORT = ApiClient.DEFAULT_PORT + 1;
    /** How long a node may stay silent before the leader marks it down; see docs/architecture.md. */
    public static final Duration HEARTBEAT_TIMEOUT = Duration.ofMillis(1500);
    /** How often an agent reports even when nothing changed (its heartbeat). */
    public static final Duration HEARTBEAT_INTERVAL = Duration.ofMillis(250);

    /** Null on a worker; a cluster node starts and stops it when its role changes ({@link NodeRoleWatch}). */
    private volatile Manager manager;
    private final Agent agent;
    private final HttpManagerChannel channel;
    private final String nodeId;
    private volatile String apiHostPort;
    /** On a cluster node without a manager: the API, relayed to the managers. */
    private volatile ApiRelay relay;
    /** On a cluster node: follows its role in the cluster state (promote, demote, rm) live. */
    private volatile NodeRoleWatch roleWatch;
    /** The TLS context the manager role calls other managers with after a promotion (see startManagerRole). */
    private volatile javax.net.ssl.SSLContext managerContext;
    private volatile InetSocketAddress dnsBind;
    private volatile String dnsDomain;
    private volatile java.util.List<io.flotilla.discovery.dns.SourcePrefix> dnsForwardFrom;
    /** This node's DNS server (discovery), once {@link #startDns} ran; null when off. */
    private volatile io.flotilla.discovery.dns.DnsServer dns;
    /** On a worker serving DNS: the stream keeping its mirror of the managers' registry current. */
    private volatile io.flotilla.discovery.RegistryMirrorStream mirror;
    /** This node's routing mesh, once {@link #startMesh} ran; null when off. */
    private volatile io.flotilla.node.mesh.NodeMesh mesh;
    /** This node's mutual TLS (DATA/tls) and the renewal of its certificate. */
    private final io.flotilla.security.NodeTls tls;
    private final io.flotilla.security.CertificateRenewer renewer;

    private LocalNode(String nodeId, Manager manager, Agent agent, HttpManagerChannel channel, String apiHostPort,
                      io.flotilla.security.NodeTls tls, io.flotilla.security.CertificateRenewer renewer) {
        this.tls = tls;
        this.renewer = renewer;
        this.nodeId = nodeId;
        this.manager = manager;
        this.agent = agent;
        this.channel = channel;
        this.apiHostPort = apiHostPort;
    }

    /** {@code flotilla dev}: a one-manager cluster of this node, on any API and Raft ports. */
    public static LocalNode start(Path dataDir, InetSocketAddress api, InetSocketAddress raft) throws IOException {
        Path data = dataDir.toAbsolutePath().normalize();
        String nodeId = NodeIdentity.loadOrCreate(data);
        if (raft == null) {
            raft = new InetSocketAddress(api.getAddress(), api.getPort() == 0 ? freePort(api.getAddress()) : api.getPort() + 1);
        }
        io.flotilla.security.NodeTls tls = NodeCredentials.forDevNode(data, nodeId, api.getAddress());
        return run(nodeId, data, new ManagerConfig(nodeId, data.resolve("manager"), api, raft, HEARTBEAT_TIMEOUT)
                .withTls(tls).withLeaseTtl(LeaseSetting.load(data)), api.getAddress().getHostAddress(), List.of(), tls);
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
        Path data = dataDir.toAbsolutePath().normalize();
        String host = config.advertise();
        io.flotilla.security.NodeTls tls = NodeCredentials.forClusterNode(data, config, certValidity);
        if (config.role() != NodeRole.MANAGER) {
            LocalNode node = run(config.nodeId(), data, null, host, apiAddresses(config.managers()), tls);
            try {
                node.relay = ApiRelay.start(new InetSocketAddress(host, ApiClient.DEFAULT_PORT), node.channel::managers,
                        tls.context());
            } catch (IOException | RuntimeException e) {
                node.close();
                throw e;
            }
            node.roleWatch = NodeRoleWatch.start(node, data, config);
            return node;
        }
        InetSocketAddress api = new InetSocketAddress(host, ApiClient.DEFAULT_PORT);
        InetSocketAddress raft = new InetSocketAddress(host, RAFT_PORT);
        ManagerConfig managerConfig = new ManagerConfig(config.nodeId(), data.resolve("manager"), api, raft,
                HEARTBEAT_TIMEOUT, config.bootstrap(), config.managers(), tls).withLeaseTtl(LeaseSetting.load(data));
        LocalNode node = run(config.nodeId(), data, managerConfig, host, apiAddresses(config.managers()), tls);
        try {
            node.joinRaftGroup(config.managers(), node.self(host), tls.context());
        } catch (RuntimeException e) {
            node.close();
            throw e;
        }
        node.roleWatch = NodeRoleWatch.start(node, data, config);
        return node;
    }

    private ManagerPeer self(String host) {
        return new ManagerPeer(nodeId, host + ":" + ApiClient.DEFAULT_PORT, host + ":" + RAFT_PORT);
    }

    /**
     * Promoted: starts the manager role in this process — its API replaces the relay on the same
     * address — and has it added to the managers' Raft group. Nothing if it runs already.
     */
    synchronized void startManagerRole(Path data, String host, List<ManagerPeer> managers) throws IOException {
        if (manager != null) {
            return;
        }
        renewCertificate(); // a manager's certificate (the role is the state's): its API and Raft speak as one
        ApiRelay oldRelay = relay;
        relay = null;
        if (oldRelay != null) {
            oldRelay.close();
        }
        ManagerConfig config = new ManagerConfig(nodeId, data.resolve("manager"),
                new InetSocketAddress(host, ApiClient.DEFAULT_PORT), new InetSocketAddress(host, RAFT_PORT),
                HEARTBEAT_TIMEOUT, false, managers, tls).withLeaseTtl(LeaseSetting.load(data));
        Manager started = new Manager(config, InstantSource.system(), agent.logs());
        try {
            started.start();
        } catch (IOException | RuntimeException e) {
            relay = ApiRelay.start(new InetSocketAddress(host, ApiClient.DEFAULT_PORT), channel::managers, tls.context());
            throw e;
        }
        manager = started;
        apiHostPort = host + ":" + ApiClient.DEFAULT_PORT;
        restartDns();
        // A context of its own: connections (and TLS sessions) made as a worker must not carry the request.
        managerContext = io.flotilla.security.TlsContexts.context(tls.keyManager(), tls.trustManager());
        joinRaftGroup(managers, self(host), managerContext);
    }

    /** Asks one manager once to add this node's manager to the Raft group (a retry after a failed join). */
    void askToJoinRaftGroup(String managerApi, String host) {
        javax.net.ssl.SSLContext context = managerContext;
        new ClusterClient(managerApi, context != null ? context : tls.context()).addManager(self(host));
    }

    /**
     * Demoted or removed (and already out of the managers' Raft group): stops the manager role —
     * API, control loop, Raft peer — while the agent and its tasks keep running, deletes the
     * Raft log (a peer that left must come back empty, as a joining manager does) and serves the
     * API as a relay again. Nothing if no manager runs.
     */
    synchronized void stopManagerRole(Path data, String host) throws IOException {
        Manager running = manager;
        if (running == null) {
            return;
        }
        manager = null;
        apiHostPort = null;
        running.close();
        deleteRecursively(data.resolve("manager").resolve("raft"));
        relay = ApiRelay.start(new InetSocketAddress(host, ApiClient.DEFAULT_PORT), channel::managers, tls.context());
        restartDns();
        try {
            renewCertificate(); // back to a worker's certificate: no manager rights left with this node
        } catch (IOException | RuntimeException e) {
            // A removed node gets no certificate: its manager one stays valid until it expires.
            LOG.warn("node {}: no worker certificate after leaving the managers ({}); the manager certificate stays"
                    + " valid until it expires", nodeId, e.getMessage());
        }
    }

    /** A new certificate for this node, with the role the cluster state gives it now. */
    private void renewCertificate() throws IOException {
        if (renewer != null) {
            java.security.cert.X509Certificate renewed = renewer.renewNow();
            forgetTlsSessions();
            // The CA key goes only to a manager's certificate of a manager: a promoted worker's
            // first renewal (with its worker certificate) brings the manager certificate, the
            // second (with that one) the key.
            if (!tls.directory().hasCaKey() && io.flotilla.security.CertificateSubject.MANAGER.equals(
                    io.flotilla.security.PeerIdentity.of(renewed).role())) {
                renewer.renewNow();
                forgetTlsSessions();
            }
        }
    }

    /**
     * TLS 1.3 resumes a session with the identity it was made with: without this, the next
     * connections would still speak as the old role (a promoted node refused as a worker).
     */
    private void forgetTlsSessions() {
        javax.net.ssl.SSLContext context = tls.context();
        for (javax.net.ssl.SSLSessionContext sessions : List.of(context.getClientSessionContext(),
                context.getServerSessionContext())) {
            java.util.Collections.list(sessions.getIds()).forEach(id -> {
                javax.net.ssl.SSLSession session = sessions.getSession(id);
                if (session != null) {
                    session.invalidate();
                }
            });
        }
    }

    /** This node's TLS context (its certificate, the cluster CA): how it calls the API itself. */
    javax.net.ssl.SSLContext tlsContext() {
        return tls.context();
    }

    /** The managers' API addresses this node's agent knows now. */
    List<String> knownManagers() {
        return channel.managers();
    }

    private static void deleteRecursively(Path dir) throws IOException {
        if (!java.nio.file.Files.exists(dir)) {
            return;
        }
        try (java.util.stream.Stream<Path> files = java.nio.file.Files.walk(dir)) {
            for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                java.nio.file.Files.deleteIfExists(file);
            }
        }
    }

    /** After a role change, DNS answers from the new source (own registry, or the managers' mirror). */
    private void restartDns() throws IOException {
        InetSocketAddress bind = dnsBind;
        if (dns == null || bind == null) {
            return;
        }
        dns.close();
        dns = null;
        if (mirror != null) {
            mirror.close();
            mirror = null;
        }
        startDns(bind, dnsDomain, dnsForwardFrom);
    }

    private static LocalNode run(String nodeId, Path data, ManagerConfig managerConfig, String address,
                                 List<String> knownManagers, io.flotilla.security.NodeTls tls) throws IOException {
        // Clients in this process (demo, benchmarks) use this node's directory unless told otherwise.
        io.flotilla.client.ClientTls.offerDirectory(tls.directory().path());
        // The agent (which reads task logs) needs the API address the manager binds, so the
        // manager gets a log source that is filled in once the agent exists.
        AtomicReference<TaskLogSource> logs = new AtomicReference<>(TaskLogSource.NONE);
        TaskLogSource delegating = (task, tail, follow, out) -> logs.get().write(task, tail, follow, out);
        Manager manager = null;
        Set<String> managers = new LinkedHashSet<>();
        String apiHostPort = null;
        if (managerConfig != null) {
            manager = new Manager(managerConfig, InstantSource.system(), delegating);
            manager.start();
            InetSocketAddress bound = manager.apiAddress();
            address = bound.getAddress().getHostAddress();
            apiHostPort = address + ":" + bound.getPort();
            managers.add(apiHostPort);
        }
        managers.addAll(knownManagers);
        try {
            AgentConfig config = new AgentConfig(nodeId, hostname(), address, data.resolve("agent"),
                    AgentConfig.detectResources(), AgentConfig.detectDrivers(), HEARTBEAT_INTERVAL,
                    io.flotilla.agent.volume.GlusterDefaults.load(data.resolve("agent"), System.getenv()));
            HttpManagerChannel channel = new HttpManagerChannel(new ArrayList<>(managers), tls.context(),
                    tls.directory().caCertificate());
            Agent agent = new Agent(config, channel, InstantSource.system());
            logs.set(agent.logs());
            agent.start();
            return new LocalNode(nodeId, manager, agent, channel, apiHostPort, tls,
                    NodeCredentials.renewer(tls, channel::managers));
        } catch (RuntimeException e) {
            if (manager != null) {
                manager.close();
            }
            throw e;
        }
    }

    /**
     * A manager that joined asks the cluster to add it to the managers' Raft group, until one
     * manager accepts (the leader may be changing) or a minute passed. Nothing to do when it is a
     * member already (a restart).
     */
    private void joinRaftGroup(List<ManagerPeer> managers, ManagerPeer self, javax.net.ssl.SSLContext context) {
        if (manager.store().members().stream().anyMatch(m -> m.id().equals(nodeId))) {
            return;
        }
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

    private static List<String> apiAddresses(List<ManagerPeer> managers) {
        return managers.stream().map(ManagerPeer::apiAddress).toList();
    }

    public String nodeId() {
        return nodeId;
    }

    /** Null on a worker. */
    public Manager manager() {
        return manager;
    }

    /** This node's API: its manager's, or on a worker the relay's. */
    public InetSocketAddress apiAddress() {
        Manager current = manager;
        ApiRelay currentRelay = relay;
        return current != null ? current.apiAddress() : currentRelay.address();
    }

    /** This node's API ({@code host:port}), or on a worker the manager its agent talks to. */
    public String apiHostPort() {
        return apiHostPort != null ? apiHostPort : channel.current();
    }

    /**
     * Starts this node's DNS server on {@code bind} (port 53 by default; 0: any free port) for
     * {@code domain}, forwarding other names to the host's resolvers only for clients in
     * {@code forwardFrom} (anyone else gets REFUSED for them: a node must not be an open
     * resolver; the cluster's names are answered to anyone). A manager answers from its
     * own registry; a worker from a mirror of the managers' registry, kept current by the
     * all-services watch from the managers its agent knows (and, while none answers, from the
     * last set it had). Throws if the address is taken.
     */
    public io.flotilla.discovery.dns.DnsServer startDns(InetSocketAddress bind, String domain,
            java.util.List<io.flotilla.discovery.dns.SourcePrefix> forwardFrom) throws IOException {
        dnsBind = bind;
        dnsDomain = domain;
        dnsForwardFrom = forwardFrom;
        io.flotilla.discovery.EndpointSource source;
        if (manager != null) {
            source = manager.registry();
        } else {
            mirror = new io.flotilla.discovery.RegistryMirrorStream(new io.flotilla.discovery.RegistryMirror(),
                    channel::managers, tls.context()).start();
            source = mirror.mirror();
        }
        source = withVirtualAddresses(source);
        try {
            dns = io.flotilla.discovery.dns.DnsServer.start(
                    io.flotilla.discovery.dns.DnsConfig.of(bind).withDomain(domain).withForwardFrom(forwardFrom), source);
        } catch (IOException | RuntimeException e) {
            if (mirror != null) {
                mirror.close();
                mirror = null;
            }
            throw e;
        }
        return dns;
    }

    /** {@code source}, answering the virtual addresses this node's mesh serves (none while it runs none). */
    private io.flotilla.discovery.EndpointSource withVirtualAddresses(io.flotilla.discovery.EndpointSource source) {
        return new io.flotilla.discovery.EndpointSource() {
            @Override
            public boolean knows(String service) {
                return source.knows(service);
            }

            @Override
            public java.util.Collection<io.flotilla.model.Endpoint> endpointsUnordered(String service) {
                return source.endpointsUnordered(service);
            }

            @Override
            public boolean stateful(String service) {
                return source.stateful(service);
            }

            @Override
            public String virtualAddress(String service) {
                io.flotilla.node.mesh.NodeMesh current = mesh;
                return current == null ? null : current.virtualAddress(service);
            }
        };
    }

    /**
     * Starts this node's routing mesh: ingress ports on {@code advertise}, the services' virtual
     * addresses, fed by the manager's registry while this node runs one, else by a mirror of the
     * managers' (see {@link io.flotilla.node.mesh.NodeMesh}); {@code GET /metrics} on {@code metrics}
     * when not null.
     */
    public io.flotilla.node.mesh.NodeMesh startMesh(String advertise, InetSocketAddress metrics) throws IOException {
        mesh = io.flotilla.node.mesh.NodeMesh.start(advertise, () -> manager, channel::managers, tls::context,
                () -> new io.flotilla.discovery.RegistryMirrorStream(new io.flotilla.discovery.RegistryMirror(),
                        channel::managers, tls.context()), metrics, true);
        return mesh;
    }

    /** Stops the agent and the manager. Tasks keep running; the next start on the same data dir adopts them. */
    @Override
    public void close() {
        if (mesh != null) {
            mesh.close();
        }
        renewer.close();
        if (roleWatch != null) {
            roleWatch.close();
        }
        if (relay != null) {
            relay.close();
        }
        if (dns != null) {
            dns.close();
        }
        if (mirror != null) {
            mirror.close();
        }
        agent.close();
        channel.close();
        if (manager != null) {
            manager.close();
        }
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    static int freePort(InetAddress address) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.getLocalPort();
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

    public static InetSocketAddress parseAddress(String hostPort, int defaultPort) {
        String value = hostPort.strip();
        int colon = value.lastIndexOf(':');
        if (colon < 0 || value.endsWith("]")) {
            return new InetSocketAddress(value, defaultPort);
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(value.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid address '" + hostPort + "': expected HOST:PORT");
        }
    }
}
