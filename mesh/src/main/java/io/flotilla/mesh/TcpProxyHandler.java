package io.flotilla.mesh;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.socket.ChannelInputShutdownEvent;
import io.netty.channel.socket.DuplexChannel;
import io.netty.handler.codec.haproxy.HAProxyCommand;
import io.netty.handler.codec.haproxy.HAProxyMessage;
import io.netty.handler.codec.haproxy.HAProxyMessageEncoder;
import io.netty.handler.codec.haproxy.HAProxyProtocolVersion;
import io.netty.handler.codec.haproxy.HAProxyProxiedProtocol;
import java.net.Inet4Address;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L4 forwarding of one client connection. Reading from the client waits until a backend is
 * connected (a connect failure tries the next backend; when every one refused, a newer table is
 * waited for: {@link RouteRefresh}); then bytes flow both ways as the very
 * buffers that were read (no copy in the proxy), with back-pressure: a side stops reading while
 * the other cannot take more. Half-close is passed on: a FIN from one side shuts the output
 * towards the other, and the pair closes once both directions are done.
 *
 * <p>On a transparent listener the route is the one of the connection's original destination
 * address, and the backend is reached at its original port; a connection whose destination has
 * no route (sent to the listener directly, or to a VIP that just went) is closed.
 */
final class TcpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(TcpProxyHandler.class);

    private final ListenerState listener;
    private final Bootstrap backendBootstrap;
    private final int maxAttempts;
    private Channel client;
    private Channel backendChannel;
    private BackendState backend;
    private final List<BackendState> tried = new ArrayList<>(2);
    private final RouteRefresh refresh;
    private long startNanos;
    /** A transparent listener's connection: where it was sent (its route and backend port); else null. */
    private InetSocketAddress original;
    // Bytes or a FIN that arrive before the backend is connected (epoll reads on RDHUP even with
    // auto-read off) wait here instead of being dropped.
    private ArrayDeque<Object> early;
    private boolean clientFinEarly;

    TcpProxyHandler(ListenerState listener, Bootstrap backendBootstrap, int maxAttempts, TableCatchUp catchUp) {
        this.listener = listener;
        this.refresh = new RouteRefresh(this::route, catchUp);
        this.backendBootstrap = backendBootstrap;
        this.maxAttempts = maxAttempts;
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) {
        client = ctx.channel();
        startNanos = System.nanoTime();
        if (listener.declared.protocol() == MeshListener.Protocol.TRANSPARENT_TCP) {
            original = OriginalDestination.of(client);
            if (original == null || route() == null) {
                log.debug("transparent listener {}: no route for {}'s destination {}; closed", listener.declared.port(),
                        client.remoteAddress(), original);
                client.close();
                return;
            }
        }
        connect();
    }

    /** The route now (a table change swaps it between two attempts); null when the destination lost its own. */
    private RouteState route() {
        ListenerState.Routes routes = listener.routes();
        return original == null ? routes.tcp() : routes.byDestination().get(original.getAddress().getHostAddress());
    }

    private void connect() {
        RouteState route = route();
        if (route == null) {
            client.close();
            return;
        }
        String clientIp = ((InetSocketAddress) client.remoteAddress()).getAddress().getHostAddress();
        BackendState chosen = tried.size() >= maxAttempts ? null : Balancer.pick(route, clientIp, null, tried);
        if (chosen == null) {
            if (!tried.isEmpty() && refresh.await(route, client.eventLoop(), () -> !client.isActive(), now -> {
                if (now != route) {
                    tried.clear(); // a newer table: its backends are all worth a try
                }
                connect();
            })) {
                log.debug("{}: every backend tried refused TCP client {}; waiting for a newer table", route.service(),
                        client.remoteAddress());
                return;
            }
            (tried.isEmpty() ? route.noBackend : route.exhausted).increment();
            log.debug("{}: no backend for TCP client {} after {} attempt(s)", route.service(), client.remoteAddress(), tried.size());
            client.close();
            return;
        }
        chosen.outstanding.incrementAndGet();
        Channel clientChannel = client;
        chosen.connect(backendBootstrap.clone(client.eventLoop()).handler(new Relay(clientChannel)),
                        original == null ? 0 : original.getPort())
                .addListener((ChannelFutureListener) future -> {
                    if (!future.isSuccess()) {
                        chosen.outstanding.decrementAndGet();
                        chosen.recordFailure();
                        tried.add(chosen);
                        log.debug("{}: connect to {} failed: {}", route.service(), chosen, future.cause().toString());
                        if (clientChannel.isActive()) {
                            connect();
                        }
                        return;
                    }
                    backend = chosen;
                    backendChannel = future.channel();
                    chosen.recordResponse(0, System.nanoTime() - startNanos);
                    backendChannel.closeFuture().addListener(f -> chosen.outstanding.decrementAndGet());
                    if (!clientChannel.isActive()) {
                        backendChannel.close();
                        return;
                    }
                    if (listener.declared.proxyProtocol()) {
                        backendChannel.pipeline().addFirst(HAProxyMessageEncoder.INSTANCE);
                        backendChannel.write(proxyHeader(clientChannel, original));
                        backendChannel.pipeline().remove(HAProxyMessageEncoder.INSTANCE);
                    }
                    if (early != null) {
                        for (Object msg; (msg = early.poll()) != null; ) {
                            backendChannel.write(msg);
                        }
                    }
                    backendChannel.flush();
                    if (clientFinEarly) {
                        halfClose(clientChannel, backendChannel);
                    } else {
                        clientChannel.config().setAutoRead(true);
                    }
                });
    }

    private static HAProxyMessage proxyHeader(Channel client, InetSocketAddress original) {
        InetSocketAddress source = (InetSocketAddress) client.remoteAddress();
        InetSocketAddress destination = original != null ? original : (InetSocketAddress) client.localAddress();
        boolean v4 = source.getAddress() instanceof Inet4Address && destination.getAddress() instanceof Inet4Address;
        return new HAProxyMessage(HAProxyProtocolVersion.V2, HAProxyCommand.PROXY,
                v4 ? HAProxyProxiedProtocol.TCP4 : HAProxyProxiedProtocol.TCP6,
                address(source, v4), address(destination, v4), source.getPort(), destination.getPort());
    }

    private static String address(InetSocketAddress socket, boolean v4) {
        String text = socket.getAddress().getHostAddress();
        return v4 || text.contains(":") ? text : "::ffff:" + text;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (backendChannel == null) {
            if (early == null) {
                early = new ArrayDeque<>(2);
            }
            early.add(msg);
            return;
        }
        relay(backendChannel, client, msg);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (backendChannel != null) {
            backendChannel.flush();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof ChannelInputShutdownEvent) {
            if (backendChannel == null) {
                clientFinEarly = true;
            } else {
                halfClose(client, backendChannel);
            }
        }
        ctx.fireUserEventTriggered(event);
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (backendChannel != null) {
            backendChannel.config().setAutoRead(client.isWritable());
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (early != null) {
            early.forEach(io.netty.util.ReferenceCountUtil::release);
            early.clear();
        }
        closeAfterFlush(backendChannel);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("TCP client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    /** Writes what one side read to the other; stops reading the source while the target is full. */
    static void relay(Channel target, Channel source, Object msg) {
        if (target == null || !target.isActive()) {
            io.netty.util.ReferenceCountUtil.release(msg);
            return;
        }
        target.write(msg);
        if (!target.isWritable()) {
            source.config().setAutoRead(false);
        }
    }

    /**
     * {@code from} sent FIN: once what it sent before is written, pass the FIN on; when both
     * directions have ended, close both. (shutdownOutput drops unwritten data, hence the flush first.)
     */
    static void halfClose(Channel from, Channel to) {
        if (to == null || !to.isActive()) {
            from.close();
            return;
        }
        to.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(written -> {
            if (!written.isSuccess()) {
                to.close();
                from.close();
                return;
            }
            ((DuplexChannel) to).shutdownOutput().addListener(shut -> {
                if (!shut.isSuccess() || ((DuplexChannel) to).isInputShutdown()) {
                    to.close();
                    from.close();
                }
            });
        });
    }

    static void closeAfterFlush(Channel channel) {
        if (channel != null && channel.isActive()) {
            channel.writeAndFlush(Unpooled.EMPTY_BUFFER).addListener(ChannelFutureListener.CLOSE);
        }
    }

    /** The backend side: relays to the client and mirrors the client-side rules. */
    private final class Relay extends ChannelInboundHandlerAdapter {
        private final Channel clientChannel;

        Relay(Channel clientChannel) {
            this.clientChannel = clientChannel;
        }

        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            relay(clientChannel, ctx.channel(), msg);
        }

        @Override
        public void channelReadComplete(ChannelHandlerContext ctx) {
            clientChannel.flush();
        }

        @Override
        public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
            if (event instanceof ChannelInputShutdownEvent) {
                halfClose(ctx.channel(), clientChannel);
            }
            ctx.fireUserEventTriggered(event);
        }

        @Override
        public void channelWritabilityChanged(ChannelHandlerContext ctx) {
            clientChannel.config().setAutoRead(ctx.channel().isWritable());
        }

        @Override
        public void channelInactive(ChannelHandlerContext ctx) {
            closeAfterFlush(clientChannel);
        }

        @Override
        public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
            log.debug("TCP backend {} of {}: {}", backend, listener.declared.port(), cause.toString());
            ctx.close();
        }
    }

    static void configureBackend(Bootstrap bootstrap) {
        bootstrap.option(ChannelOption.ALLOW_HALF_CLOSURE, true);
    }
}
