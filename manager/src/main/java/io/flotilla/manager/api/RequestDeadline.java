package io.flotilla.manager.api;

import io.netty.channel.ChannelDuplexHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http2.Http2FrameCodec;
import io.netty.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The clocks of an API connection, first in its pipeline (so the TLS handshake counts).
 *
 * <p>The request deadline: a request must arrive whole, head and body, within
 * {@link HttpServerLimits#REQUEST_ARRIVAL} of its first byte (for the first request, of the
 * connection's first byte: the handshake), else the connection closes. A client trickling a
 * header line a second (slowloris) is never idle, so an idle timeout alone would not cut it. The
 * clock stops once the request is whole ({@link #requestArrived}): a long poll or a log stream is
 * never cut here. On h2 it covers the handshake up to the first stream; from then on every frame,
 * and every header block over its CONTINUATION frames, must be whole within the same time of its
 * first byte ({@link H2FrameWatch}: a later stream's head trickled in would otherwise never be
 * cut, as its stream opens only once the head is whole); each stream's body has its own
 * ({@link ApiHttpHandler}).
 *
 * <p>The idle timeout: a connection with no request under way (HTTP/1.1) or no open stream (h2)
 * for {@link HttpServerLimits#IDLE} closes, as the JDK server closed its idle connections.
 *
 * <p>One timer per connection, re-armed for the time left when it fires early: a keep-alive
 * request writes two fields, and schedules nothing.
 */
final class RequestDeadline extends ChannelDuplexHandler {
    private final long requestNanos;
    private final long idleNanos;
    private ChannelHandlerContext ctx;
    /** When the request under way must be whole ({@link System#nanoTime}); 0 when none is timed. */
    private long deadline;
    /** h2: when the frame or header block under way must be whole ({@link H2FrameWatch}); 0 when none is. */
    private long frameDeadline;
    /** No request under way: the next byte starts one. */
    private boolean between = true;
    private long lastActive;
    private boolean http2;
    private ScheduledFuture<?> timer;
    private long timerAt;

    RequestDeadline(long requestNanos, long idleNanos) {
        this.requestNanos = requestNanos;
        this.idleNanos = idleNanos;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        lastActive = System.nanoTime();
        schedule(lastActive + idleNanos);
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        lastActive = System.nanoTime();
        if (between && deadline == 0) {
            deadline = Math.max(1, lastActive + requestNanos);
            schedule(deadline);
        }
        ctx.fireChannelRead(msg);
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (timer != null) {
            timer.cancel(false);
        }
        ctx.fireChannelInactive();
    }

    /** The request under way is whole (HTTP/1.1), or the first h2 stream opened. On the event loop. */
    void requestArrived() {
        deadline = 0;
        between = false;
    }

    /** HTTP/1.1: the answer is out, the next request may come ({@code started}: it already did). On the event loop. */
    void awaitRequest(boolean started) {
        between = true;
        lastActive = System.nanoTime();
        deadline = started ? Math.max(1, lastActive + requestNanos) : 0;
        schedule(started ? deadline : lastActive + idleNanos);
    }

    /** h2: the first byte of a frame or header block arrived. On the event loop. */
    void frameStarted() {
        frameDeadline = Math.max(1, System.nanoTime() + requestNanos);
        schedule(frameDeadline);
    }

    /** h2: the frame or header block under way is whole. On the event loop. */
    void frameEnded() {
        frameDeadline = 0;
    }

    /** ALPN chose h2: from the first stream on, the connection is idle only with no stream open. */
    void http2() {
        http2 = true;
    }

    private void schedule(long at) {
        if (timer != null && timerAt - at <= 0) {
            return; // the timer fires before: it re-arms itself
        }
        if (timer != null) {
            timer.cancel(false);
        }
        timerAt = at;
        timer = ctx.executor().schedule(this::check, Math.max(0, at - System.nanoTime()), TimeUnit.NANOSECONDS);
    }

    private void check() {
        timer = null;
        long now = System.nanoTime();
        if (deadline != 0 && now - deadline >= 0 || frameDeadline != 0 && now - frameDeadline >= 0) {
            ctx.channel().close();
            return;
        }
        if (http2 && !between) {
            Http2FrameCodec codec = ctx.pipeline().get(Http2FrameCodec.class);
            boolean open = codec != null && codec.connection().numActiveStreams() > 0;
            if (!open && now - lastActive - idleNanos >= 0) {
                ctx.channel().close();
                return;
            }
            schedule(earliest(frameDeadline, Math.max(lastActive + idleNanos, now + TimeUnit.SECONDS.toNanos(1))));
            return;
        }
        if (between && deadline == 0 && now - lastActive - idleNanos >= 0) {
            ctx.channel().close();
            return;
        }
        if (deadline != 0) {
            schedule(earliest(frameDeadline, deadline));
        } else if (between) {
            schedule(earliest(frameDeadline, lastActive + idleNanos));
        } else if (frameDeadline != 0) {
            schedule(frameDeadline);
        }
        // else a request is being answered: awaitRequest arms the timer again
    }

    /** The earlier of two instants; {@code maybe} 0 is none. */
    private static long earliest(long maybe, long at) {
        return maybe != 0 && maybe - at < 0 ? maybe : at;
    }
}
