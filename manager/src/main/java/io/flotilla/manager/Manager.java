package io.flotilla.manager;

import io.flotilla.manager.api.ApiServer;
import io.flotilla.manager.cluster.ClusterAdmin;
import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.manager.dispatcher.Dispatcher;
import io.flotilla.manager.files.DataKeyFile;
import io.flotilla.manager.files.FileVault;
import io.flotilla.manager.loops.LeaderCore;
import io.flotilla.manager.loops.LeaderLoop;
import io.flotilla.manager.raft.RaftClusterStore;
import io.flotilla.model.Command;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One manager: the Raft peer holding the cluster state, and — while it leads — the control loop
 * (orchestrator, scheduler, node liveness), the dispatcher and the HTTP API.
 *
 * <p>Lifecycle: {@code new} → {@link #start} (Raft up, leader, log replayed; then loop and API)
 * → {@link #close} (API, loop, Raft, in that order; no snapshot on stop, so a clean stop leaves
 * the disk as a crash would and the next start replays the log).
 */
public final class Manager implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(Manager.class);

    private final ManagerConfig config;
    private final InstantSource clock;
    private final TaskLogSource logs;
    private final ManagerTuning tuning;
    private final IdGenerator ids;
    private RaftClusterStore store;
    private Dispatcher dispatcher;
    private LeaderLoop loop;
    /** Keeps the manager's own stalls out of the nodes' silence (DispatchRules' heartbeats). */
    private io.flotilla.manager.dispatcher.StallWatch stallWatch;
    private ApiServer api;
    /** Discovery: the endpoint registry following this manager's applied log, and registration renewals. */
    private final io.flotilla.discovery.EndpointRegistry registry = new io.flotilla.discovery.EndpointRegistry();
    private io.flotilla.manager.discovery.Renewals renewals;
    private io.flotilla.manager.discovery.RegistrationReaper reaper;
    private ClusterAdmin admin;
    /** Seals and opens secrets and configs with the cluster data key. */
    private FileVault vault;
    /** Where the dashboard's actions are recorded; null: as audit events in the log ({@code RecordedAudit}). */
    private volatile io.flotilla.manager.dashboard.DashboardAudit dashboardAudit;
    private io.flotilla.manager.images.ImageCopies imageCopies;
    /** This manager's meters in its node's registry, removed when it stops (a demoted node exports none of them). */
    private final io.flotilla.manager.metrics.MeterGroup meters;

    public Manager(ManagerConfig config, InstantSource clock, TaskLogSource logs) {
        this(config, clock, logs, ManagerTuning.defaults());
    }

    public Manager(ManagerConfig config, InstantSource clock, TaskLogSource logs, ManagerTuning tuning) {
        this(config, clock, logs, tuning, null);
    }

    /**
     * @param registry the node's meter registry, where this manager registers its meters
     *                 ({@code flotilla_raft_*}, {@code flotilla_leader_*}, {@code flotilla_dispatcher_*},
     *                 {@code flotilla_discovery_watchers}; docs/metrics.md) until it stops; null: a registry
     *                 nobody reads
     */
    public Manager(ManagerConfig config, InstantSource clock, TaskLogSource logs, ManagerTuning tuning,
                   io.micrometer.core.instrument.MeterRegistry registry) {
        this.config = Objects.requireNonNull(config, "config");
        this.clock = Objects.requireNonNull(clock, "clock");
        this.logs = logs == null ? TaskLogSource.NONE : logs;
        this.tuning = Objects.requireNonNull(tuning, "tuning");
        this.ids = new IdGenerator(tuning.random());
        this.meters = registry == null ? io.flotilla.manager.metrics.MeterGroup.unexported()
                : new io.flotilla.manager.metrics.MeterGroup(registry);
    }

    /**
     * Starts the Raft peer — the first manager of a new cluster waits until it leads and has
     * replayed its log, and gives the cluster its id and join tokens on its first start — then the
     * control loop and the API.
     */
    public synchronized void start() throws IOException {
        if (store != null) {
            throw new IllegalStateException("manager already started");
        }
        try {
            // Raft speaks only with managers of this cluster: the peers' trust is decided by the store
            // (group, state, deny list) at every handshake.
            io.flotilla.manager.raft.RaftPeerCheck raftPeers = new io.flotilla.manager.raft.RaftPeerCheck();
            store = new RaftClusterStore(config.nodeId(), config.raftAddress(), config.dataDir().resolve("raft"),
                    tuning.snapshotThreshold(), config.bootstrap(), config.knownManagers(),
                    config.tls() == null ? null : RaftClusterStore.tls(config.tls().keyManager(),
                            config.tls().trustManager().withClientCheck(raftPeers)));
            raftPeers.peers(store::mayConnect);
            java.nio.file.Path restored = io.flotilla.manager.cluster.RestoredState.seed(config.dataDir(), store);
            io.flotilla.manager.raft.RaftMeters.register(meters, store); // before start: leader changes from the first
            store.machine().addApplyListener(new io.flotilla.manager.raft.ClusterStateMachine.ApplyListener() {
                @Override
                public void applied(ClusterState before, io.flotilla.state.Changes changes, ClusterState after) {
                    registry.applied(before, changes, after);
                }

                @Override
                public void reset(ClusterState state) {
                    registry.reset(state);
                }
            });
            store.start(tuning.startTimeout());
            io.flotilla.manager.cluster.RestoredState.done(restored);
            admin = new ClusterAdmin(config.nodeId(), store, clock, new java.security.SecureRandom(), config.tls());
            if (config.bootstrap() && store.isLeader()) {
                admin.initializeIfNew(config.networkPool());
            }
            RaftClusterStore raft = store;
            DispatchRules rules = new DispatchRules(config.heartbeatTimeout(), tuning.leaderGrace(), config.leaseTtl(),
                    clock.instant());
            stallWatch = io.flotilla.manager.dispatcher.StallWatch.start(rules.heartbeats(), clock);
            dispatcher = new Dispatcher(store, rules, clock,
                    () -> raft.members().stream().map(ManagerPeer::id).collect(java.util.stream.Collectors.toSet()),
                    admin::leaderApi);
            dispatcher.dependencyChanges(io.flotilla.manager.dispatcher.TaskDependencies.following(registry));
            DataKeyFile dataKey = dataKey(store.state());
            vault = new FileVault(dataKey);
            dispatcher.files(vault::open);
            ClusterAdmin members = admin;
            dispatcher.sessions(new io.flotilla.manager.dispatcher.NodeSessions(members::managers,
                    () -> config.tls() == null ? null : config.tls().caDigest()));
            LeaderCore core = new LeaderCore(rules, new Orchestrator(ids), new Scheduler(config.leaseTtl()), clock,
                    tuning.orchestrate());
            loop = new LeaderLoop(store, core, store.machine()::addApplyListener, clock, tuning.loopTick());
            loop.announce(config.nodeId());
            loop.announceNow();
            ManagerMeters.register(meters, raft, loop, dispatcher, registry);
            loop.start();
            api = new ApiServer(config.apiAddress(), config.nodeId(), store, dispatcher, clock, ids, logs,
                    store::leaderId, admin, config.tls() == null ? null : config.tls().context());
            renewals = new io.flotilla.manager.discovery.Renewals(clock.instant());
            api.discovery(new io.flotilla.manager.api.DiscoveryApi(registry, store, renewals, clock, ids));
            api.files(vault);
            api.dashboard(dataKey, dashboardAudit != null ? dashboardAudit
                    : new io.flotilla.manager.dashboard.RecordedAudit(store, clock),
                    new io.flotilla.manager.dashboard.ClusterTraffic(raft::isLeader, dispatcher::traffic, admin::leaderApi,
                            config.tls() == null ? null : config.tls().context()));
            reaper = new io.flotilla.manager.discovery.RegistrationReaper(store, renewals, clock, Duration.ofMillis(100));
            reaper.start();
            imageCopies = new io.flotilla.manager.images.ImageCopies(config.nodeId(), store,
                    new io.flotilla.manager.images.ImageStore(config.dataDir().resolve("images")), members::managers,
                    config.tls() == null ? null : config.tls().context(), Duration.ofSeconds(1));
            api.images(new io.flotilla.manager.api.ImageEndpoints(config.nodeId(), store, imageCopies, clock));
            imageCopies.start();
            api.start();
            admin.selfApi(api.address().getAddress().getHostAddress() + ":" + api.address().getPort());
            LOG.info("manager {} started: state index {}, API {}", config.nodeId(), store.state().index(),
                    api.address());
        } catch (IOException | RuntimeException e) {
            close();
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            close();
            throw new IOException("interrupted while starting", e);
        }
    }

    /**
     * The cluster data key's file: beside the CA key ({@code DATA/tls/data.key}), or in the manager's
     * directory without TLS (tests). The first manager makes it when the cluster has none yet (made at
     * {@code init} by the node; this covers a plaintext manager and a cluster made before secrets).
     */
    private DataKeyFile dataKey(ClusterState state) throws IOException {
        DataKeyFile file = new DataKeyFile(config.tls() == null ? config.dataDir().resolve("data.key")
                : config.tls().directory().dataKey());
        file.makeIfFirst(config.bootstrap() && (config.tls() == null || config.tls().directory().hasCaKey()),
                !state.files().all().isEmpty());
        return file;
    }

    /** The endpoint registry (discovery) of this manager: what its DNS server and watch API answer from. */
    public io.flotilla.discovery.EndpointRegistry registry() {
        return registry;
    }

    /** Records the dashboard's actions through {@code audit}; before {@link #start}. */
    public void dashboardAudit(io.flotilla.manager.dashboard.DashboardAudit audit) {
        this.dashboardAudit = audit;
    }

    /** The latest applied state. */
    public ClusterState state() {
        return requireStarted().state();
    }

    /** Submits through Raft; completes once applied locally, with a state that includes the command. */
    public CompletableFuture<ClusterState> submit(Command command) {
        return requireStarted().submit(command);
    }

    /** The API's bound address (the actual port when configured with port 0). */
    public InetSocketAddress apiAddress() {
        ApiServer current = api;
        if (current == null) {
            throw new IllegalStateException("manager not started");
        }
        return current.address();
    }

    /** Takes a Raft snapshot now; returns its log index. For operators and tests. */
    public long takeSnapshot() throws IOException {
        return requireStarted().takeSnapshot();
    }

    /** True while this manager leads and has applied its whole log. */
    public boolean isLeader() {
        RaftClusterStore current = store;
        return current != null && current.isLeader();
    }

    /** Membership: joins, the managers' Raft group, node changes. */
    public ClusterAdmin admin() {
        ClusterAdmin current = admin;
        if (current == null) {
            throw new IllegalStateException("manager not started");
        }
        return current;
    }

    /** The Raft store, for membership and tests. */
    public RaftClusterStore store() {
        return requireStarted();
    }

    /** The dispatcher, for in-process agents and tests. */
    public Dispatcher dispatcher() {
        Dispatcher current = dispatcher;
        if (current == null) {
            throw new IllegalStateException("manager not started");
        }
        return current;
    }

    private RaftClusterStore requireStarted() {
        RaftClusterStore current = store;
        if (current == null) {
            throw new IllegalStateException("manager not started");
        }
        return current;
    }

    /** Stops the API, the loop and Raft, and removes this manager's meters. Takes no snapshot. */
    @Override
    public synchronized void close() {
        meters.close();
        if (api != null) {
            api.close();
        }
        if (loop != null) {
            loop.close();
        }
        if (stallWatch != null) {
            stallWatch.close();
        }
        if (imageCopies != null) {
            imageCopies.close();
        }
        if (reaper != null) {
            reaper.close();
        }
        if (store != null) {
            store.close();
        }
        LOG.info("manager {} stopped", config.nodeId());
    }
}
