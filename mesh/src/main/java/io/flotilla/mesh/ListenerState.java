package io.flotilla.mesh;

import io.netty.channel.Channel;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.util.List;

/**
 * One open listener: its server channel, the client connections it accepted (for draining), and
 * the routes, which {@link Mesh#apply} replaces with a single volatile write — a request sees the
 * old table or the new one, never a mix.
 */
final class ListenerState {
    final MeshListener declared;
    final SslContext sslContext;
    final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    volatile Channel serverChannel;
    private volatile Routes routes;
    private volatile boolean draining;

    /** The routes of a listener; for TCP, {@code tcp} is the only route. */
    record Routes(HttpRouter http, RouteState tcp) {}

    ListenerState(MeshListener declared, SslContext sslContext, List<RouteState> routes) {
        this.declared = declared;
        this.sslContext = sslContext;
        setRoutes(routes);
    }

    void setRoutes(List<RouteState> routes) {
        this.routes = declared.protocol() == MeshListener.Protocol.TCP
                ? new Routes(null, routes.get(0))
                : new Routes(new HttpRouter(routes), null);
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
