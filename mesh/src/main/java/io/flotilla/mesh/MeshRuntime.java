package io.flotilla.mesh;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoop;
import io.netty.handler.codec.http.HttpClientCodec;
import io.netty.handler.codec.http.HttpObjectAggregator;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.Future;
import io.netty.util.concurrent.Promise;
import java.util.concurrent.TimeUnit;

/**
 * What every proxy handler shares: the transport, the backend bootstraps and the options that
 * apply per request. Backend HTTP connections come from {@link #acquire}: an idle pooled one on
 * the caller's event loop, else a new one on that same loop.
 */
final class MeshRuntime {
    /** Largest request or response body the HTTP proxy buffers (it buffers so it can retry). */
    static final int MAX_BODY_BYTES = 64 * 1024 * 1024;
    private static final int BACKEND_IDLE_SECONDS = 60;

    final Transport transport;
    final MeshOptions options;
    final int maxAttempts;
    final boolean retryIdempotent;
    final Counter noRoute;
    final Bootstrap tcpBackends;
    private final Bootstrap httpBackends;

    MeshRuntime(Transport transport, MeshOptions options, MeterRegistry registry) {
        this.transport = transport;
        this.options = options;
        this.maxAttempts = 3;
        this.retryIdempotent = options.retryIdempotent();
        this.noRoute = Counter.builder("flotilla.mesh.no.route")
                .description("HTTP requests no route matched (answered 404)").register(registry);
        int connectMillis = (int) Math.min(Integer.MAX_VALUE, options.connectTimeout().toMillis());
        this.tcpBackends = new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .option(ChannelOption.AUTO_READ, true)
                .option(ChannelOption.ALLOW_HALF_CLOSURE, true);
        this.httpBackends = new Bootstrap()
                .channel(transport.socketChannel())
                .option(ChannelOption.CONNECT_TIMEOUT_MILLIS, connectMillis)
                .option(ChannelOption.SO_KEEPALIVE, true)
                .option(ChannelOption.TCP_NODELAY, true)
                .handler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        BackendHttpHandler handler = new BackendHttpHandler();
                        channel.pipeline()
                                .addLast(handler.new FirstByteWatch())
                                .addLast(new IdleStateHandler(0, 0, BACKEND_IDLE_SECONDS, TimeUnit.SECONDS))
                                .addLast(new HttpClientCodec())
                                .addLast(new HttpObjectAggregator(MAX_BODY_BYTES))
                                .addLast(BackendHttpHandler.NAME, handler);
                    }
                });
    }

    /** A connection to {@code backend} on {@code loop}: pooled if one is idle, else new. Call on {@code loop}. */
    Future<Channel> acquire(BackendState backend, EventLoop loop) {
        Promise<Channel> promise = loop.newPromise();
        Channel pooled = backend.pollIdle(loop);
        if (pooled != null) {
            return promise.setSuccess(pooled);
        }
        httpBackends.clone(loop).connect(backend.address).addListener((ChannelFutureListener) connected -> {
            if (connected.isSuccess()) {
                backend.track(connected.channel());
                promise.setSuccess(connected.channel());
            } else {
                promise.setFailure(connected.cause());
            }
        });
        return promise;
    }
}
