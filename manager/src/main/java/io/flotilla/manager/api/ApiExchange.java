package io.flotilla.manager.api;

import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpContent;
import io.netty.handler.codec.http.DefaultHttpHeaders;
import io.netty.handler.codec.http.DefaultHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.util.Locale;
import java.util.function.Consumer;
import javax.net.ssl.SSLSession;

/**
 * One request and its answer, as an endpoint's thread (virtual) sees them: blocking reads of the
 * body, blocking writes of the answer. The event loop feeds the body ({@link RequestBody}); the
 * answer goes out through the channel, which is safe to write from any thread.
 *
 * <p>{@link #sendResponseHeaders} keeps the JDK server's convention (length 0: chunked, a stream
 * follows). A write to a connection the client closed fails at once ({@link IOException}), so a
 * log or watch stream ends when its reader goes. A write that finds the connection's buffer full
 * waits until it drained: a slow reader holds up its own stream, not the server's memory.
 */
final class ApiExchange implements AutoCloseable {
    private final Channel channel;
    private final HttpRequest request;
    private final RequestBody body;
    private final SSLSession session;
    private final InetSocketAddress remote;
    private final boolean keepAlive;
    private final Consumer<ApiExchange> answered;
    private final HttpHeaders responseHeaders = new DefaultHttpHeaders();
    private final String path;
    private final String rawQuery;
    private volatile int status = -1;
    private ResponseStream stream;
    private boolean done;

    /**
     * @param session  the connection's TLS session, null in plaintext
     * @param answered called once the answer is written whole (on any thread)
     */
    ApiExchange(Channel channel, HttpRequest request, SSLSession session, InetSocketAddress remote,
                Consumer<ApiExchange> answered) {
        this.channel = channel;
        this.request = request;
        this.body = new RequestBody(channel);
        this.session = session;
        this.remote = remote;
        this.keepAlive = HttpUtil.isKeepAlive(request);
        this.answered = answered;
        String uri = request.uri();
        int q = uri.indexOf('?');
        String rawPath = q < 0 ? uri : uri.substring(0, q);
        this.rawQuery = q < 0 ? null : uri.substring(q + 1);
        this.path = java.net.URLDecoder.decode(rawPath.replace("+", "%2B"), java.nio.charset.StandardCharsets.UTF_8);
    }

    /** The method, upper case. */
    String method() {
        return request.method().name().toUpperCase(Locale.ROOT);
    }

    /** The path, decoded. */
    String path() {
        return path;
    }

    /** The query as sent (not decoded), or null. */
    String rawQuery() {
        return rawQuery;
    }

    /** The first value of a request header, or null. */
    String requestHeader(String name) {
        return request.headers().get(name);
    }

    /** Every value of a request header ({@code Cookie} arrives split over several on h2). */
    java.util.List<String> requestHeaders(String name) {
        return request.headers().getAll(name);
    }

    InetSocketAddress remoteAddress() {
        return remote;
    }

    /** The TLS session the request came over; null in plaintext. */
    SSLSession sslSession() {
        return session;
    }

    /** The body once read for an audit ({@link #bodyKeptForReplay}); null before. */
    private volatile InputStream replay;

    RequestBody body() {
        return body;
    }

    InputStream requestBody() {
        InputStream read = replay;
        return read != null ? read : body;
    }

    /**
     * Reads the whole body (at most {@code maxBytes}, else 413) and keeps it, so that the endpoint
     * the request is routed to reads it again: the dashboard audits an action by what its body asks.
     */
    byte[] bodyKeptForReplay(int maxBytes) throws IOException {
        byte[] bytes = body.readNBytes(maxBytes + 1);
        if (bytes.length > maxBytes) {
            throw new io.flotilla.manager.errors.ApiException(413, "too_large", "the request body is over " + maxBytes + " bytes");
        }
        replay = new java.io.ByteArrayInputStream(bytes);
        return bytes;
    }

    /** Sets a header of the answer; before {@link #sendResponseHeaders} or {@link #respond}. */
    void responseHeader(String name, String value) {
        responseHeaders.set(name, value);
    }

