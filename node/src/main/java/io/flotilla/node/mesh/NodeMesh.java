package io.flotilla.node.mesh;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.discovery.SharedRegistryMirror;
import io.flotilla.manager.Manager;
import io.flotilla.mesh.Mesh;
import io.flotilla.mesh.MeshBindException;
import io.flotilla.mesh.MeshOptions;
import io.flotilla.mesh.MeshTable;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.VirtualAddresses;
import io.flotilla.model.api.MeshServices;
import io.flotilla.model.api.NetworkDirectory;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing mesh of a node, fed by the registry: a manager reads its own {@link EndpointRegistry}
 * and cluster state; a worker keeps a mirror of the managers' registry through the managers' all-services
 * watch, and takes the services from its session ({@link MeshServices}, carried by the agent's
 * long poll, which answers when a service's spec changes), and the VIPs of the node's overlay
 * networks from its {@link NetworkDirectory} ({@link OverlayListeners}). One feeder thread rebuilds
 * the table ({@link MeshTableBuilder}) whenever either changes (checked every 50 ms, so an endpoint
 * that leaves the registry leaves the mesh well within the agent's drain delay) and applies it when
 * it differs. A node whose role changes (promote, demote) switches source on the next round.
 *
 * <p>A manager holds the worker's stream too, and routes from it while its own state lags behind
 * the leader's ({@link RouteSourceChoice}): a manager started again begins with the state of its own
 * log, and one whose replication is stuck stays there; chaos runs saw such a mesh answer 502 for
 * tasks that were gone while their replacements, which it did not know yet, ran
 * (docs/benchmarks.md: the first long run, and run G). Its first table waits for the stream or for the manager to
 * catch up, for at most {@link RouteSourceChoice#CATCH_UP_WAIT}.
 *
 * <p>A request that every backend its table listed refused waits for a newer table; on a manager
 * routing from its own state, for as long as the manager is still catching up with its leader
 * ({@link ManagerCatchUp}).
 *
 * <p>Listeners that cannot bind are tried again every 2 s. On one machine running several node
 * processes (the loopback test clusters) the first node binds a service's virtual address and the
 * others fail to: that is expected, logged once at debug, and they take over when it goes.
 *
 * <p>Metrics: the mesh's meters ({@code flotilla_mesh_*}, docs/metrics.md) go to the node's one
 * registry, which the node serves at its {@code --metrics} address with every other part's;
 * {@code flotilla_mesh_manager_behind} is 1 while a manager's mesh routes from the stream.
 */
public final class NodeMesh implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeMesh.class);
    private static final Duration RETRY_BINDS = Duration.ofSeconds(2);
    /** How often a manager that stays behind says so again. */
    private static final long BEHIND_LOG_NANOS = TimeUnit.SECONDS.toNanos(10);
    /** Where every mesh of the process draws its {@link #virtualAddressGeneration}s. */
    private static final java.util.concurrent.atomic.AtomicLong GENERATIONS = new java.util.concurrent.atomic.AtomicLong();

    private final String advertise;
    private final Supplier<Manager> manager;
    /** The services as the node's session has them now; null before its first session. */
    private final Supplier<MeshServices> services;
    private final boolean virtualAddresses;
    /** A hold on the node's one stream of the managers' registry (started with the first hold). */
    private final Supplier<SharedRegistryMirror.Lease> mirrors;
    /** The node's overlay networks as last applied ({@link OverlayListeners}: a transparent VIP listener on each network's gateway). */
    private final Supplier<NetworkDirectory> overlay;
    private final Mesh mesh;
    private final Semaphore wake = new Semaphore(0);
    private final Thread feeder;
    private final Set<String> reported = new HashSet<>();
    private volatile boolean closed;
    /** The source version ({@link MeshSources.Source#version}) the table applied last was built from. */
    private volatile long builtVersion = Long.MIN_VALUE;
    /** Service → virtual address, for the services whose VIP this mesh serves (what DNS answers). */
    private volatile java.util.Map<String, String> virtualAddressMap = java.util.Map.of();
    /**
     * {@link #virtualAddressGeneration}: drawn from one counter for every mesh of the process, so
     * a mesh started after another (a role change) never repeats a value DNS saw.
     */
    private volatile long virtualAddressGeneration = GENERATIONS.incrementAndGet();
    /** The leader's view as streamed to this node: held from the feeder's first round on, on every node. */
    private MeshSources.Streamed streamed;
    /** The feeder's: which state each round's table comes from. */
    private final RouteSourceChoice choice = new RouteSourceChoice();
    /** When the feeder last said this manager is behind (System.nanoTime). */
    private long behindLogged;
    /** Whether this node's manager lags and its mesh routes from the stream ({@code flotilla_mesh_manager_behind}). */
    private volatile boolean behind;

    private NodeMesh(String advertise, Supplier<Manager> manager, Supplier<MeshServices> services,
                     Supplier<SharedRegistryMirror.Lease> mirrors, Supplier<NetworkDirectory> overlay,
                     boolean virtualAddresses, MeshOptions options, MeterRegistry meters) {
        this.advertise = advertise;
        this.overlay = overlay;
        this.mirrors = mirrors;
        this.manager = manager;
        this.services = services;
        this.virtualAddresses = virtualAddresses;
        this.mesh = new Mesh(options, meters);
        Gauge.builder("flotilla.mesh.manager.behind", this, m -> m.behind ? 1 : 0)
                .description("1 while this node's manager lags behind its leader and the mesh routes from the leader's registry")
                .register(meters);
        this.feeder = Thread.ofPlatform().daemon().name("mesh-feeder").unstarted(this::feed);
    }

    /**
     * Starts the mesh of a node whose address is {@code advertise}; {@code manager} gives the
     * node's manager (null while it has none), {@code services} the services as the node's session
     * has them (null before its first session), {@code mirrors} a hold
     * on the node's one stream of the managers' registry, shared with its DNS server (held for the
     * mesh's life, on managers too: {@link RouteSourceChoice}), {@code overlay} the node's overlay
     * networks (the directory whose addresses are on the node's bridges now): every TCP port of
     * each VIP is served by a transparent listener per network ({@link OverlayListeners}).
     * {@code meters}: the node's registry, where the mesh's meters go.
     */
    public static NodeMesh start(String advertise, Supplier<Manager> manager, Supplier<MeshServices> services,
                                 Supplier<SharedRegistryMirror.Lease> mirrors, Supplier<NetworkDirectory> overlay,
                                 MeterRegistry meters, boolean virtualAddresses) {
        NodeMesh node = new NodeMesh(advertise, manager, services, mirrors, overlay, virtualAddresses,
                MeshOptions.defaults(), meters);
        // a manager routing from the stream waits for a newer table as a worker does
        node.mesh.catchUpWith(new ManagerCatchUp(() -> node.behind ? null : catchUpTarget(manager.get()), node.wake::release,
                () -> node.builtVersion, ManagerCatchUp.READ_WAIT));
        node.feeder.start();
        LOG.info("routing mesh on {} ({})", advertise, node.mesh.transportName());
        return node;
    }

    private static ManagerCatchUp.Target catchUpTarget(Manager current) {
        return current == null ? null : new ManagerCatchUp.Target() {
            @Override
            public void awaitConsistent(Duration max) throws InterruptedException {
                current.store().awaitConsistent(max);
            }

            @Override
            public long index() {
                return current.registry().index();
            }
        };
    }

    /**
     * Whether this node's manager lags behind its leader and the mesh routes from the leader's
     * registry ({@link RouteSourceChoice}); false on a worker. The node's DNS answers from the same.
     */
    public boolean routesFromLeader() {
        return behind;
    }

    /** The listeners bound now. */
    public Set<InetSocketAddress> boundAddresses() {
        return mesh.boundAddresses();
    }

    /**
     * The virtual address of {@code service} if this mesh serves one for it (endpoint mode vip,
     * TCP ports), else null: what this node's DNS answers for the service's name.
     */
    public String virtualAddress(String service) {
        return virtualAddressMap.get(service);
    }

    /**
     * Changes (grows) each time {@link #virtualAddress} answers differently for some service, after
     * the new answers are readable; unique among all meshes of the process. What DNS checks
     * before reusing an answer ({@code EndpointSource#generation}).
     */
    public long virtualAddressGeneration() {
        return virtualAddressGeneration;
    }

    private void feed() {
        long lastVersion = Long.MIN_VALUE;
        NetworkDirectory lastOverlay = null;
        MeshSources.Source lastSource = null;
        MeshTable applied = null;
        long retryAt = Long.MAX_VALUE;
        long started = System.nanoTime();
        boolean waitLogged = false;
        while (!closed) {
            try {
                MeshSources.Source source = source(System.nanoTime() - started);
                if (source == null) {
                    if (!waitLogged) {
                        waitLogged = true;
                        LOG.info("mesh: waiting for this manager to catch up with the Raft leader, or for the leader's registry, before serving (up to {} s)",
                                TimeUnit.NANOSECONDS.toSeconds(RouteSourceChoice.CATCH_UP_WAIT));
                    }
                    wake.tryAcquire(50, TimeUnit.MILLISECONDS);
                    continue;
                }
                if (applied == null && waitLogged && source instanceof MeshSources.Own own && !own.caughtUp()) {
                    LOG.warn("mesh: neither a Raft leader caught up with nor the leader's registry in {} s; serving this manager's own state, which may be behind",
                            TimeUnit.NANOSECONDS.toSeconds(RouteSourceChoice.CATCH_UP_WAIT));
                }
                long version = source.version();
                NetworkDirectory networks = overlay.get();
                boolean retry = System.nanoTime() >= retryAt;
                boolean switched = lastSource == null || source.getClass() != lastSource.getClass();
                if (version != lastVersion || networks != lastOverlay || retry || switched) {
                    lastVersion = version;
                    lastOverlay = networks;
                    lastSource = source;
                    Collection<ServiceSpec> services = source.services();
                    MeshTableBuilder.Result result = MeshTableBuilder.build(advertise, services,
                            source::endpoints, virtualAddresses, networks);
                    java.util.Map<String, String> addresses = virtualAddresses
                            ? MeshTableBuilder.virtualAddresses(services) : java.util.Map.of();
                    if (!addresses.equals(virtualAddressMap)) {
                        virtualAddressMap = addresses;
                        virtualAddressGeneration = GENERATIONS.incrementAndGet();
                    }
                    result.problems().forEach(this::reportOnce);
                    if (retry || !result.table().equals(applied)) {
                        retryAt = Long.MAX_VALUE;
                        applied = result.table();
                        try {
                            mesh.apply(result.table());
                        } catch (MeshBindException e) {
                            retryAt = System.nanoTime() + RETRY_BINDS.toNanos();
                            bindFailures(e);
                        }
                    }
                    builtVersion = version;
                }
                wake.tryAcquire(50, TimeUnit.MILLISECONDS);
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                if (!closed) {
                    LOG.warn("mesh: could not apply the routing table: {}", e.toString());
                    sleepQuietly(500);
                }
            }
        }
    }

    /**
     * What this round's table is built from ({@link RouteSourceChoice}), or null while a manager's
     * first table waits. The stream of the leader's registry is held on every node: a worker routes
     * from it, a manager measures its own state against it and routes from it while that lags.
     */
    private MeshSources.Source source(long waited) {
        if (streamed == null) {
            streamed = new MeshSources.Streamed(services, mirrors.get());
        }
        Manager current = manager.get();
        MeshSources.Own own = current == null ? null : new MeshSources.Own(current);
        long ownIndex = own == null ? -1 : own.version();
        long streamIndex = streamed.index();
        long now = System.nanoTime();
        boolean leads = own != null && own.leads();
        RouteSourceChoice.Choice next = choice.choose(own != null, ownIndex, leads || own != null && own.caughtUp(), leads,
                streamIndex, now, waited);
        if (next == RouteSourceChoice.Choice.WAIT) {
            return null;
        }
        boolean fromStream = next == RouteSourceChoice.Choice.LEADER;
        boolean nowBehind = own != null && fromStream;
        if (nowBehind && !behind) {
            behindLogged = now;
            LOG.warn("mesh: this manager's state (index {}) lacks what its leader reported {} ms ago (index {} now);"
                    + " routing from the leader's registry until it catches up", ownIndex,
                    TimeUnit.NANOSECONDS.toMillis(choice.lagNanos(now)), streamIndex);
        } else if (nowBehind && now - behindLogged >= BEHIND_LOG_NANOS) {
            behindLogged = now;
            LOG.info("mesh: this manager is still behind its leader: state index {}, the leader's {} ({} ms behind)",
                    ownIndex, streamIndex, TimeUnit.NANOSECONDS.toMillis(choice.lagNanos(now)));
        } else if (!nowBehind && behind && own != null) {
            LOG.info("mesh: this manager caught up with its leader (index {}); routing from its own state again", ownIndex);
        }
        behind = nowBehind;
        return fromStream ? streamed : own;
    }

    private void bindFailures(MeshBindException e) {
        e.failures().forEach((listener, cause) -> {
            String message = "mesh: cannot listen on " + listener.bindAddress() + ":" + listener.port() + " ("
                    + cause.getMessage() + ")";
            if (VirtualAddresses.contains(listener.bindAddress())) {
                LOG.debug("{}; another node process on this machine serves this virtual address", message);
            } else {
                reportOnce(message + "; retrying every " + RETRY_BINDS.toSeconds() + " s");
            }
        });
    }

    private void reportOnce(String problem) {
        if (reported.add(problem)) {
            LOG.warn(problem);
        }
    }

    @Override
    public void close() {
        closed = true;
        feeder.interrupt();
        try {
            feeder.join(2000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        if (streamed != null) {
            streamed.close();
        }
        mesh.close();
    }

    private static void sleepQuietly(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
