package io.flotilla.manager.api;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.Unpooled;
import io.netty.handler.codec.http2.DefaultHttp2Headers;
import io.netty.handler.codec.http2.DefaultHttp2HeadersEncoder;
import io.netty.handler.codec.http2.Http2Exception;
import io.netty.handler.codec.http2.Http2Headers;
import java.io.DataInputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLParameters;
import javax.net.ssl.SSLSocket;

/**
 * An h2 client that writes raw frames (what a well-behaved client never sends: a header block
 * left open, half a frame), over TLS with ALPN {@code h2}. Header blocks are HPACK-encoded by
 * Netty's encoder; a reader thread queues the server's frames, acknowledges its SETTINGS, and
 * notes when the server closed the connection.
 */
final class RawH2Client implements AutoCloseable {
    static final int DATA = 0x0;
    static final int HEADERS = 0x1;
    static final int SETTINGS = 0x4;
    static final int PING = 0x6;
    static final int GOAWAY = 0x7;
    static final int CONTINUATION = 0x9;
    static final int END_STREAM = 0x1;
    static final int ACK = 0x1;
    static final int END_HEADERS = 0x4;
    private static final byte[] PREFACE = "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".getBytes(StandardCharsets.US_ASCII);

    record Frame(int type, int flags, int stream, byte[] payload) {}

    private final SSLSocket socket;
    private final OutputStream out;
    private final DefaultHttp2HeadersEncoder hpack = new DefaultHttp2HeadersEncoder();
    private final BlockingQueue<Frame> frames = new LinkedBlockingQueue<>();
    /** When the server closed the connection ({@link System#nanoTime}). */
    final CompletableFuture<Long> closed = new CompletableFuture<>();
    /** Done once the server's SETTINGS are acknowledged: from then on only the test writes. */
    final CompletableFuture<Void> settingsAcknowledged = new CompletableFuture<>();

    RawH2Client(SSLContext tls, InetSocketAddress server) throws IOException {
        socket = (SSLSocket) tls.getSocketFactory().createSocket(server.getAddress(), server.getPort());
        SSLParameters parameters = socket.getSSLParameters();
        parameters.setApplicationProtocols(new String[] {"h2"});
        socket.setSSLParameters(parameters);
        socket.startHandshake();
        if (!"h2".equals(socket.getApplicationProtocol())) {
            throw new IOException("ALPN chose " + socket.getApplicationProtocol() + ", not h2");
        }
        out = socket.getOutputStream();
        Thread.ofVirtual().start(this::read);
        out.write(PREFACE);
        frame(SETTINGS, 0, 0, new byte[0]);
    }

    /** The HPACK block of a GET of {@code path} (with a padding header of {@code pad} bytes). */
    byte[] get(String path, int pad) throws Http2Exception {
        Http2Headers headers = new DefaultHttp2Headers().method("GET").scheme("https").authority("127.0.0.1")
                .path(path);
        if (pad > 0) {
            headers.add("x-pad", "p".repeat(pad));
        }
        ByteBuf block = Unpooled.buffer();
        hpack.encodeHeaders(1, headers, block);
        return ByteBufUtil.getBytes(block);
    }

    synchronized void frame(int type, int flags, int stream, byte[] payload) throws IOException {
        out.write(frameHeader(payload.length, type, flags, stream));
        out.write(payload);
        out.flush();
    }

    /** Just the bytes given (part of a frame, say). */
    synchronized void raw(byte[] bytes) throws IOException {
        out.write(bytes);
        out.flush();
    }

    static byte[] frameHeader(int length, int type, int flags, int stream) {
        return new byte[] {(byte) (length >>> 16), (byte) (length >>> 8), (byte) length, (byte) type, (byte) flags,
                (byte) (stream >>> 24), (byte) (stream >>> 16), (byte) (stream >>> 8), (byte) stream};
    }

    /** The next frame of {@code type} on {@code stream} (others skipped), or an error after 10 s. */
    Frame await(int type, int stream) throws InterruptedException {
        long until = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (System.nanoTime() - until < 0) {
            Frame frame = frames.poll(100, TimeUnit.MILLISECONDS);
            if (frame != null && frame.type() == type && frame.stream() == stream) {
                return frame;
            }
        }
        throw new AssertionError("no frame of type " + type + " on stream " + stream + " within 10 s");
    }

    private void read() {
        try {
            DataInputStream in = new DataInputStream(socket.getInputStream());
            byte[] header = new byte[9];
            while (true) {
                in.readFully(header);
                int length = (header[0] & 0xff) << 16 | (header[1] & 0xff) << 8 | header[2] & 0xff;
                int stream = ((header[5] & 0x7f) << 24) | (header[6] & 0xff) << 16 | (header[7] & 0xff) << 8
                        | header[8] & 0xff;
                byte[] payload = new byte[length];
                in.readFully(payload);
                Frame frame = new Frame(header[3] & 0xff, header[4] & 0xff, stream, payload);
                if (frame.type() == SETTINGS && (frame.flags() & ACK) == 0) {
                    frame(SETTINGS, ACK, 0, new byte[0]);
                    settingsAcknowledged.complete(null);
                }
                frames.add(frame);
            }
        } catch (IOException | RuntimeException e) {
            closed.complete(System.nanoTime()); // the end of the stream, or a reset
        }
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
