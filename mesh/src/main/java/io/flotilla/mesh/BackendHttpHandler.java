package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.timeout.IdleStateEvent;
import java.io.IOException;

/**
 * The end of a pooled backend connection's pipeline: sends one request at a time and hands the
 * aggregated answer (or the failure) to the waiting {@link Exchange}. It also notes whether any
 * response byte arrived, which decides if a reset may be retried.
 */
final class BackendHttpHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "mesh-backend";

    /** What waits for a backend's answer. */
    interface Exchange {
        void onResponse(FullHttpResponse response);

        void onFailure(Throwable cause, boolean responseStarted);
    }

    private Exchange pending;
    private boolean responseStarted;

    void send(ChannelHandlerContext ctx, FullHttpRequest request, Exchange exchange) {
        pending = exchange;
        responseStarted = false;
        ctx.writeAndFlush(request).addListener(written -> {
            if (!written.isSuccess()) {
                fail(written.cause());
                ctx.close();
            }
        });
    }

    /** Sits before the HTTP codec and records that the backend started answering. */
    final class FirstByteWatch extends ChannelInboundHandlerAdapter {
        @Override
        public void channelRead(ChannelHandlerContext ctx, Object msg) {
            if (msg instanceof ByteBuf buffer && buffer.isReadable()) {
                responseStarted = true;
            }
            ctx.fireChannelRead(msg);
        }
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof FullHttpResponse response && pending != null) {
            Exchange exchange = pending;
            pending = null;
            exchange.onResponse(response);
        } else {
            io.netty.util.ReferenceCountUtil.release(msg);
            ctx.close(); // an answer nobody asked for: the connection is out of step
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent && pending == null) {
            ctx.close(); // an idle pooled connection; the backend may drop it any moment anyway
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        fail(new IOException("backend closed the connection"));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        fail(cause);
        ctx.close();
    }

    private void fail(Throwable cause) {
        if (pending != null) {
            Exchange exchange = pending;
            pending = null;
            exchange.onFailure(cause, responseStarted);
        }
    }
}
