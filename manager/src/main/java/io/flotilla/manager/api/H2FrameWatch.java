package io.flotilla.manager.api;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;

/**
 * Times the h2 frames of a connection, between TLS and Netty's h2 codec: from the first byte of a
 * frame until it is whole — and for a header block, from its HEADERS frame until the CONTINUATION
 * frame that ends it — the connection's {@link RequestDeadline} runs ({@link RequestDeadline#frameStarted},
 * {@link RequestDeadline#frameEnded}).
 *
 * <p>Why the connection and not the stream: Netty opens a stream only once its head is whole, so a
 * client that sends HEADERS without END_HEADERS (or half a frame) and then nothing has no stream to
 * time, and {@link RequestDeadline} times the connection only up to its first stream. Nothing
 * else may arrive on the connection meanwhile (RFC 9113 §6.10: a header block's frames are
 * contiguous; a partial frame holds everything behind it), so the unfinished frame holds the whole
 * connection and closing it is the answer. Nothing legitimate waits mid-frame: flow control is per
 * frame, and a frame is at most 16 KiB (the default SETTINGS_MAX_FRAME_SIZE, which we keep).
 *
 * <p>It reads the 9-byte frame headers only (length, type, flags) and passes every byte on
 * untouched; the codec still judges the frames.
 */
final class H2FrameWatch extends ChannelInboundHandlerAdapter {
    /** The client connection preface ({@code PRI * HTTP/2.0…}), before the first frame. */
    private static final int PREFACE_BYTES = 24;
    private static final int FRAME_HEADER_BYTES = 9;
    private static final int HEADERS = 0x1;
    private static final int PUSH_PROMISE = 0x5;
    private static final int CONTINUATION = 0x9;
    private static final int END_HEADERS = 0x4;

    private final RequestDeadline deadline;
    private final byte[] header = new byte[FRAME_HEADER_BYTES];
    private int prefaceLeft = PREFACE_BYTES;
    private int headerHave;
    private int type;
    private int flags;
    private long payloadLeft;
    /** A header block began (HEADERS or PUSH_PROMISE without END_HEADERS) and has not ended. */
    private boolean blockOpen;
    /** The deadline runs (a frame or block was under way after the last bytes). */
    private boolean timed;
    /** In the bytes being scanned, a frame (or a header block) was finished. */
    private boolean ended;

    H2FrameWatch(RequestDeadline deadline) {
        this.deadline = deadline;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (msg instanceof ByteBuf bytes) {
            scan(bytes);
        }
        ctx.fireChannelRead(msg);
    }

    private void scan(ByteBuf bytes) {
        ended = false;
        int at = bytes.readerIndex();
        int end = bytes.writerIndex();
        while (at < end) {
            if (prefaceLeft > 0) {
                int n = Math.min(prefaceLeft, end - at);
                prefaceLeft -= n;
                at += n;
            } else if (payloadLeft > 0) {
                int n = (int) Math.min(payloadLeft, end - at);
                payloadLeft -= n;
                at += n;
                if (payloadLeft == 0) {
                    frameWhole();
                }
            } else {
                header[headerHave++] = bytes.getByte(at++);
                if (headerHave == FRAME_HEADER_BYTES) {
                    headerHave = 0;
                    payloadLeft = (header[0] & 0xffL) << 16 | (header[1] & 0xffL) << 8 | header[2] & 0xffL;
                    type = header[3] & 0xff;
                    flags = header[4] & 0xff;
                    if (payloadLeft == 0) {
                        frameWhole();
                    }
                }
            }
        }
        boolean underWay = headerHave > 0 || payloadLeft > 0 || blockOpen;
        if (underWay && (!timed || ended)) {
            deadline.frameStarted(); // a new one began in these bytes: its time counts from now
        } else if (!underWay && timed) {
            deadline.frameEnded();
        }
        timed = underWay;
    }

    private void frameWhole() {
        boolean ends = (flags & END_HEADERS) != 0;
        if (type == HEADERS || type == PUSH_PROMISE) {
            blockOpen = !ends;
        } else if (type == CONTINUATION && ends) {
            blockOpen = false;
        }
        ended |= !blockOpen;
    }
}
