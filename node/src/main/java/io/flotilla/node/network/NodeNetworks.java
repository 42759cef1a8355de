package io.flotilla.node.network;

import io.flotilla.agent.SessionListener;
import io.flotilla.discovery.dns.OverlayNames;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NodeSession;
import io.flotilla.network.Commands;
import io.flotilla.network.OverlayDataPlane;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node following its overlay networks: each {@link NodeSession} brings the node's
 * {@link NetworkDirectory}, and one thread of this class makes the node match it, in order:
 * <ol>
 *   <li>the data plane: {@link OverlayPlans} makes the plan, {@link OverlayDataPlane#reconcile}
 *       the kernel (bridges with the gateway, the node's own address and the VIPs; VXLAN devices;
 *       an entry pair per remote endpoint);</li>
 *   <li>names: the {@link OverlayNames} of the directory replace the old ones at once (a volatile
 *       swap; the DNS servers read them per question), after the data plane, so that a moved task's
 *       new address is answered when this node can already reach it;</li>
 *   <li>DNS on each network's gateway ({@link GatewayDns}), started and stopped as networks come and go;</li>
 *   <li>the directory the mesh listens by ({@link #applied}: VIP listeners bind once their address is on the bridge).</li>
 * </ol>
 * The session thread only hands the directory over: a burst of sessions is one pass with the
 * latest. A failing pass is logged with its cause and tried again ({@link #RETRY}), from what the
 * kernel then holds. {@link #close} stops the DNS servers and leaves the kernel to the running
 * tasks; {@link #remove} also removes the data plane.
 */
public final class NodeNetworks implements SessionListener, AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(NodeNetworks.class);
    /** How soon a pass that failed is tried again when nothing new arrived. */
    static final Duration RETRY = Duration.ofSeconds(2);

    /**
     * How a node runs its networks.
     *
     * @param nodeId          this node's id (its endpoints are local)
     * @param underlayAddress its advertise address, where VXLAN packets leave from
     * @param domain          the cluster's DNS domain ({@code flotilla})
     * @param dnsPort         the gateways' DNS port (53; tasks' resolvers ask there)
     * @param upstreams       where names outside the domain go; null: the host's resolvers
     */
    public record Options(String nodeId, String underlayAddress, String domain, int dnsPort,
                          List<InetSocketAddress> upstreams) {
        public Options {
            Objects.requireNonNull(nodeId, "nodeId");
            Objects.requireNonNull(underlayAddress, "underlayAddress");
        }
    }

    private final Options options;
    private final Commands commands;
    private final OverlayDataPlane dataPlane;
    private final GatewayDns dns;
    private final AtomicReference<NetworkDirectory> latest = new AtomicReference<>();
    private final Semaphore wake = new Semaphore(0);
    private final Thread thread;
    private final Set<String> reported = new HashSet<>();
    private volatile OverlayNames names;
    private volatile NetworkDirectory applied = NetworkDirectory.EMPTY;
    /** The underlay interface's MTU, read at the first pass and again after a failed one (0: to read). */
    private int underlayMtu;
    /** The last pass's failure (null after a pass that worked): logged once while it repeats. */
    private String lastFailure;
    private volatile boolean running = true;

    private NodeNetworks(Options options, Commands commands, io.flotilla.discovery.dns.DnsMetrics dnsMetrics) {
        this.options = options;
        this.commands = commands;
        this.dataPlane = new OverlayDataPlane(commands);
        this.dns = new GatewayDns(options.domain(), options.dnsPort(), options.upstreams(), () -> names, dnsMetrics);
        this.thread = Thread.ofPlatform().daemon(true).name("flotilla-networks").unstarted(this::run);
    }

    /**
     * Starts following; nothing is changed before the first directory arrives.
     *
     * @param commands the kernel's tools ({@link Commands#host()} on a node; a namespace's in tests)
     */
    public static NodeNetworks start(Options options, Commands commands) {
        return start(options, commands, io.flotilla.discovery.dns.DnsMetrics.unexported());
    }

    /** The same, the gateways' DNS servers counting their answers in {@code dnsMetrics} (the node's). */
    public static NodeNetworks start(Options options, Commands commands, io.flotilla.discovery.dns.DnsMetrics dnsMetrics) {
        NodeNetworks networks = new NodeNetworks(options, commands, dnsMetrics);
        networks.thread.start();
        LOG.info("overlay networks on {} (VXLAN from {}, DNS on each network's gateway port {})", commands,
                options.underlayAddress(), options.dnsPort());
        return networks;
    }

    @Override
    public void session(NodeSession session) {
        apply(session.networks());
    }

    /** Hands a directory over to the networks' thread (the latest of a burst wins); never blocks. */
    public void apply(NetworkDirectory directory) {
        latest.set(directory == null ? NetworkDirectory.EMPTY : directory);
        wake.release();
    }

    /** The directory of the last pass (EMPTY before one): what the mesh listens by. */
    public NetworkDirectory applied() {
        return applied;
    }

    /** The names tasks are answered from now (null before the first pass). */
    public OverlayNames names() {
        return names;
    }

    /** Where the gateway DNS server of network {@code name} answers; null when none runs. */
    public InetSocketAddress dnsAddress(String name) {
        return dns.address(name);
    }

    private void run() {
        NetworkDirectory done = null;
        boolean failed = false;
        while (running) {
            try {
                if (!wake.tryAcquire(failed ? RETRY.toMillis() : 1000, TimeUnit.MILLISECONDS) && !failed) {
                    continue;
                }
                wake.drainPermits();
                NetworkDirectory directory = latest.get();
                if (directory == null || !running || (!failed && directory.equals(done))) {
                    continue;
                }
                failed = !pass(directory);
                done = directory;
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** One pass over {@code directory}; false when part of it failed (tried again later). */
    private boolean pass(NetworkDirectory directory) {
        long started = System.nanoTime();
        boolean ok = true;
        try {
            if (underlayMtu == 0) {
                underlayMtu = UnderlayMtu.of(commands, options.underlayAddress());
            }
            OverlayPlans.Result result = OverlayPlans.of(directory, options.nodeId(), options.underlayAddress(), underlayMtu);
            result.problems().forEach(this::reportOnce);
            dataPlane.reconcile(result.plan());
            if (lastFailure != null) {
                LOG.info("overlay: the data plane matches the node's networks again");
                lastFailure = null;
            }
        } catch (RuntimeException e) {
            ok = false;
            underlayMtu = 0;
            String failure = String.valueOf(e.getMessage());
            if (!failure.equals(lastFailure)) {   // the same failure again, every RETRY, at debug only
                LOG.warn("overlay: the data plane does not match the node's networks ({}); trying again every {} s",
                        failure, RETRY.toSeconds());
            } else {
                LOG.debug("overlay: still failing: {}", failure);
            }
            lastFailure = failure;
        }
        names = new OverlayNames(directory, dns.domain());
        ok &= dns.follow(directory);
        applied = directory;
        LOG.debug("overlay: {} network(s) applied in {} ms", directory.networks().size(),
                TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started));
        return ok;
    }

    private void reportOnce(String problem) {
        if (reported.add(problem)) {
            LOG.warn("overlay: {}", problem);
        }
    }

    /**
     * Stops following the session and the DNS servers, and leaves the kernel as it is: the node's
     * tasks (containers, process tasks' namespaces) keep their networks across a restart of the
     * node, as they keep running, and the next start reconciles from the session it gets.
     */
    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        dns.close();
    }

    /** {@link #close}, then removes every bridge, VXLAN device and rule of the overlay from the node. */
    public void remove() {
        close();
        try {
            dataPlane.teardown();
        } catch (RuntimeException e) {
            LOG.warn("overlay: could not remove the data plane: {}", e.getMessage());
        }
    }
}