    /** The answer's status once its head is sent, else -1. */
    int responseCode() {
        return status;
    }

    /** Whether the connection (the h2 stream) is still open. */
    boolean open() {
        return channel.isActive();
    }

    /** Whether the connection may carry another request after this one (HTTP/1.x). */
    boolean keepAlive() {
        return keepAlive;
    }

    /** A whole answer at once: one write, one flush. */
    void respond(int code, String contentType, byte[] bytes) throws IOException {
        startAnswer(code);
        responseHeaders.set(HttpHeaderNames.CONTENT_TYPE, contentType);
        DefaultFullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1,
                HttpResponseStatus.valueOf(code), Unpooled.wrappedBuffer(bytes), responseHeaders,
                io.netty.handler.codec.http.EmptyHttpHeaders.INSTANCE);
        HttpUtil.setContentLength(response, bytes.length);
        finish(channel.writeAndFlush(response));
    }

    /**
     * Sends the answer's head: {@code length} bytes follow through {@link #responseBody}, or with
     * 0 a stream of unknown length (chunked on HTTP/1.1).
     */
    void sendResponseHeaders(int code, long length) throws IOException {
        startAnswer(code);
        HttpResponse response = new DefaultHttpResponse(HttpVersion.HTTP_1_1, HttpResponseStatus.valueOf(code),
                responseHeaders);
        if (length > 0) {
            HttpUtil.setContentLength(response, length);
        } else {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        stream = new ResponseStream();
        channel.writeAndFlush(response);
    }

    private void startAnswer(int code) throws IOException {
        if (status != -1) {
            throw new IOException("the answer's head was sent already");
        }
        if (!channel.isActive()) {
            throw new IOException("the client closed the connection");
        }
        status = code;
        if (!keepAlive) {
            responseHeaders.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
    }

    /** The answer's body after {@link #sendResponseHeaders}; closing it ends the answer. */
    OutputStream responseBody() {
        if (stream == null) {
            throw new IllegalStateException("sendResponseHeaders first");
        }
        return stream;
    }

    private synchronized void finish(ChannelFuture last) {
        if (!done) {
            done = true;
            // A future already done (or a loop that is stopping: the API closes) is not handed to
            // the event loop, which would refuse the notification and log an ERROR at shutdown.
            if (last.isDone() || channel.eventLoop().isShuttingDown()) {
                answered.accept(this);
            } else {
                last.addListener(f -> answered.accept(this));
            }
        }
    }

    /** Ends the answer: a stream is closed; an exchange that never answered loses its connection. */
    @Override
    public void close() {
        if (stream != null) {
            stream.close();
        } else if (status == -1) {
            channel.close();
            finish(channel.newSucceededFuture());
        }
    }

    private static void await(ChannelFuture future) throws IOException {
        try {
            future.await();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted while writing the answer");
        }
        if (!future.isSuccess()) {
            throw new IOException("writing the answer failed: " + future.cause(), future.cause());
        }
    }

    /** The answer's body as chunks on the channel. */
    private final class ResponseStream extends OutputStream {
        private boolean closed;

        @Override
        public void write(int b) throws IOException {
            write(new byte[] {(byte) b}, 0, 1);
        }

        @Override
        public void write(byte[] bytes, int off, int len) throws IOException {
            if (closed) {
                throw new IOException("the answer is closed");
            }
            if (!channel.isActive()) {
                throw new IOException("the client closed the connection");
            }
            if (len == 0) {
                return;
            }
            ChannelFuture written = channel.write(new DefaultHttpContent(Unpooled.copiedBuffer(bytes, off, len)));
            if (!channel.isWritable()) {
                channel.flush();
                await(written);
            }
        }

        @Override
        public void flush() {
            channel.flush();
        }

        @Override
        public void close() {
            if (!closed) {
                closed = true;
                finish(channel.writeAndFlush(LastHttpContent.EMPTY_LAST_CONTENT));
            }
        }
    }
}
