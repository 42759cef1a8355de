package io.flotilla.manager.api;

import io.flotilla.model.Json;
import io.flotilla.model.api.ApiError;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.ssl.SslHandler;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.util.ArrayDeque;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;

/**
 * Hands each request of an HTTP/1.1 connection, or of one h2 stream, to an endpoint thread as an
 * {@link ApiExchange}, and feeds it the body as it arrives.
 *
 * <p>HTTP/1.1 answers in order: once a request is whole and while it is being answered, the
 * connection reads no further (pipelined requests already read wait here), so one connection is
 * one request at a time, as before. An answer given before its request's body was whole (a 413,
 * say) closes the connection rather than read the rest. The request deadline is the connection's
 * ({@link RequestDeadline}); on h2, where the head is whole when the stream opens, the stream's
 * body must be whole within the same time, or the stream is reset.
 */
final class ApiHttpHandler extends ChannelInboundHandlerAdapter {
    private final Consumer<ApiExchange> endpoints;
    private final Executor threads;
    /** The connection's clock on HTTP/1.1; null on an h2 stream. */
    private final RequestDeadline deadline;
    private final long streamBodyNanos;
    private final ArrayDeque<Object> waiting = new ArrayDeque<>();
    private ChannelHandlerContext ctx;
    private ApiExchange current;
    private ScheduledFuture<?> streamTimer;

    /** HTTP/1.1: one per connection. */
    ApiHttpHandler(Consumer<ApiExchange> endpoints, Executor threads, RequestDeadline deadline) {
        this(endpoints, threads, deadline, 0);
    }

    /** h2: one per stream, whose body must be whole within {@code streamBodyNanos}. */
    ApiHttpHandler(Consumer<ApiExchange> endpoints, Executor threads, long streamBodyNanos) {
        this(endpoints, threads, null, streamBodyNanos);
    }

    private ApiHttpHandler(Consumer<ApiExchange> endpoints, Executor threads, RequestDeadline deadline,
                           long streamBodyNanos) {
        this.endpoints = endpoints;
        this.threads = threads;
        this.deadline = deadline;
        this.streamBodyNanos = streamBodyNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (current != null && current.body().ended()) {
            // HTTP/1.1 pipelining: the next request waits until this one is answered
            waiting.add(msg);
            ctx.channel().config().setAutoRead(false);
            return;
        }
        try {
            if (msg instanceof HttpRequest request) {
                start(ctx, request);
            }
            if (msg instanceof HttpContent content && current != null) {
                current.body().offer(content.content());
                if (content instanceof LastHttpContent) {
                    current.body().end();
                    if (deadline != null) {
                        deadline.requestArrived();
                    } else if (streamTimer != null) {
                        streamTimer.cancel(false);
                    }
                }
            }
        } finally {
            ReferenceCountUtil.release(msg);
        }
    }

    private void start(ChannelHandlerContext ctx, HttpRequest request) {
        Channel channel = ctx.channel();
        if (request.decoderResult().isFailure()) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request: " + request.decoderResult().cause());
            return;
        }
        // An h2 stream's parent is its connection; an HTTP/1.1 connection's parent is the server's
        // listening channel, which has no TLS session: taking it made every HTTP/1.1 caller plaintext.
        Channel connection = channel instanceof io.netty.handler.codec.http2.Http2StreamChannel ? channel.parent() : channel;
        SslHandler tls = connection.pipeline().get(SslHandler.class);
        SSLSession session = tls == null ? null : tls.engine().getSession();
        ApiExchange exchange;
        try {
            exchange = new ApiExchange(channel, request, session, (InetSocketAddress) connection.remoteAddress(),
                    this::answered);
        } catch (IllegalArgumentException e) {
            refuse(ctx, HttpResponseStatus.BAD_REQUEST, "malformed request path: " + e.getMessage());
            return;
        }
        current = exchange;
        if (deadline == null && !(request instanceof LastHttpContent)) { // an h2 stream with a body to come
            streamTimer = ctx.executor().schedule(() -> {
                if (!exchange.body().ended()) {
                    channel.close(); // resets the stream
                }
            }, streamBodyNanos, TimeUnit.NANOSECONDS);
        }
        threads.execute(() -> endpoints.accept(exchange));
    }

    /** An answer of the handler's own, for what never became an exchange; the connection closes. */
    private void refuse(ChannelHandlerContext ctx, HttpResponseStatus status, String message) {
        byte[] body = Json.writeBytes(new ApiError("invalid", message));
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status,
                Unpooled.wrappedBuffer(body));
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "application/json");
        response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setContentLength(response, body.length);
        ctx.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE);
    }

    /** Any thread: {@code exchange}'s answer is written whole. */
    private void answered(ApiExchange exchange) {
        if (ctx.executor().isShuttingDown()) {
            return; // the server stops: its connections close with it, and the loop takes no more tasks
        }
        ctx.executor().execute(() -> {
            if (exchange != current) {
                return;
            }
            if (deadline == null) {
                if (!exchange.body().ended()) {
                    ctx.channel().close(); // the h2 stream: reset rather than read the rest
                }
                return;
            }
            if (!exchange.body().ended() || !exchange.keepAlive()) {
                ctx.channel().close();
                return;
            }
            current = null;
            deadline.awaitRequest(!waiting.isEmpty());
            while (!waiting.isEmpty() && (current == null || !current.body().ended())) {
                channelRead(ctx, waiting.poll());
            }
            if (waiting.isEmpty()) {
                ctx.channel().config().setAutoRead(true);
                ctx.read();
            }
        });
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (current != null) {
            current.body().fail();
        }
        waiting.forEach(ReferenceCountUtil::release);
        waiting.clear();
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        ctx.close();
    }
}
