package io.flotilla.manager.api;

import io.netty.bootstrap.ServerBootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInitializer;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPipeline;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.group.ChannelGroup;
import io.netty.channel.group.DefaultChannelGroup;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioServerSocketChannel;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpServerExpectContinueHandler;
import io.netty.handler.codec.http2.Http2FrameCodecBuilder;
import io.netty.handler.codec.http2.Http2MultiplexHandler;
import io.netty.handler.codec.http2.Http2Settings;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.codec.http2.Http2StreamFrameToHttpObjectCodec;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ApplicationProtocolNegotiationHandler;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.util.concurrent.DefaultThreadFactory;
import io.netty.util.concurrent.GlobalEventExecutor;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.util.concurrent.Executor;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import javax.net.ssl.SSLContext;

/**
 * The API's HTTP server (Netty, as the routing mesh): the listening socket, TLS 1.3 with the
 * node's SSL context, HTTP/1.1 and h2 (chosen by ALPN), and the limits of docs/security.md. Each
 * request goes to {@code endpoints} on a thread of {@code threads} (one virtual thread per
 * request), as an {@link ApiExchange}.
 *
 * <p>Limits ({@link HttpServerLimits}): at most {@link HttpServerLimits#MAX_CONNECTIONS}
 * connections (beyond them a connection is accepted and closed at once, instead of running out of
 * file descriptors); a request whole within {@link HttpServerLimits#REQUEST_ARRIVAL}
 * ({@link RequestDeadline}; on h2 also every frame and header block after the first stream,
 * {@link H2FrameWatch}); a request head of at most 8 KiB (Netty's decoder; h2 the same header
 * list); on h2 at most {@value #H2_MAX_CONCURRENT_STREAMS} streams at once per connection; bodies
 * as each endpoint reads them ({@link ApiRequest#body}).
 *
 * <p>TLS <em>wants</em> a client certificate (it does not need one): the context's trust manager
 * refuses one the cluster CA did not sign, and the session's peer certificates are judged again
 * on every call ({@link ApiCaller}). The context is the node's reloading one: every handshake
 * takes the credential files as they are now. Without a context (in-process tests) it serves
 * plaintext HTTP/1.1.
 */
final class ApiTransport implements AutoCloseable {
    static final int H2_MAX_CONCURRENT_STREAMS = 256;
    static final int MAX_HEAD_BYTES = 8192;

    private final EventLoopGroup group;
    private final Channel server;
    private final ChannelGroup connections = new DefaultChannelGroup(GlobalEventExecutor.INSTANCE);
    private final AtomicInteger open = new AtomicInteger();

    ApiTransport(InetSocketAddress address, SSLContext tls, Consumer<ApiExchange> endpoints, Executor threads)
            throws IOException {
        this(address, tls, endpoints, threads, HttpServerLimits.Transport.DEFAULT);
    }

