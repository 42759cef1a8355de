package io.flotilla.mesh;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Counter;
import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.handler.codec.http2.Http2SecurityUtil;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import io.netty.handler.ssl.SupportedCipherSuiteFilter;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The routing mesh of one node: a listener for every published port in ingress mode, forwarding
 * TCP connections and HTTP requests to healthy endpoints anywhere in the cluster, and transparent
 * listeners that the kernel redirects every port of the overlays' virtual addresses to. The node feeds
 * it whole {@link MeshTable}s built from the registry's watch; {@link #apply} turns the running
 * proxy into the table.
 *
 * <p>Threads: {@code ioThreads} event loops (io_uring, else epoll, else NIO: {@link Transport}) serve both the
 * clients and the backend connections; {@link #apply} and {@link #close} are synchronized and may
 * be called from any thread.
 *
 * <p>Changes without loss: a listener whose address, protocol, TLS and PROXY setting stay keeps
 * its socket and gets its routes swapped in one write; a gone listener stops accepting, closes
 * idle connections, lets busy ones finish (h2 gets GOAWAY) and closes the rest after
 * {@code drainTimeout}; a gone backend takes no new requests while its in-flight ones finish.
 */
public final class Mesh implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(Mesh.class);
    /** Fired into a client connection's pipeline when its listener goes: finish what is in flight, then close. */
    static final Object DRAIN = new Object() {
        @Override
        public String toString() {
            return "DRAIN";
        }
    };

    private final MeshOptions options;
    private final MeterRegistry registry;
    private final LongSupplier nanoTime;
    private final Transport transport;
    private final MeshRuntime runtime;
    private final Map<String, ListenerState> listeners = new LinkedHashMap<>();
    private final Map<String, BackendState> backends = new HashMap<>();
    private final Map<String, RouteState.ServiceMeters> serviceMeters = new HashMap<>();
    private boolean closed;

    public Mesh(MeshOptions options, MeterRegistry registry) {
        this(options, registry, System::nanoTime);
    }

    Mesh(MeshOptions options, MeterRegistry registry, LongSupplier nanoTime) {
        this(options, registry, nanoTime, Transport.create(options.ioThreads()));
    }

    /** With a given transport (tests: NIO where epoll is available). */
    Mesh(MeshOptions options, MeterRegistry registry, LongSupplier nanoTime, Transport transport) {
        this.options = Objects.requireNonNull(options, "options");
        this.registry = Objects.requireNonNull(registry, "registry");
        this.nanoTime = Objects.requireNonNull(nanoTime, "nanoTime");
        this.transport = Objects.requireNonNull(transport, "transport");
        this.runtime = new MeshRuntime(transport, options, registry);
        log.info("Routing mesh started: {} transport, {} event loops", transport.name(),
                options.ioThreads() == 0 ? Runtime.getRuntime().availableProcessors() : options.ioThreads());
    }

    /**
     * Tells the mesh how to learn whether this node's table lags behind the cluster: a request that
     * every listed backend refused then waits for the node to catch up ({@link RouteRefresh}).
     * Without one, the node's table counts as current.
     */
    public void catchUpWith(TableCatchUp catchUp) {
        runtime.catchUp = Objects.requireNonNull(catchUp, "catchUp");
    }

    /** "io_uring", "epoll" or "nio": which transport the kernel and the native libraries allowed. */
    public String transportName() {
        return transport.name();
    }

    /**
     * Makes the listeners and routes match the table: opens new listeners, closes gone ones
     * (draining), swaps routes atomically; backends that disappear drain. Idempotent, thread-safe.
     * A listener that cannot bind is reported (exception listing the failed binds) without
     * disturbing the others.
     *
     * @throws MeshBindException when some listeners could not be opened (the rest is applied)
     */
    public synchronized void apply(MeshTable table) {
        Objects.requireNonNull(table, "table");
        if (closed) {
            throw new IllegalStateException("mesh is closed");
        }
        Map<String, BackendState> wantedBackends = new HashMap<>();
        Map<String, List<RouteState>> routesByListener = new LinkedHashMap<>();
        Map<String, MeshListener> wanted = new LinkedHashMap<>();
        for (MeshListener listener : table.listeners()) {
            String key = key(listener);
            wanted.put(key, listener);
            List<RouteState> routes = new ArrayList<>(listener.routes().size());
            for (MeshRoute route : listener.routes()) {
                List<BackendState> states = new ArrayList<>(route.backends().size());
                Set<String> ids = new HashSet<>();
                for (MeshBackend backend : route.backends()) {
                    if (!ids.add(backend.id())) {
                        continue; // the same task listed twice would only skew balancing
                    }
                    String backendKey = route.service() + "/" + backend.id() + "/" + backend.host() + ":" + backend.port()
                            + (backend.sourceAddress() == null ? "" : " from " + backend.sourceAddress());
                    BackendState state = wantedBackends.computeIfAbsent(backendKey, k -> backends.computeIfAbsent(k,
                            x -> new BackendState(route.service(), backend, options, nanoTime, registry)));
                    states.add(state);
                }
                routes.add(new RouteState(route, states, serviceMeters(route.service())));
            }
            routesByListener.put(key, routes);
        }

        // Listeners that go, or change shape, close first so that a re-bind of the same port can succeed.
        for (var it = listeners.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            MeshListener next = wanted.get(entry.getKey());
            if (next == null || !entry.getValue().sameShape(next)) {
                drain(entry.getValue());
                it.remove();
            }
        }
        Map<MeshListener, Throwable> failures = new LinkedHashMap<>();
        for (var entry : wanted.entrySet()) {
            ListenerState running = listeners.get(entry.getKey());
            List<RouteState> routes = routesByListener.get(entry.getKey());
            if (running != null) {
                running.setRoutes(routes);
                continue;
            }
            try {
                listeners.put(entry.getKey(), open(entry.getValue(), routes));
            } catch (Exception e) {
                // at debug: the caller has each failure in the MeshBindException and says what it means (a node
                // process that shares this machine binds the same virtual address, a port taken by someone else)
                log.debug("Mesh listener {} {}:{} failed to open: {}", entry.getValue().protocol(),
                        entry.getValue().bindAddress(), entry.getValue().port(), e.toString());
                failures.put(entry.getValue(), e);
            }
        }

        for (var it = backends.entrySet().iterator(); it.hasNext(); ) {
            var entry = it.next();
            if (!wantedBackends.containsKey(entry.getKey())) {
                BackendState gone = entry.getValue();
                gone.retire();
                it.remove();
                transport.group().schedule(() -> gone.meters().forEach(registry::remove),
                        options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
            }
        }
        if (!failures.isEmpty()) {
            throw new MeshBindException(failures);
        }
    }

    private RouteState.ServiceMeters serviceMeters(String service) {
        return serviceMeters.computeIfAbsent(service, s -> new RouteState.ServiceMeters(
                Counter.builder("flotilla.mesh.no.backend").description("Requests or connections that found no backend (503)")
                        .tag("service", s).register(registry),
                Counter.builder("flotilla.mesh.exhausted").description("Requests or connections whose every attempt failed (502)")
                        .tag("service", s).register(registry),
                Counter.builder("flotilla.mesh.retries").description("Requests sent again to another backend after a 502/503 or reset")
                        .tag("service", s).register(registry),
                Counter.builder("flotilla.mesh.timeouts").description("Requests whose backend sent no response headers within the response timeout (504)")
                        .tag("service", s).register(registry)));
    }

    private static String key(MeshListener listener) {
        return listener.bindAddress() + ":" + listener.port();
    }

    private ListenerState open(MeshListener declared, List<RouteState> routes) throws Exception {
        if (declared.protocol() == MeshListener.Protocol.TRANSPARENT_TCP && !transport.isNative()) {
            throw new IllegalStateException("transparent listener " + declared.bindAddress() + ":" + declared.port()
                    + " needs the io_uring or epoll transport: it reads each connection's original destination (SO_ORIGINAL_DST)"
                    + " from the socket's descriptor, which NIO does not expose; this mesh runs on " + transport.name()
                    + " (" + Transport.nativeUnavailability() + ")");
        }
        SslContext ssl = declared.tls() == null ? null : sslContext(declared.tls());
        ListenerState listener = new ListenerState(declared, ssl, routes, options.maxConnections(), runtime.refusedConnections);
        ServerBootstrap bootstrap = transport.keepAlive(new ServerBootstrap()
                .group(transport.group())
                .channel(transport.serverChannel())
                .option(ChannelOption.SO_BACKLOG, 4096)
                .option(ChannelOption.SO_REUSEADDR, true)
                .childOption(ChannelOption.TCP_NODELAY, true));
        if (declared.protocol() != MeshListener.Protocol.HTTP) { // TCP, and TRANSPARENT_TCP routed per connection
            bootstrap.childOption(ChannelOption.AUTO_READ, false)
                    .childOption(ChannelOption.ALLOW_HALF_CLOSURE, true)
                    .childHandler(new ChannelInitializer<Channel>() {
                        @Override
                        protected void initChannel(Channel channel) {
                            if (!listener.admit(channel)) {
                                return; // TCP listeners get the cap but no head or idle deadline: a quiet session is fine
                            }
                            channel.pipeline().addLast(new TcpProxyHandler(listener, runtime.tcpBackends, runtime.maxAttempts, runtime.currentCatchUp));
                        }
                    });
        } else {
            bootstrap.childHandler(new HttpFrontendInitializer(listener, runtime));
        }
        var bind = bootstrap.bind(declared.bindAddress(), declared.port()).awaitUninterruptibly();
        if (!bind.isSuccess()) {
            Throwable cause = bind.cause();
            throw cause instanceof Exception e ? e : new IllegalStateException(cause);
        }
        listener.serverChannel = bind.channel();
        log.info("Mesh listening on {} ({}{}, {} route(s))", bind.channel().localAddress(), declared.protocol(),
                declared.tls() != null ? "+TLS" : "", routes.size());
        return listener;
    }

    private static SslContext sslContext(TlsSettings tls) throws Exception {
        try {
            return SslContextBuilder.forServer(tls.certificateChainPem().toFile(), tls.privateKeyPem().toFile())
                    .ciphers(Http2SecurityUtil.CIPHERS, SupportedCipherSuiteFilter.INSTANCE)
                    .applicationProtocolConfig(new ApplicationProtocolConfig(
                            ApplicationProtocolConfig.Protocol.ALPN,
                            ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                            ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                            ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1))
                    .build();
        } catch (Exception e) {
            throw new IllegalArgumentException("cannot load TLS certificate " + tls.certificateChainPem()
                    + " / key " + tls.privateKeyPem() + ": " + e.getMessage(), e);
        }
    }

    /** Stops accepting; idle connections close now, busy ones after their exchange; all by the drain timeout. */
    private void drain(ListenerState listener) {
        listener.startDraining();
        Channel server = listener.serverChannel;
        if (server != null) {
            server.close().awaitUninterruptibly();
        }
        log.info("Mesh listener {}:{} closed; draining {} connection(s)", listener.declared.bindAddress(),
                listener.declared.port(), listener.connections.size());
        for (Channel connection : listener.connections) {
            connection.pipeline().fireUserEventTriggered(DRAIN);
        }
        transport.group().schedule(() -> listener.connections.close(),
                options.drainTimeout().toMillis(), TimeUnit.MILLISECONDS);
    }

    /** The addresses the listeners are bound to (with the kernel's port for port 0). */
    public synchronized Set<InetSocketAddress> boundAddresses() {
        Set<InetSocketAddress> addresses = new HashSet<>();
        for (ListenerState listener : listeners.values()) {
            if (listener.serverChannel != null && listener.serverChannel.isActive()) {
                addresses.add((InetSocketAddress) listener.serverChannel.localAddress());
            }
        }
        return Set.copyOf(addresses);
    }

    /** Closes every listener and connection at once (no drain) and stops the event loops. */
    @Override
    public synchronized void close() {
        if (closed) {
            return;
        }
        closed = true;
        for (ListenerState listener : listeners.values()) {
            listener.startDraining();
            if (listener.serverChannel != null) {
                listener.serverChannel.close();
            }
            listener.connections.close();
        }
        listeners.clear();
        backends.values().forEach(b -> {
            b.retire();
            b.meters().forEach(registry::remove);
        });
        backends.clear();
        transport.group().shutdownGracefully(0, 2, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }

}
