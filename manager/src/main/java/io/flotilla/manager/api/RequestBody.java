package io.flotilla.manager.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayDeque;

/**
 * A request's body as the endpoint's thread reads it, fed by the event loop as it arrives. Holds
 * at most {@value #HIGH_WATER} bytes the endpoint has not read: beyond it the connection (an h2
 * stream: its flow-control window) stops reading until the endpoint takes some, so a body nobody
 * reads (over its limit, or on an endpoint that takes none) is never read in whole.
 */
final class RequestBody extends InputStream {
    static final int HIGH_WATER = 64 * 1024;

    private final Channel channel;
    private final ArrayDeque<byte[]> chunks = new ArrayDeque<>();
    private byte[] head;
    private int headAt;
    private int buffered;
    private boolean ended;
    private IOException failed;
    private boolean paused;

    RequestBody(Channel channel) {
        this.channel = channel;
    }

    /** On the event loop: more of the body. */
    synchronized void offer(ByteBuf content) {
        if (content.isReadable() && !ended) {
            byte[] bytes = new byte[content.readableBytes()];
            content.readBytes(bytes);
            chunks.add(bytes);
            buffered += bytes.length;
            if (buffered > HIGH_WATER && !paused) {
                paused = true;
                channel.config().setAutoRead(false);
            }
            notifyAll();
        }
    }

    /** On the event loop: the body is whole. */
    synchronized void end() {
        ended = true;
        notifyAll();
    }

    /** On the event loop: the connection is gone before the body was whole. */
    synchronized void fail() {
        if (!ended) {
            failed = new IOException("the client closed the connection before its request body was whole");
        }
        notifyAll();
    }

    /** Whether the whole body arrived (whether the endpoint read it or not). */
    synchronized boolean ended() {
        return ended;
    }

    @Override
    public int read() throws IOException {
        byte[] one = new byte[1];
        return read(one, 0, 1) < 0 ? -1 : one[0] & 0xff;
    }

    @Override
    public synchronized int read(byte[] into, int off, int len) throws IOException {
        if (len == 0) {
            return 0;
        }
        while (head == null) {
            head = chunks.poll();
            headAt = 0;
            if (head != null) {
                break;
            }
            if (ended) {
                return -1;
            }
            if (failed != null) {
                throw failed;
            }
            try {
                wait();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new java.io.InterruptedIOException("interrupted while reading the request body");
            }
        }
        int n = Math.min(len, head.length - headAt);
        System.arraycopy(head, headAt, into, off, n);
        headAt += n;
        buffered -= n;
        if (headAt == head.length) {
            head = null;
        }
        if (paused && buffered <= HIGH_WATER / 2) {
            paused = false;
            if (ended) {
                return n; // the connection's reading is the handler's again (ApiHttpHandler)
            }
            channel.eventLoop().execute(() -> {
                channel.config().setAutoRead(true);
                channel.read();
            });
        }
        return n;
    }
}
