package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOutboundBuffer;
import io.netty.channel.ChannelPipeline;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpServerCodec;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.handler.timeout.IdleStateHandler;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The clocks of an accepted HTTP connection, first in its pipeline: the idle timeout and the
 * request head deadline.
 *
 * <p>Idle: events go to the protocol's handler; a connection that has not even chosen a protocol
 * closes.
 *
 * <p>Head deadline: armed at the accept (so the TLS handshake and the protocol sniffing count) and
 * again by {@link HttpProxyHandler} once an HTTP/1.x response has ended with no request waiting
 * ({@link #awaitHead}); disarmed when a request head has been decoded ({@link #headArrived}), for
 * h2 when the first stream's headers arrive. When it passes armed, the connection closes, after a
 * 408 when bytes came since arming on an HTTP/1.x connection (part of a head). The idle timeout
 * alone cannot do this: a client trickling a header line a second is never idle. Disarmed while a
 * request is in flight, so a slow backend or a long answer is never cut here; and a connection
 * whose last answer is still unsent (a slow reader) gets another period.
 *
 * <p>Cost: a keep-alive request writes {@link #deadline} twice. One timer per connection checks it
 * and re-arms itself for the time left (as the response deadline in {@link HttpProxyHandler}), so
 * a busy connection schedules one task per deadline period, not one per request, and nothing else
 * is allocated.
 */
final class ClientTimeouts extends IdleStateHandler {
    private static final Logger log = LoggerFactory.getLogger(ClientTimeouts.class);

    private final long headNanos;
    private final Runnable check = this::checkDeadline;
    private ChannelHandlerContext ctx;
    /** When a request head must have arrived ({@link System#nanoTime}); 0 while none is awaited. */
    private long deadline;
    /** Bytes were read since the deadline was armed: a head is under way. */
    private boolean bytesSinceArmed;
    private ScheduledFuture<?> timer;

    ClientTimeouts(long idleNanos, long headNanos) {
        super(0, 0, idleNanos, TimeUnit.NANOSECONDS);
        this.headNanos = headNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) throws Exception {
        this.ctx = ctx;
        super.handlerAdded(ctx);
        if (ctx.channel().isActive()) {
            awaitHead();
        }
    }

    @Override
    public void channelActive(ChannelHandlerContext ctx) throws Exception {
        if (deadline == 0) {
            awaitHead();
        }
        super.channelActive(ctx);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) throws Exception {
        if (deadline != 0) {
            bytesSinceArmed = true;
        }
        super.channelRead(ctx, msg);
    }

    /** Starts the wait for the next request head. Call on the event loop. */
    void awaitHead() {
        deadline = Math.max(1, System.nanoTime() + headNanos);
        bytesSinceArmed = false;
        if (timer == null) {
            timer = ctx.executor().schedule(check, headNanos, TimeUnit.NANOSECONDS);
        }
    }

    /** A request head has been decoded. Call on the event loop. */
    void headArrived() {
        deadline = 0;
    }

    /** TLS has chosen a protocol: the bytes so far were the handshake's, not a request's. */
    void handshakeDone() {
        bytesSinceArmed = false;
    }

    private void checkDeadline() {
        timer = null;
        if (deadline == 0 || !ctx.channel().isActive()) {
            return;
        }
        long now = System.nanoTime();
        if (deadline - now <= 0 && answerStillUnsent()) {
            deadline = now + headNanos; // the previous answer has not ended on the wire yet
        }
        long left = deadline - now;
        if (left > 0) {
            timer = ctx.executor().schedule(check, left, TimeUnit.NANOSECONDS);
            return;
        }
        deadline = 0;
        Channel channel = ctx.channel();
        boolean partialHead = bytesSinceArmed && channel.pipeline().get(HttpServerCodec.class) != null;
        log.debug("HTTP client {} sent no whole request head within {} ms: closing{}", channel.remoteAddress(),
                TimeUnit.NANOSECONDS.toMillis(headNanos), partialHead ? " with 408" : "");
        if (!partialHead) {
            channel.close();
            return;
        }
        channel.config().setAutoRead(false); // the rest of the head is not wanted
        ByteBuf text = ByteBufUtil.writeUtf8(channel.alloc(), "request head not received in time\n");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.REQUEST_TIMEOUT, text);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8")
                .set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        HttpUtil.setContentLength(response, text.readableBytes());
        channel.writeAndFlush(response).addListener(ChannelFutureListener.CLOSE); // from the tail: through the codec and TLS
    }

    private boolean answerStillUnsent() {
        ChannelOutboundBuffer out = ctx.channel().unsafe().outboundBuffer();
        return out != null && out.totalPendingWriteBytes() > 0;
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
        stopTimer();
        super.channelInactive(ctx);
    }

    @Override
    public void handlerRemoved(ChannelHandlerContext ctx) throws Exception {
        stopTimer();
        super.handlerRemoved(ctx);
    }

    private void stopTimer() {
        deadline = 0;
        if (timer != null) {
            timer.cancel(false);
            timer = null;
        }
    }

    @Override
    protected void channelIdle(ChannelHandlerContext ctx, IdleStateEvent event) {
        ChannelPipeline pipeline = ctx.pipeline();
        if (pipeline.get(HttpProxyHandler.class) != null || pipeline.get(Http2FrameCodec.class) != null) {
            ctx.fireUserEventTriggered(event);
        } else {
            ctx.close();
        }
    }
}
