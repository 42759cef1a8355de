package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.DecoderResult;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.util.ReferenceCountUtil;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L7 forwarding for one client connection (HTTP/1.1) or one stream (HTTP/2, where each stream is
 * its own child channel speaking the same HTTP objects). Requests arrive aggregated and are served
 * one at a time in order (pipelined HTTP/1.1 requests wait their turn); each is routed, balanced
 * per request, and sent over a pooled backend connection on this channel's event loop.
 *
 * <p>Nothing lost: a connect failure moves on to another backend (no request byte was sent); an
 * idempotent request is sent once more, elsewhere, after a 502/503 or a reset before any response
 * byte. Answers of our own: 404 no route, 503 no backend, 502 all attempts failed.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    static final String STICKY_COOKIE = "flotilla_sticky";

    private final ListenerState listener;
    private final MeshRuntime runtime;
    private final String proto;
    private final ArrayDeque<FullHttpRequest> queue = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    private boolean busy;
    private boolean closeWhenIdle;

    HttpProxyHandler(ListenerState listener, MeshRuntime runtime, boolean tls) {
        this.listener = listener;
        this.runtime = runtime;
        this.proto = tls ? "https" : "http";
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof FullHttpRequest request)) {
            ReferenceCountUtil.release(msg);
            return;
        }
        queue.add(request);
        if (!busy) {
            next();
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == Mesh.DRAIN) {
            closeWhenIdle = true;
            if (!busy) {
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        for (FullHttpRequest request; (request = queue.poll()) != null; ) {
            request.release();
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private boolean http2() {
        return ctx.channel() instanceof Http2StreamChannel;
    }

    private InetSocketAddress clientAddress() {
        Channel channel = http2() ? ctx.channel().parent() : ctx.channel();
        return (InetSocketAddress) channel.remoteAddress();
    }

    private void next() {
        FullHttpRequest request = queue.poll();
        if (request == null) {
            busy = false;
            if (closeWhenIdle) {
                ctx.close();
            }
            return;
        }
        busy = true;
        DecoderResult decoded = request.decoderResult();
        boolean keepAlive = !closeWhenIdle && !listener.isDraining() && HttpUtil.isKeepAlive(request);
        if (decoded.isFailure()) {
            request.release();
            respondLocally(HttpResponseStatus.BAD_REQUEST, "bad request: " + decoded.cause().getMessage(), false);
            return;
        }
        String host = request.headers().get(HttpHeaderNames.HOST);
        String path = HttpRouter.pathOf(request.uri());
        RouteState route = listener.routes().http().match(host, path);
        if (route == null) {
            request.release();
            runtime.noRoute.increment();
            respondLocally(HttpResponseStatus.NOT_FOUND, "no route for host " + host + " and path " + path, keepAlive);
            return;
        }
        new Exchange(request, route, keepAlive).attempt();
    }

    private void respondLocally(HttpResponseStatus status, String text, boolean keepAlive) {
        ByteBuf body = ByteBufUtil.writeUtf8(ctx.alloc(), text + "\n");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, body);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        finish(response, keepAlive, false);
    }

    /** Writes the answer and moves on to the next queued request (or closes). */
    private void finish(FullHttpResponse response, boolean keepAlive, boolean headRequest) {
        HttpHeaders headers = response.headers();
        if (!headRequest) {
            int status = response.status().code();
            if (status >= 200 && status != 204 && status != 304) {
                HttpUtil.setContentLength(response, response.content().readableBytes());
            }
        }
        if (http2()) {
            ctx.writeAndFlush(response);
            busy = false;
            return;
        }
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            queue.forEach(FullHttpRequest::release);
            queue.clear();
            ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(response);
        next();
    }

    private static boolean idempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.PUT || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
    }

    /** One request's journey through backends. Runs on the client channel's event loop throughout. */
    private final class Exchange implements BackendHttpHandler.Exchange {
        private final FullHttpRequest request;
        private final RouteState route;
        private final boolean keepAlive;
        private final boolean idempotent;
        private final boolean head;
        private final long startNanos = System.nanoTime();
        private final String clientIp;
        private final String stickyId;
        private List<BackendState> tried = List.of();
        private boolean retried;
        private BackendState backend;
        private Channel backendChannel;

        Exchange(FullHttpRequest request, RouteState route, boolean keepAlive) {
            this.request = request;
            this.route = route;
            this.keepAlive = keepAlive;
            this.idempotent = idempotent(request.method());
            this.head = request.method() == HttpMethod.HEAD;
            InetSocketAddress client = clientAddress();
            InetAddress address = client.getAddress();
            this.clientIp = address.getHostAddress();
            this.stickyId = route.route.balancing() == MeshRoute.Balancing.STICKY_COOKIE ? stickyCookie(request) : null;
            HttpHeaders headers = request.headers();
            ForwardedHeaders.removeHopByHop(headers);
            headers.remove("x-http2-stream-id");
            headers.remove("x-http2-scheme");
            headers.remove("x-http2-path");
            ForwardedHeaders.addForwarded(headers, address, proto);
            HttpUtil.setKeepAlive(request, true);
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
        }

        void attempt() {
            BackendState chosen = tried.size() >= runtime.maxAttempts ? null : Balancer.pick(route, clientIp, stickyId, tried);
            if (chosen == null) {
                boolean none = tried.isEmpty();
                (none ? route.noBackend : route.exhausted).increment();
                request.release();
                respondLocally(none ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_GATEWAY,
                        none ? "no healthy backend for " + route.service()
                             : "no backend of " + route.service() + " answered (" + tried.size() + " tried)", keepAlive);
                return;
            }
            backend = chosen;
            chosen.outstanding.incrementAndGet();
            if (log.isTraceEnabled()) {
                log.trace("{} {} -> {} (outstanding {})", request.method(), request.uri(), chosen, chosen.outstanding.get());
            }
            runtime.acquire(chosen, ctx.channel().eventLoop()).addListener(acquired -> {
                if (!acquired.isSuccess()) {
                    chosen.outstanding.decrementAndGet();
                    chosen.recordFailure();
                    log.debug("{}: connect to {} failed: {}", route.service(), chosen, acquired.cause().toString());
                    triedAlso(chosen);
                    attempt();
                    return;
                }
                backendChannel = (Channel) acquired.getNow();
                if (!ctx.channel().isActive()) { // the client left while we connected
                    chosen.outstanding.decrementAndGet();
                    chosen.release(backendChannel);
                    request.release();
                    busy = false;
                    return;
                }
                ChannelHandlerContext backendCtx = backendChannel.pipeline().context(BackendHttpHandler.NAME);
                ((BackendHttpHandler) backendCtx.handler()).send(backendCtx, request.retainedDuplicate(), this);
            });
        }

        private void triedAlso(BackendState backend) {
            if (tried.isEmpty()) {
                tried = new ArrayList<>(2);
            }
            tried.add(backend);
        }

        @Override
        public void onResponse(FullHttpResponse response) {
            BackendState used = backend;
            used.outstanding.decrementAndGet();
            int status = response.status().code();
            used.recordResponse(status, System.nanoTime() - startNanos);
            boolean reusable = HttpUtil.isKeepAlive(response);
            if (reusable) {
                used.release(backendChannel);
            } else {
                backendChannel.close();
            }
            if ((status == 502 || status == 503) && mayRetry()) {
                response.release();
                retried = true;
                route.retries.increment();
                triedAlso(used);
                attempt();
                return;
            }
            request.release();
            ForwardedHeaders.removeHopByHop(response.headers());
            if (stickyId == null && route.route.balancing() == MeshRoute.Balancing.STICKY_COOKIE
                    || stickyId != null && !stickyId.equals(used.backend.id())) {
                response.headers().add(HttpHeaderNames.SET_COOKIE,
                        STICKY_COOKIE + "=" + used.backend.id() + "; Path=/; HttpOnly");
            }
            finish(response, keepAlive, head);
        }

        @Override
        public void onFailure(Throwable cause, boolean responseStarted) {
            BackendState used = backend;
            used.outstanding.decrementAndGet();
            used.recordFailure();
            backendChannel.close();
            log.debug("{}: {} failed mid-request: {}", route.service(), used, cause.toString());
            if (!responseStarted && mayRetry()) {
                retried = true;
                route.retries.increment();
                triedAlso(used);
                attempt();
                return;
            }
            route.exhausted.increment();
            request.release();
            respondLocally(HttpResponseStatus.BAD_GATEWAY, "backend of " + route.service() + " failed: " + cause.getMessage(), keepAlive);
        }

        private boolean mayRetry() {
            return idempotent && !retried && runtime.retryIdempotent && ctx.channel().isActive();
        }
    }

    private static String stickyCookie(FullHttpRequest request) {
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (var cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (cookie.name().equals(STICKY_COOKIE)) {
                    return cookie.value();
                }
            }
        }
        return null;
    }

}
