package io.flotilla.node.mesh;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.discovery.SharedRegistryMirror;
import io.flotilla.manager.Manager;
import io.flotilla.mesh.Mesh;
import io.flotilla.mesh.MeshBindException;
import io.flotilla.mesh.MeshOptions;
import io.flotilla.mesh.MeshTable;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.VirtualAddresses;
import io.flotilla.model.api.MeshServices;
import io.flotilla.model.api.NetworkDirectory;
import io.micrometer.core.instrument.MeterRegistry;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
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
 * networks from its {@link NetworkDirectory} ({@link OverlayListeners}). One feeder thread rebuilds the table ({@link MeshTableBuilder}) whenever either changes (checked every 50 ms, so
 * an endpoint that leaves the registry leaves the mesh well within the agent's drain delay) and
 * applies it when it differs. A node whose role changes (promote, demote) switches source on the
 * next round.
 *
 * <p>A manager's mesh serves nothing until the manager knows a Raft leader and has applied what it
 * knows committed, for at most {@link #CATCH_UP_WAIT}: a manager started again begins with the state
 * of its own log, and a chaos run saw its mesh answer 502 for tasks that were gone while their
 * replacements, which it did not know yet, ran (docs/benchmarks.md, the long run).
 *
 * <p>A request that every backend its table listed refused waits for a newer table; on a manager,
 * for as long as the manager is still catching up with its leader ({@link ManagerCatchUp}).
 *
 * <p>Listeners that cannot bind are tried again every 2 s. On one machine running several node
 * processes (the loopback test clusters) the first node binds a service's virtual address and the
 * others fail to: that is expected, logged once at debug, and they take over when it goes.
 *
 * <p>Metrics: the mesh's meters ({@code flotilla_mesh_*}, docs/metrics.md) go to the node's one
 * registry, which the node serves at its {@code --metrics} address with every other part's.
 */
public final class NodeMesh implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeMesh.class);
    private static final Duration RETRY_BINDS = Duration.ofSeconds(2);
    /**
     * How long a manager's mesh waits, after it starts, for the manager to catch up with a leader before
     * it serves its first table: a manager started again holds the state of its own log, which may be
     * far behind (tasks gone, their replacements unknown). Past this, it serves what it has, as a mesh
     * that cannot reach the managers does.
     */
    static final Duration CATCH_UP_WAIT = Duration.ofSeconds(10);
    private static final MeshServices NO_SERVICES = new MeshServices(-1, List.of());
    /** Where every mesh of the process draws its {@link #virtualAddressGeneration}s. */
    private static final java.util.concurrent.atomic.AtomicLong GENERATIONS = new java.util.concurrent.atomic.AtomicLong();

    private final String advertise;
    private final Supplier<Manager> manager;
    /** The services as the node's session has them now; null before its first session. */
    private final Supplier<MeshServices> services;
    private final boolean virtualAddresses;
    /** A new (unstarted) stream mirroring the managers' registry, for a worker (the node's TLS set up). */
    private final Supplier<SharedRegistryMirror.Lease> mirrors;
    /** The node's overlay networks as last applied ({@link OverlayListeners}: a transparent VIP listener on each network's gateway). */
    private final Supplier<NetworkDirectory> overlay;
    private final Mesh mesh;
    private final Semaphore wake = new Semaphore(0);
    private final Thread feeder;
    private final Set<String> reported = new HashSet<>();
    private volatile boolean closed;
    /** The source version ({@link Source#version}) the table applied last was built from. */
    private volatile long builtVersion = Long.MIN_VALUE;
    /** Service → virtual address, for the services whose VIP this mesh serves (what DNS answers). */
    private volatile java.util.Map<String, String> virtualAddressMap = java.util.Map.of();
    /**
     * {@link #virtualAddressGeneration}: drawn from one counter for every mesh of the process, so
     * a mesh started after another (a role change) never repeats a value DNS saw.
     */
    private volatile long virtualAddressGeneration = GENERATIONS.incrementAndGet();
    private WorkerSource worker;

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
        this.feeder = Thread.ofPlatform().daemon().name("mesh-feeder").unstarted(this::feed);
    }

    /**
     * Starts the mesh of a node whose address is {@code advertise}; {@code manager} gives the
     * node's manager (null while it has none), {@code services} the services as the node's session
     * has them (null before its first session), {@code mirrors} a hold
     * on the node's one stream of the managers' registry, shared with its DNS server (taken while
     * the node has no manager, released when it gets one), {@code overlay} the node's overlay
     * networks (the directory whose addresses are on the node's bridges now): every TCP port of
     * each VIP is served by a transparent listener per network ({@link OverlayListeners}).
     * {@code meters}: the node's registry, where the mesh's meters go.
     */
    public static NodeMesh start(String advertise, Supplier<Manager> manager, Supplier<MeshServices> services,
                                 Supplier<SharedRegistryMirror.Lease> mirrors, Supplier<NetworkDirectory> overlay,
                                 MeterRegistry meters, boolean virtualAddresses) {
        NodeMesh node = new NodeMesh(advertise, manager, services, mirrors, overlay, virtualAddresses,
                MeshOptions.defaults(), meters);
        node.mesh.catchUpWith(new ManagerCatchUp(() -> catchUpTarget(manager.get()), node.wake::release,
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
        MeshTable applied = null;
        long retryAt = Long.MAX_VALUE;
        long started = System.nanoTime();
        boolean waitLogged = false;
        while (!closed) {
            try {
                Source source = source();
                if (applied == null && !serveFirstTable(source.caughtUp(), System.nanoTime() - started)) {
                    if (!waitLogged) {
                        waitLogged = true;
                        LOG.info("mesh: waiting for this manager to catch up with the Raft leader before serving (up to {} s)",
                                CATCH_UP_WAIT.toSeconds());
                    }
                    wake.tryAcquire(50, TimeUnit.MILLISECONDS);
                    continue;
                }
                if (applied == null && waitLogged && !source.caughtUp()) {
                    LOG.warn("mesh: no Raft leader caught up with in {} s; serving this manager's own state, which may be behind",
                            CATCH_UP_WAIT.toSeconds());
                }
                long version = source.version();
                NetworkDirectory networks = overlay.get();
                boolean retry = System.nanoTime() >= retryAt;
                if (version != lastVersion || networks != lastOverlay || retry) {
                    lastVersion = version;
                    lastOverlay = networks;
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

    /** Whether the first table may be served: its source is current, or it has waited {@link #CATCH_UP_WAIT}. */
    static boolean serveFirstTable(boolean current, long waitedNanos) {
        return current || waitedNanos >= CATCH_UP_WAIT.toNanos();
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

    private Source source() {
        Manager current = manager.get();
        if (current != null) {
            if (worker != null) {
                worker.close();
                worker = null;
            }
            return new ManagerSource(current, current.registry());
        }
        if (worker == null) {
            worker = new WorkerSource(services, mirrors.get());
        }
        return worker;
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
        if (worker != null) {
            worker.close();
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

    /** What the table is built from, and a number that changes when it does. */
    private interface Source {
        long version();

        Collection<ServiceSpec> services();

        Collection<Endpoint> endpoints(String service);

        /** Whether the source holds the cluster's current state (not a manager still behind its leader). */
        default boolean caughtUp() {
            return true;
        }
    }

    /** A manager: its own registry, whose state holds the specs. */
    private record ManagerSource(Manager manager, EndpointRegistry registry) implements Source {
        /**
         * It knows a leader and has applied every entry it knows committed. A follower's commit index
         * stops at its log's last entry while the leader's entries are still arriving, so this can hold
         * a few round trips early; what it keeps out is the long wait of a manager that has not heard
         * from a leader yet.
         */
        @Override
        public boolean caughtUp() {
            var store = manager.store();
            return store.leaderId() != null && store.appliedIndex() >= store.commitIndex();
        }

        @Override
        public long version() {
            return registry.index();
        }

        @Override
        public Collection<ServiceSpec> services() {
            return registry.state().services().stream().map(Service::spec).toList();
        }

        @Override
        public Collection<Endpoint> endpoints(String service) {
            return registry.endpointsUnordered(service);
        }
    }

    /**
     * A worker: endpoints from a mirror of the managers' registry (the all-services watch), the
     * services from the node's session ({@link MeshServices}, which the agent's long poll brings
     * as soon as a service's spec changes): no request of its own for them.
     */
    private static final class WorkerSource implements Source, AutoCloseable {
        private final SharedRegistryMirror.Lease stream;
        private final Supplier<MeshServices> services;

        WorkerSource(Supplier<MeshServices> services, SharedRegistryMirror.Lease stream) {
            this.services = services;
            this.stream = stream;
        }

        private MeshServices current() {
            MeshServices now = services.get();
            return now == null ? NO_SERVICES : now;
        }

        @Override
        public long version() {
            return current().index() * 31 + stream.mirror().resumeIndex();
        }

        @Override
        public Collection<ServiceSpec> services() {
            return current().services();
        }

        @Override
        public Collection<Endpoint> endpoints(String service) {
            return stream.mirror().endpointsUnordered(service);
        }

        @Override
        public void close() {
            stream.close();
        }
    }
}
