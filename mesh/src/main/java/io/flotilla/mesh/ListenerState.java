package io.flotilla.mesh;

import io.micrometer.core.instrument.Counter;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One open listener: its server channel, the client connections it accepted (for draining), and
 * the routes, which {@link Mesh#apply} replaces with a single volatile write — a request sees the
 * old table or the new one, never a mix.
 *
 * <p>At most {@code maxConnections} client connections are open at once: one more is closed at its
 * accept, before any handler or buffer is set up for it, so a flood of idle connections on one
 * port cannot take the node's descriptors and memory (the refusals are counted, and logged at
 * most once per {@link #WARN_EVERY_NANOS}, since a flood would otherwise flood the log too).
 */
final class ListenerState {
    private static final Logger log = LoggerFactory.getLogger(ListenerState.class);
    static final long WARN_EVERY_NANOS = TimeUnit.SECONDS.toNanos(10);

    final MeshListener declared;
    final SslContext sslContext;
    final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final int maxConnections;
    private final Counter refused;
    private final AtomicInteger open = new AtomicInteger();
    private final ChannelFutureListener closed = future -> open.decrementAndGet();
    private final AtomicLong refusedSinceWarning = new AtomicLong();
    private final AtomicLong lastWarningNanos = new AtomicLong(System.nanoTime() - WARN_EVERY_NANOS);
    volatile Channel serverChannel;
    private volatile Routes routes;
    private volatile boolean draining;

    /**
     * The routes of a listener; for TCP, {@code tcp} is the only route; for a transparent listener,
     * {@code byDestination} has the route of each original destination address.
     */
    record Routes(HttpRouter http, RouteState tcp, java.util.Map<String, RouteState> byDestination) {}

    ListenerState(MeshListener declared, SslContext sslContext, List<RouteState> routes, int maxConnections, Counter refused) {
        this.declared = declared;
        this.sslContext = sslContext;
        this.maxConnections = maxConnections;
        this.refused = refused;
        setRoutes(routes);
    }

    /**
     * Counts an accepted connection in (until it closes) and adds it to {@link #connections}; or,
     * with the listener full, closes it and returns false. Call from the channel's initializer.
     */
    boolean admit(Channel channel) {
        if (open.incrementAndGet() > maxConnections) {
            open.decrementAndGet();
            channel.close();
            refused.increment();
            warnRefused();
            return false;
        }
        channel.closeFuture().addListener(closed);
        connections.add(channel);
        return true;
    }

    private void warnRefused() {
        long count = refusedSinceWarning.incrementAndGet();
        long last = lastWarningNanos.get();
        long now = System.nanoTime();
        if (now - last >= WARN_EVERY_NANOS && lastWarningNanos.compareAndSet(last, now)) {
            count = refusedSinceWarning.getAndSet(0);
            Channel server = serverChannel;
            log.warn("Mesh listener {} has its limit of {} connections open: refused {} new one(s) since the last warning"
                            + " (maxConnections; warned at most every {} s)",
                    server != null ? server.localAddress() : declared.bindAddress() + ":" + declared.port(), maxConnections,
                    count, TimeUnit.NANOSECONDS.toSeconds(WARN_EVERY_NANOS));
        }
    }

    /** Client connections open now (admitted and not yet closed). */
    int openConnections() {
        return open.get();
    }

    void setRoutes(List<RouteState> routes) {
        this.routes = switch (declared.protocol()) {
            case TCP -> new Routes(null, routes.get(0), null);
            case HTTP -> new Routes(new HttpRouter(routes), null, null);
            case TRANSPARENT_TCP -> {
                java.util.Map<String, RouteState> byDestination = new java.util.HashMap<>();
                routes.forEach(route -> byDestination.put(route.route.host(), route));
                yield new Routes(null, null, java.util.Map.copyOf(byDestination));
            }
        };
    }

    Routes routes() {
        return routes;
    }

    boolean isDraining() {
        return draining;
    }

    void startDraining() {
        draining = true;
    }

    /** Same address, protocol, TLS files and PROXY setting: only the routes differ, so the socket can stay. */
    boolean sameShape(MeshListener other) {
        return declared.protocol() == other.protocol()
                && java.util.Objects.equals(declared.tls(), other.tls())
                && declared.proxyProtocol() == other.proxyProtocol();
    }
}
