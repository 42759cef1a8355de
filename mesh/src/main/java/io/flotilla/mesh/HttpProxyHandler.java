package io.flotilla.mesh;

import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L7 forwarding for one client connection (HTTP/1.1) or one stream (HTTP/2, where each stream is
 * its own child channel speaking the same HTTP objects). Requests are served one at a time in
 * order (a pipelined HTTP/1.1 request waits, and the connection stops reading meanwhile); each is
 * routed here, then carried by its own {@link HttpProxyExchange}: balanced per request, and sent
 * over a pooled backend connection on this channel's event loop.
 *
 * <p>This handler keeps what outlives one request: the order of requests, whether the client is
 * read (only while its bytes have somewhere to go), the response deadline of the request in
 * flight, keep-alive and closing, draining and idle connections. Its own answers: 400 malformed,
 * 404 no route; the exchange gives the others.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);

    private final ListenerState listener;
    private final MeshRuntime runtime;
    private final String proto;
    /** Pipelined request parts that arrived while an exchange was still answering. */
    private final ArrayDeque<HttpObject> held = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    private boolean http2;
    private String clientIp;
    private String forwardedNode;
    private HttpProxyExchange current;
    private boolean closeWhenIdle;
    /** The last answer is on its way and the connection closes after it: what the client still sends is dropped. */
    private boolean closing;
    /**
     * When the request in flight must have its response headers ({@link System#nanoTime}), 0 when
     * none is awaited. One timer per connection checks it and re-arms itself for the time left, so
     * a keep-alive request costs a clock read instead of scheduling and cancelling a task.
     */
    private long responseDeadline;
    private ScheduledFuture<?> deadlineTimer;
    /** The HTTP/1.x connection's head deadline, told when a head arrives and when the next one is awaited; null on h2. */
    private final ClientTimeouts timeouts;

    HttpProxyHandler(ListenerState listener, MeshRuntime runtime, boolean tls, ClientTimeouts timeouts) {
        this.listener = listener;
        this.runtime = runtime;
        this.proto = tls ? "https" : "http";
        this.timeouts = timeouts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.http2 = ctx.channel() instanceof Http2StreamChannel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject object) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!held.isEmpty() || current != null && current.requestDone && object instanceof HttpRequest) {
            held.add(object); // the next request waits for the current answer
            updateAutoRead();
            return;
        }
        dispatch(object);
    }

    private void dispatch(HttpObject object) {
        if (object instanceof FullHttpRequest full) { // h2 HEADERS with END_STREAM: split, so one path serves all
            DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            head.setDecoderResult(full.decoderResult());
            HttpProxyExchange exchange = start(head);
            LastHttpContent last = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            if (exchange.requestDone) {
                last.release();
            } else {
                exchange.onRequestContent(last);
            }
        } else if (object instanceof HttpRequest head) {
            start(head);
            if (head instanceof HttpContent content) {
                content.release();
            }
        } else if (object instanceof HttpContent content) {
            if (current != null && !current.requestDone) {
                current.onRequestContent(content);
            } else {
                content.release(); // the rest of a request we stopped caring about
            }
        }
    }

    private HttpProxyExchange start(HttpRequest head) {
        if (timeouts != null) {
            timeouts.headArrived();
        }
        if (clientIp == null) {
            Channel channel = http2 ? ctx.channel().parent() : ctx.channel();
            var address = ((InetSocketAddress) channel.remoteAddress()).getAddress();
            clientIp = address.getHostAddress();
            forwardedNode = ForwardedHeaders.forwardedNode(address);
        }
        boolean keepAlive = !closeWhenIdle && !listener.isDraining() && HttpUtil.isKeepAlive(head);
        HttpProxyExchange exchange = new HttpProxyExchange(this, ctx, runtime, http2, head, keepAlive);
        current = exchange;
        if (head.decoderResult().isFailure()) {
            exchange.keepAlive = false;
            exchange.requestDone = true; // the decoder drops the rest of the connection's bytes
            exchange.answerLocally(HttpResponseStatus.BAD_REQUEST, "bad request: " + head.decoderResult().cause().getMessage());
            return exchange;
        }
        String host = head.headers().get(HttpHeaderNames.HOST);
        String path = HttpRouter.pathOf(head.uri());
        RouteState route = listener.routes().http().match(host, path);
        if (route == null) {
            runtime.noRoute.increment();
            exchange.answerLocally(HttpResponseStatus.NOT_FOUND, "no route for host " + host + " and path " + path);
            return exchange;
        }
        exchange.route(route, () -> listener.routes().http().match(host, path), clientIp, forwardedNode, proto);
        return exchange;
    }

    /** Writes an exchange's last part and flushes, then the connection's next step: the next request, or closing. */
    void answered(HttpProxyExchange exchange, Object last, boolean keepAlive) {
        if (!keepAlive && !http2) {
            closing = true;
            ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
            return;
        }
        ctx.writeAndFlush(last, ctx.voidPromise());
        finished(exchange);
    }

    /** After an exchange: the next held request, or reading again, or closing. */
    private void finished(HttpProxyExchange exchange) {
        if (current != exchange) {
            return;
        }
        current = null;
        if (closeWhenIdle && !http2) {
            ctx.close();
            return;
        }
        while (current == null || !current.requestDone) {
            HttpObject next = held.poll();
            if (next == null) {
                break;
            }
            dispatch(next);
        }
        if (current == null && timeouts != null) {
            timeouts.awaitHead(); // keep-alive: the next head has the same time as the first
        }
        updateAutoRead();
    }

    /** Reads from the client only while its bytes have somewhere to go. */
    void updateAutoRead() {
        boolean wanted = held.isEmpty() && (current == null || current.wantsRequestBytes());
        if (ctx.channel().config().isAutoRead() != wanted) {
            ctx.channel().config().setAutoRead(wanted);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null) {
            current.flushBackend();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.onClientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == Mesh.DRAIN) {
            closeWhenIdle = true;
            if (current == null) {
                ctx.close();
            }
        } else if (event instanceof IdleStateEvent) {
            // Idle while waiting for response headers is the response timeout's business; idle
            // between requests, or in a stalled upload or download, ends the connection.
            if (current == null || !(current.requestDone && !current.responseHeadSent)) {
                log.debug("HTTP client {} idle for {}: closing", ctx.channel().remoteAddress(), runtime.options.idleTimeout());
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    /** The request in flight is sent: its response headers are due by {@code deadline} ({@link System#nanoTime}). */
    void awaitResponseHeadersBy(long deadline) {
        responseDeadline = deadline;
        if (deadlineTimer == null) {
            deadlineTimer = ctx.executor().schedule(this::checkResponseDeadline, runtime.responseTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** No response headers are awaited (they came, or the exchange is over); the timer finds nothing to do. */
    void awaitNoResponseHeaders() {
        responseDeadline = 0;
    }

    private void checkResponseDeadline() {
        deadlineTimer = null;
        if (responseDeadline == 0 || current == null) {
            return;
        }
        long left = responseDeadline - System.nanoTime();
        if (left > 0) {
            deadlineTimer = ctx.executor().schedule(this::checkResponseDeadline, left, TimeUnit.NANOSECONDS);
        } else {
            responseDeadline = 0;
            current.timedOut();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
            deadlineTimer = null;
        }
        for (HttpObject object; (object = held.poll()) != null; ) {
            ReferenceCountUtil.release(object);
        }
        if (current != null) {
            current.abort();
            current = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP client {}: {}", ctx.channel().remoteAddress(), cause.toString(), cause);
        ctx.close();
    }
}
