package io.flotilla.mesh;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.timeout.IdleStateHandler;
import java.util.concurrent.TimeUnit;

/**
 * What every proxy handler shares: the transport, the backend bootstraps and the options that
 * apply per request. Backend HTTP connections come from {@link #pooled} (an idle one on the
 * caller's event loop) or {@link #connect} (a new one on that same loop).
 */
final class MeshRuntime {

    final Transport transport;
    final MeshOptions options;
    final int maxAttempts;
    final boolean retryIdempotent;
    final Counter noRoute;
    final long responseTimeoutNanos;
    final long idleTimeoutNanos;
    final long requestHeadTimeoutNanos;
    final Counter refusedConnections;
    final Bootstrap tcpBackends;
    private final Bootstrap httpBackends;
    /** Whether this node's table lags ({@link RouteRefresh}); set by {@link Mesh#catchUpWith}. */
    volatile TableCatchUp catchUp = TableCatchUp.NONE;
    /** Asks whichever {@link #catchUp} is set when it is asked. */
    final TableCatchUp currentCatchUp = () -> catchUp.caughtUp();

    MeshRuntime(Transport transport, MeshOptions options, MeterRegistry registry) {
        this.transport = transport;
        this.options = options;
        this.maxAttempts = 3;
        this.retryIdempotent = options.retryIdempotent();
        this.noRoute = Counter.builder("flotilla.mesh.no.route")
                .description("HTTP requests no route matched (answered 404)").register(registry);
        this.responseTimeoutNanos = options.responseTimeout().toNanos();
        this.idleTimeoutNanos = options.idleTimeout().toNanos();
        this.requestHeadTimeoutNanos = options.requestHeadTimeout().toNanos();
        this.refusedConnections = Counter.builder("flotilla.mesh.connections.refused")
                .description("Client connections closed at accept because their listener had maxConnections open").register(registry);
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis());
        this.tcpBackends = transport.keepAlive(new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true));
        this.httpBackends = transport.keepAlive(new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        BackendHttpHandler handler = new BackendHttpHandler();
                        channel.pipeline()
                                .addLast(handler.new FirstByteWatch())
                                .addLast(new IdleStateHandler(0, 0, idleTimeoutNanos, TimeUnit.NANOSECONDS))
                                .addLast(new HttpClientCodec())
                                .addLast(BackendHttpHandler.NAME, handler); // last: see BackendHttpHandler.of
                    }
                }));
    }

    /** An idle pooled connection to {@code backend} on {@code loop}, or null. Call on {@code loop}. */
    BackendHttpHandler pooled(BackendState backend, EventLoop loop) {
        Channel channel = backend.pollIdle(loop);
        return channel == null ? null : BackendHttpHandler.of(channel);
    }

    /** A new connection to {@code backend} on {@code loop}. */
    ChannelFuture connect(BackendState backend, EventLoop loop) {
        ChannelFuture connecting = backend.connect(httpBackends.clone(loop));
        connecting.addListener((ChannelFutureListener) connected -> {
            if (connected.isSuccess()) {
                backend.track(connected.channel());
            }
        });
        return connecting;
    }
}
