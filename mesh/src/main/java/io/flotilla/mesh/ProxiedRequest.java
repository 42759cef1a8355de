package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.LastHttpContent;
import java.util.ArrayDeque;

/**
 * A client's request on its way to a backend: its head, and its body. A body up to
 * {@link MeshOptions#RETRY_BUFFER_BYTES} is kept whole, so the request can be sent again to
 * another backend; a larger or chunked one is streamed: it goes out as it arrives, and is only
 * queued while no backend connection has the head yet. Knows whether the current connection has
 * the head and whether what it was given is flushed; owns what it holds until {@link #release}.
 */
final class ProxiedRequest {
    final HttpRequest head;
    /** Large or chunked: sent while it arrives, never twice. Otherwise kept whole in {@link #body}. */
    final boolean streamed;
    private CompositeByteBuf body;
    private LastHttpContent trailer;
    /** Streamed mode: parts read before the backend connection was ready. */
    private ArrayDeque<HttpContent> waiting;
    private boolean headSent;
    private boolean unflushed;

    ProxiedRequest(HttpRequest head) {
        this.head = head;
        this.streamed = HttpUtil.isTransferEncodingChunked(head) || ProxyMessages.contentLength(head) > MeshOptions.RETRY_BUFFER_BYTES;
    }

    /**
     * Takes a body part, and ownership of it: streamed, it goes to {@code connection} once that
     * has the head, and is queued until then; otherwise it is kept. Returns false when a kept body
     * has grown past what may be kept: more than its Content-Length said.
     */
    boolean take(HttpContent content, BackendHttpHandler connection, ByteBufAllocator alloc) {
        if (!streamed) {
            return keep(content, alloc);
        }
        if (headSent) {
            connection.channel().write(content, connection.channel().voidPromise());
            unflushed = true;
        } else {
            if (waiting == null) {
                waiting = new ArrayDeque<>(4);
            }
            waiting.add(content);
        }
        return true;
    }

    private boolean keep(HttpContent content, ByteBufAllocator alloc) {
        ByteBuf bytes = content.content();
        if (content instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()) {
            trailer = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, last.trailingHeaders());
        }
        if (bytes.isReadable()) {
            if (body == null) {
                body = alloc.compositeBuffer(16);
            }
            body.addComponent(true, bytes.retain());
        }
        content.release();
        return body == null || body.readableBytes() <= MeshOptions.RETRY_BUFFER_BYTES;
    }

    /**
     * Writes (unflushed) the head and what there is of the body to a new backend connection:
     * streamed, the parts queued so far (and lets go of them); kept, the whole body as the
     * request's end, still kept for another attempt.
     */
    void sendTo(Channel channel) {
        channel.write(head, channel.voidPromise());
        headSent = true;
        if (streamed) {
            if (waiting != null) {
                for (HttpContent content; (content = waiting.poll()) != null; ) {
                    channel.write(content, channel.voidPromise());
                }
            }
        } else if (body != null) {
            HttpUtil.setContentLength(head, body.readableBytes());
            channel.write(trailer == null ? new DefaultLastHttpContent(body.retainedDuplicate())
                    : new DefaultLastHttpContent(body.retainedDuplicate(), trailer.trailingHeaders()), channel.voidPromise());
        } else {
            channel.write(trailer == null ? LastHttpContent.EMPTY_LAST_CONTENT : trailer, channel.voidPromise());
        }
        unflushed = true;
    }

    /** Whether the current backend connection has the head. */
    boolean headSent() {
        return headSent;
    }

    /** The connection that had the head is gone: another attempt sends it again. */
    void resend() {
        headSent = false;
    }

    void flush(BackendHttpHandler connection) {
        if (unflushed && connection != null) {
            unflushed = false;
            connection.channel().flush();
        }
    }

    void release() {
        if (body != null) {
            body.release();
            body = null;
        }
        if (waiting != null) {
            for (HttpContent content; (content = waiting.poll()) != null; ) {
                content.release();
            }
        }
    }
}
