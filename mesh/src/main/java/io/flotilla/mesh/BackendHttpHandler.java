package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import java.io.IOException;

/**
 * The end of a pooled backend connection's pipeline: carries one exchange at a time and hands the
 * response to it piece by piece as it arrives (headers, body chunks, the end), so that a response
 * streams through the proxy instead of being held whole. It also notes whether any response byte
 * arrived, which decides if a reset may be retried.
 *
 * <p>Interim answers (1xx other than 101) are dropped: the client side answers
 * {@code Expect: 100-continue} itself.
 */
final class BackendHttpHandler extends ChannelInboundHandlerAdapter {
    static final String NAME = "mesh-backend";

    /** What the backend connection reports to the exchange it carries. Called on the connection's loop. */
    interface Exchange {
        void onResponseHead(HttpResponse head);

        /** A body piece; ownership passes to the exchange. The last one is a {@link LastHttpContent}. */
        void onResponseContent(HttpContent content);

        /** The end of one read from the socket: the moment to flush what was passed on. */
        void onResponseReadComplete();

        /** The connection can take more request bytes again (or cannot, for now). */
        void onBackendWritabilityChanged(boolean writable);

        /** The connection failed, closed or went idle mid-response. */
        void onFailure(Throwable cause, boolean responseStarted);
    }

    private ChannelHandlerContext ctx;
    private Exchange exchange;
    private boolean responseStarted;
    private boolean skippingInterim;

    /** The handler of a backend connection (it is the pipeline's last, so this is no search). */
    static BackendHttpHandler of(Channel channel) {
        return (BackendHttpHandler) channel.pipeline().last();
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
    }

    Channel channel() {
        return ctx.channel();
    }

    ChannelHandlerContext context() {
        return ctx;
    }

    /** Binds the next exchange to this connection. */
    void attach(Exchange next) {
        exchange = next;
        responseStarted = false;
        skippingInterim = false;
    }

    /** The exchange is done with this connection (finished, or about to close it): no more callbacks. */
    void detach() {
        exchange = null;
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
        Exchange current = exchange;
        if (current == null) {
            ReferenceCountUtil.release(msg);
            ctx.close(); // an answer nobody asked for: the connection is out of step
            return;
        }
        if (msg instanceof HttpResponse head) {
            if (head.decoderResult().isFailure()) {
                ReferenceCountUtil.release(msg);
                fail(new IOException("backend sent a malformed response: " + head.decoderResult().cause().getMessage()));
                ctx.close();
                return;
            }
            int status = head.status().code();
            if (status >= 100 && status < 200 && status != HttpResponseStatus.SWITCHING_PROTOCOLS.code()) {
                skippingInterim = true; // the decoder follows an interim head with an empty last content
                ReferenceCountUtil.release(msg);
                return;
            }
            current.onResponseHead(head);
        }
        if (msg instanceof HttpContent content) {
            if (skippingInterim) {
                skippingInterim = !(content instanceof LastHttpContent);
                content.release();
                return;
            }
            if (exchange == current) {
                current.onResponseContent(content);
            } else {
                content.release(); // the exchange let go of this connection when it saw the head
            }
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onResponseReadComplete();
        }
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (exchange != null) {
            exchange.onBackendWritabilityChanged(ctx.channel().isWritable());
        }
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event instanceof IdleStateEvent) {
            if (exchange == null) {
                ctx.close(); // an idle pooled connection; the backend may drop it any moment anyway
            } else if (responseStarted) {
                // a response that stopped half-way; before any byte the response timeout decides
                fail(new IOException("backend sent nothing for the idle timeout in the middle of its response"));
                ctx.close();
            }
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

    /** Reports a failed request write (the connection is closed by the caller). */
    void fail(Throwable cause) {
        Exchange current = exchange;
        if (current != null) {
            exchange = null;
            current.onFailure(cause, responseStarted);
        }
    }
}