    ApiTransport(InetSocketAddress address, SSLContext tls, Consumer<ApiExchange> endpoints, Executor threads,
                 HttpServerLimits.Transport limits) throws IOException {
        SslContext ssl = tls == null ? null : new JdkSslContext(tls, false, null, IdentityCipherSuiteFilter.INSTANCE,
                new ApplicationProtocolConfig(ApplicationProtocolConfig.Protocol.ALPN,
                        ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
                        ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
                        ApplicationProtocolNames.HTTP_2, ApplicationProtocolNames.HTTP_1_1),
                ClientAuth.OPTIONAL, new String[] {"TLSv1.3"}, false);
        long requestNanos = limits.requestArrival().toNanos();
        long idleNanos = limits.idle().toNanos();
        group = new MultiThreadIoEventLoopGroup(HttpServerLimits.EVENT_LOOPS,
                new DefaultThreadFactory("flotilla-api", true), NioIoHandler.newFactory());
        ServerBootstrap bootstrap = new ServerBootstrap().group(group).channel(NioServerSocketChannel.class)
                .option(ChannelOption.SO_BACKLOG, 1024)
                .option(ChannelOption.SO_REUSEADDR, true) // a promoted worker's API takes its relay's address
                .option(ChannelOption.AUTO_READ, false) // no accept before start()
                .childOption(ChannelOption.TCP_NODELAY, true) // streams' small chunks leave at once
                .childHandler(new ChannelInitializer<Channel>() {
                    @Override
                    protected void initChannel(Channel channel) {
                        if (open.incrementAndGet() > limits.maxConnections()) {
                            open.decrementAndGet();
                            channel.close();
                            return;
                        }
                        channel.closeFuture().addListener(f -> open.decrementAndGet());
                        connections.add(channel);
                        RequestDeadline deadline = new RequestDeadline(requestNanos, idleNanos);
                        ChannelPipeline pipeline = channel.pipeline().addLast(deadline);
                        if (ssl == null) {
                            http1(pipeline, deadline, endpoints, threads);
                            return;
                        }
                        pipeline.addLast(ssl.newHandler(channel.alloc()));
                        pipeline.addLast(new ApplicationProtocolNegotiationHandler(ApplicationProtocolNames.HTTP_1_1) {
                            @Override
                            protected void configurePipeline(ChannelHandlerContext ctx, String protocol) {
                                if (ApplicationProtocolNames.HTTP_2.equals(protocol)) {
                                    http2(ctx.pipeline(), deadline, endpoints, threads, requestNanos);
                                } else {
                                    http1(ctx.pipeline(), deadline, endpoints, threads);
                                }
                            }

                            @Override
                            protected void handshakeFailure(ChannelHandlerContext ctx, Throwable cause) {
                                ctx.close(); // a plaintext client, a certificate of another CA: no answer
                            }
                        });
                    }
                });
        io.netty.channel.ChannelFuture bound = bootstrap.bind(address).awaitUninterruptibly();
        if (!bound.isSuccess()) {
            group.shutdownGracefully(0, 0, java.util.concurrent.TimeUnit.SECONDS);
            throw bound.cause() instanceof IOException e ? e
                    : new IOException("cannot listen on " + address + ": " + bound.cause(), bound.cause());
        }
        server = bound.channel();
    }

    private static void http1(ChannelPipeline pipeline, RequestDeadline deadline, Consumer<ApiExchange> endpoints,
                              Executor threads) {
        pipeline.addLast(new HttpServerCodec(MAX_HEAD_BYTES, MAX_HEAD_BYTES, 64 * 1024))
                .addLast(new HttpServerExpectContinueHandler())
                .addLast(new ApiHttpHandler(endpoints, threads, deadline));
    }

    private static void http2(ChannelPipeline pipeline, RequestDeadline deadline, Consumer<ApiExchange> endpoints,
                              Executor threads, long requestNanos) {
        deadline.http2();
        pipeline.addLast(new H2FrameWatch(deadline))
                .addLast(Http2FrameCodecBuilder.forServer()
                        .initialSettings(Http2Settings.defaultSettings()
                                .maxConcurrentStreams(H2_MAX_CONCURRENT_STREAMS)
                                .maxHeaderListSize(MAX_HEAD_BYTES))
                        .build())
                .addLast(new Http2MultiplexHandler(new ChannelInitializer<Http2StreamChannel>() {
                    @Override
                    protected void initChannel(Http2StreamChannel stream) {
                        deadline.requestArrived(); // a stream's head is whole; its body is timed per stream
                        stream.pipeline()
                                .addLast(new Http2StreamFrameToHttpObjectCodec(true))
                                .addLast(new HttpServerExpectContinueHandler())
                                .addLast(new ApiHttpHandler(endpoints, threads, requestNanos));
                    }
                }));
    }

    /** Starts accepting connections (until then they wait in the backlog). */
    void start() {
        server.config().setAutoRead(true);
        server.read();
    }

    InetSocketAddress address() {
        return (InetSocketAddress) server.localAddress();
    }

    /** Stops accepting and closes every connection at once. Idempotent. */
    @Override
    public void close() {
        if (group.isShuttingDown()) {
            return;
        }
        server.close().awaitUninterruptibly();
        connections.close().awaitUninterruptibly();
        group.shutdownGracefully(0, 1, java.util.concurrent.TimeUnit.SECONDS).awaitUninterruptibly();
    }
}
