package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufUtil;
import io.netty.buffer.CompositeByteBuf;
import io.netty.buffer.Unpooled;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.DefaultHttpRequest;
import io.netty.handler.codec.http.DefaultLastHttpContent;
import io.netty.handler.codec.http.FullHttpRequest;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpObject;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;
import io.netty.handler.codec.http2.Http2StreamChannel;
import io.netty.handler.timeout.IdleStateEvent;
import io.netty.util.ReferenceCountUtil;
import io.netty.util.concurrent.ScheduledFuture;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * L7 forwarding for one client connection (HTTP/1.1) or one stream (HTTP/2, where each stream is
 * its own child channel speaking the same HTTP objects). Requests are served one at a time in
 * order (a pipelined HTTP/1.1 request waits, and the connection stops reading meanwhile); each is
 * routed, balanced per request, and sent over a pooled backend connection on this channel's
 * event loop.
 *
 * <p>Bodies stream. A request body up to {@link MeshOptions#RETRY_BUFFER_BYTES} is kept until the
 * request is complete, so the request can be sent again; a larger or chunked one goes out as it
 * arrives and is never sent twice. The response is passed on as it arrives; the retry decision
 * (502/503 from the backend) is taken on its status line, before any byte reaches the client.
 * Back-pressure both ways: a side that cannot take more stops the other side's reading.
 *
 * <p>Nothing lost: a connect failure moves on to another backend (no request byte was sent); an
 * idempotent request with a kept body is sent once more, elsewhere, after a 502/503 or a reset
 * before any response byte. Answers of our own: 400 malformed, 404 no route, 503 no backend, 502
 * all attempts failed, 504 no response headers within the response timeout.
 */
final class HttpProxyHandler extends ChannelInboundHandlerAdapter {
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    static final String STICKY_COOKIE = "flotilla_sticky";

    private final ListenerState listener;
    private final MeshRuntime runtime;
    private final String proto;
    /** Pipelined request parts that arrived while an exchange was still answering. */
    private final ArrayDeque<HttpObject> held = new ArrayDeque<>(2);
    private ChannelHandlerContext ctx;
    private boolean http2;
    private String clientIp;
    private String forwardedNode;
    private Exchange current;
    private boolean closeWhenIdle;
    /** The last answer is on its way and the connection closes after it: what the client still sends is dropped. */
    private boolean closing;
    /**
     * When the request in flight must have its response headers ({@link System#nanoTime}), 0 when
     * none is awaited. One timer per connection checks it and re-arms itself for the time left, so
     * a keep-alive request costs a clock read instead of scheduling and cancelling a task.
     */
    private long responseDeadline;
    private ScheduledFuture<?> deadlineTimer;
    /** The HTTP/1.x connection's head deadline, told when a head arrives and when the next one is awaited; null on h2. */
    private final ClientTimeouts timeouts;

    HttpProxyHandler(ListenerState listener, MeshRuntime runtime, boolean tls, ClientTimeouts timeouts) {
        this.listener = listener;
        this.runtime = runtime;
        this.proto = tls ? "https" : "http";
        this.timeouts = timeouts;
    }

    @Override
    public void handlerAdded(ChannelHandlerContext ctx) {
        this.ctx = ctx;
        this.http2 = ctx.channel() instanceof Http2StreamChannel;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
        if (!(msg instanceof HttpObject object) || closing) {
            ReferenceCountUtil.release(msg);
            return;
        }
        if (!held.isEmpty() || current != null && current.requestDone && object instanceof HttpRequest) {
            held.add(object); // the next request waits for the current answer
            updateAutoRead();
            return;
        }
        dispatch(object);
    }

    private void dispatch(HttpObject object) {
        if (object instanceof FullHttpRequest full) { // h2 HEADERS with END_STREAM: split, so one path serves all
            DefaultHttpRequest head = new DefaultHttpRequest(full.protocolVersion(), full.method(), full.uri(), full.headers());
            head.setDecoderResult(full.decoderResult());
            Exchange exchange = start(head);
            LastHttpContent last = new DefaultLastHttpContent(full.content(), full.trailingHeaders());
            if (exchange.requestDone) {
                last.release();
            } else {
                exchange.onRequestContent(last);
            }
        } else if (object instanceof HttpRequest head) {
            start(head);
            if (head instanceof HttpContent content) {
                content.release();
            }
        } else if (object instanceof HttpContent content) {
            if (current != null && !current.requestDone) {
                current.onRequestContent(content);
            } else {
                content.release(); // the rest of a request we stopped caring about
            }
        }
    }

    private Exchange start(HttpRequest head) {
        if (timeouts != null) {
            timeouts.headArrived();
        }
        if (clientIp == null) {
            Channel channel = http2 ? ctx.channel().parent() : ctx.channel();
            var address = ((InetSocketAddress) channel.remoteAddress()).getAddress();
            clientIp = address.getHostAddress();
            forwardedNode = ForwardedHeaders.forwardedNode(address);
        }
        boolean keepAlive = !closeWhenIdle && !listener.isDraining() && HttpUtil.isKeepAlive(head);
        Exchange exchange = new Exchange(head, keepAlive);
        current = exchange;
        if (head.decoderResult().isFailure()) {
            exchange.keepAlive = false;
            exchange.requestDone = true; // the decoder drops the rest of the connection's bytes
            exchange.answerLocally(HttpResponseStatus.BAD_REQUEST, "bad request: " + head.decoderResult().cause().getMessage());
            return exchange;
        }
        String host = head.headers().get(HttpHeaderNames.HOST);
        String path = HttpRouter.pathOf(head.uri());
        RouteState route = listener.routes().http().match(host, path);
        if (route == null) {
            runtime.noRoute.increment();
            exchange.answerLocally(HttpResponseStatus.NOT_FOUND, "no route for host " + host + " and path " + path);
            return exchange;
        }
        exchange.route(route);
        return exchange;
    }

    /** After an exchange: the next held request, or reading again, or closing. */
    private void finished(Exchange exchange) {
        if (current != exchange) {
            return;
        }
        current = null;
        if (closeWhenIdle && !http2) {
            ctx.close();
            return;
        }
        while (current == null || !current.requestDone) {
            HttpObject next = held.poll();
            if (next == null) {
                break;
            }
            dispatch(next);
        }
        if (current == null && timeouts != null) {
            timeouts.awaitHead(); // keep-alive: the next head has the same time as the first
        }
        updateAutoRead();
    }

    /** Reads from the client only while its bytes have somewhere to go. */
    private void updateAutoRead() {
        boolean wanted = held.isEmpty() && (current == null || current.wantsRequestBytes());
        if (ctx.channel().config().isAutoRead() != wanted) {
            ctx.channel().config().setAutoRead(wanted);
        }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
        if (current != null) {
            current.flushBackend();
        }
        ctx.fireChannelReadComplete();
    }

    @Override
    public void channelWritabilityChanged(ChannelHandlerContext ctx) {
        if (current != null) {
            current.onClientWritabilityChanged(ctx.channel().isWritable());
        }
        ctx.fireChannelWritabilityChanged();
    }

    @Override
    public void userEventTriggered(ChannelHandlerContext ctx, Object event) {
        if (event == Mesh.DRAIN) {
            closeWhenIdle = true;
            if (current == null) {
                ctx.close();
            }
        } else if (event instanceof IdleStateEvent) {
            // Idle while waiting for response headers is the response timeout's business; idle
            // between requests, or in a stalled upload or download, ends the connection.
            if (current == null || !(current.requestDone && !current.responseHeadSent)) {
                log.debug("HTTP client {} idle for {}: closing", ctx.channel().remoteAddress(), runtime.options.idleTimeout());
                ctx.close();
            }
        } else {
            ctx.fireUserEventTriggered(event);
        }
    }

    private void awaitResponseHeadersBy(long deadline) {
        responseDeadline = deadline;
        if (deadlineTimer == null) {
            deadlineTimer = ctx.executor().schedule(this::checkResponseDeadline, runtime.responseTimeoutNanos, TimeUnit.NANOSECONDS);
        }
    }

    private void checkResponseDeadline() {
        deadlineTimer = null;
        if (responseDeadline == 0 || current == null) {
            return;
        }
        long left = responseDeadline - System.nanoTime();
        if (left > 0) {
            deadlineTimer = ctx.executor().schedule(this::checkResponseDeadline, left, TimeUnit.NANOSECONDS);
        } else {
            responseDeadline = 0;
            current.timedOut();
        }
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) {
        if (deadlineTimer != null) {
            deadlineTimer.cancel(false);
            deadlineTimer = null;
        }
        for (HttpObject object; (object = held.poll()) != null; ) {
            ReferenceCountUtil.release(object);
        }
        if (current != null) {
            current.abort();
            current = null;
        }
        ctx.fireChannelInactive();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
        log.debug("HTTP client {}: {}", ctx.channel().remoteAddress(), cause.toString());
        ctx.close();
    }

    private static boolean idempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.PUT || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
    }

    /**
     * One request's journey through backends. Runs on the client channel's event loop throughout
     * (backend connections live on the same loop).
     */
    private final class Exchange implements BackendHttpHandler.Exchange {
        private final HttpRequest request;
        private final long startNanos = System.nanoTime();
        /** Large or chunked: sent while it arrives, never twice. Otherwise kept whole in {@link #body}. */
        private final boolean streamed;
        private final boolean head;
        private final boolean http10;
        boolean keepAlive;
        private RouteState route;
        private String stickyId;
        private boolean idempotent;
        /** The whole request body has arrived from the client. */
        boolean requestDone;
        private CompositeByteBuf body;
        private LastHttpContent trailer;
        /** Streamed mode: parts read before the backend connection was ready. */
        private ArrayDeque<HttpContent> waiting;
        private boolean requestHeadSent;
        private boolean requestSent;
        private boolean backendUnflushed;
        private boolean clientUnflushed;
        /** Answer of our own, sent once the request has been read (404/400 on small requests). */
        private FullHttpResponse localAnswer;
        boolean responseHeadSent;
        private int status;
        private boolean responseReusable;
        private List<BackendState> tried = List.of();
        private boolean retried;
        private BackendState backend;
        private BackendHttpHandler connection;
        private boolean over;

        Exchange(HttpRequest request, boolean keepAlive) {
            this.request = request;
            this.keepAlive = keepAlive;
            this.head = request.method() == HttpMethod.HEAD;
            this.http10 = request.protocolVersion() == HttpVersion.HTTP_1_0;
            this.streamed = HttpUtil.isTransferEncodingChunked(request) || contentLength(request) > MeshOptions.RETRY_BUFFER_BYTES;
        }

        void route(RouteState route) {
            this.route = route;
            this.idempotent = !streamed && idempotent(request.method());
            this.stickyId = route.route.balancing() == MeshRoute.Balancing.STICKY_COOKIE ? stickyCookie(request) : null;
            HttpHeaders headers = request.headers();
            ForwardedHeaders.removeHopByHop(headers);
            if (http2) {
                headers.remove("x-http2-stream-id");
                headers.remove("x-http2-scheme");
                headers.remove("x-http2-path");
            }
            ForwardedHeaders.setForwarded(headers, clientIp, forwardedNode, proto);
            if (streamed && !HttpUtil.isContentLengthSet(request)) {
                HttpUtil.setTransferEncodingChunked(request, true);
            }
            request.setProtocolVersion(HttpVersion.HTTP_1_1);
            if (streamed) {
                attempt(); // starts at once; the body follows as it arrives
            }
        }

        // ---- request side -------------------------------------------------------------------

        void onRequestContent(HttpContent content) {
            if (content.decoderResult().isFailure()) { // a broken chunk: the backend must not take the request as whole
                content.release();
                log.debug("HTTP client {}: malformed request body: {}", ctx.channel().remoteAddress(), content.decoderResult().cause().toString());
                ctx.close();
                return;
            }
            boolean last = content instanceof LastHttpContent;
            if (over || route == null || localAnswer != null && !streamed) {
                content.release(); // read and dropped: we answer without a backend
            } else if (streamed) {
                if (requestHeadSent) {
                    connection.channel().write(content, connection.channel().voidPromise());
                    backendUnflushed = true;
                } else {
                    if (waiting == null) {
                        waiting = new ArrayDeque<>(4);
                    }
                    waiting.add(content);
                }
            } else {
                keep(content);
            }
            if (!last) {
                updateAutoRead();
                return;
            }
            requestDone = true;
            if (over) {
                return;
            }
            if (localAnswer != null) {
                sendLocalAnswer();
            } else if (route == null) {
                // answered at the head, sent now that the request is read
            } else if (streamed) {
                if (requestHeadSent) {
                    requestSent();
                }
            } else {
                attempt();
            }
            updateAutoRead();
        }

        private void keep(HttpContent content) {
            ByteBuf bytes = content.content();
            if (content instanceof LastHttpContent last && !last.trailingHeaders().isEmpty()) {
                trailer = new DefaultLastHttpContent(Unpooled.EMPTY_BUFFER, last.trailingHeaders());
            }
            if (bytes.isReadable()) {
                if (body == null) {
                    body = ctx.alloc().compositeBuffer(16);
                }
                body.addComponent(true, bytes.retain());
            }
            content.release();
            if (body != null && body.readableBytes() > MeshOptions.RETRY_BUFFER_BYTES) { // more than its Content-Length said
                keepAlive = false;
                answerLocally(HttpResponseStatus.BAD_REQUEST, "request body longer than its Content-Length");
            }
        }

        /** Streamed requests read only while the backend takes their bytes; kept ones up to their (small) size. */
        boolean wantsRequestBytes() {
            if (requestDone || !streamed || over || localAnswer != null || route == null) {
                return true;
            }
            return requestHeadSent && connection != null && connection.channel().isWritable();
        }

        void flushBackend() {
            if (backendUnflushed && connection != null) {
                backendUnflushed = false;
                connection.channel().flush();
            }
        }

        private void requestSent() {
            requestSent = true;
            flushBackend();
            awaitResponseHeadersBy(System.nanoTime() + runtime.responseTimeoutNanos);
        }

        // ---- choosing and reaching a backend ------------------------------------------------

        void attempt() {
            BackendState chosen = tried.size() >= runtime.maxAttempts ? null : Balancer.pick(route, clientIp, stickyId, tried);
            if (chosen == null) {
                boolean none = tried.isEmpty();
                (none ? route.noBackend : route.exhausted).increment();
                answerLocally(none ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_GATEWAY,
                        none ? "no healthy backend for " + route.service()
                             : "no backend of " + route.service() + " answered (" + tried.size() + " tried)");
                return;
            }
            backend = chosen;
            chosen.outstanding.incrementAndGet();
            BackendHttpHandler pooled = runtime.pooled(chosen, ctx.channel().eventLoop());
            if (pooled != null) {
                send(pooled);
                return;
            }
            runtime.connect(chosen, ctx.channel().eventLoop()).addListener((ChannelFutureListener) connected -> {
                if (!connected.isSuccess()) {
                    chosen.outstanding.decrementAndGet();
                    chosen.recordFailure();
                    log.debug("{}: connect to {} failed: {}", route.service(), chosen, connected.cause().toString());
                    if (!over) {
                        triedAlso(chosen);
                        attempt();
                    }
                    return;
                }
                if (over || !ctx.channel().isActive()) { // the client left while we connected
                    chosen.outstanding.decrementAndGet();
                    chosen.release(connected.channel());
                    return;
                }
                send(BackendHttpHandler.of(connected.channel()));
            });
        }

        private void triedAlso(BackendState backend) {
            if (tried.isEmpty()) {
                tried = new ArrayList<>(2);
            }
            tried.add(backend);
        }

        private void send(BackendHttpHandler to) {
            connection = to;
            to.attach(this);
            Channel channel = to.channel();
            channel.write(request, channel.voidPromise());
            requestHeadSent = true;
            if (streamed) {
                if (waiting != null) {
                    for (HttpContent content; (content = waiting.poll()) != null; ) {
                        channel.write(content, channel.voidPromise());
                    }
                }
                backendUnflushed = true;
                if (requestDone) {
                    requestSent();
                } else {
                    flushBackend();
                    updateAutoRead();
                }
                return;
            }
            if (body != null) {
                HttpUtil.setContentLength(request, body.readableBytes());
                channel.write(trailer == null ? new DefaultLastHttpContent(body.retainedDuplicate())
                        : new DefaultLastHttpContent(body.retainedDuplicate(), trailer.trailingHeaders()), channel.voidPromise());
            } else {
                channel.write(trailer == null ? LastHttpContent.EMPTY_LAST_CONTENT : trailer, channel.voidPromise());
            }
            backendUnflushed = true;
            requestSent();
        }

        void timedOut() {
            if (over || responseHeadSent || connection == null) {
                return;
            }
            BackendState used = backend;
            used.outstanding.decrementAndGet();
            used.recordFailure();
            route.timeouts.increment();
            dropConnection();
            Duration limit = runtime.options.responseTimeout();
            log.debug("{}: {} sent no response headers within {}", route.service(), used, limit);
            answerLocally(HttpResponseStatus.GATEWAY_TIMEOUT, "backend of " + route.service() + " did not answer within " + limit);
        }

        private void cancelTimeout() {
            responseDeadline = 0;
        }

        /** Closes the backend connection mid-exchange (it cannot carry another request). */
        private void dropConnection() {
            if (connection != null) {
                connection.detach();
                connection.channel().close();
                connection = null;
            }
        }

        // ---- response side ------------------------------------------------------------------

        @Override
        public void onResponseHead(HttpResponse response) {
            cancelTimeout();
            status = response.status().code();
            if ((status == 502 || status == 503) && mayRetry()) {
                BackendState used = backend;
                used.outstanding.decrementAndGet();
                used.recordResponse(status, System.nanoTime() - startNanos);
                dropConnection(); // its body is not wanted, and a fresh connection costs less than reading it
                retried = true;
                route.retries.increment();
                triedAlso(used);
                requestHeadSent = false;
                attempt();
                return;
            }
            HttpHeaders headers = response.headers();
            boolean chunked = HttpUtil.isTransferEncodingChunked(response);
            responseReusable = HttpUtil.isKeepAlive(response);
            ForwardedHeaders.removeHopByHop(headers);
            BackendState used = backend;
            if (stickyId == null && route.route.balancing() == MeshRoute.Balancing.STICKY_COOKIE
                    || stickyId != null && !stickyId.equals(used.backend.id())) {
                headers.add(HttpHeaderNames.SET_COOKIE, STICKY_COOKIE + "=" + used.backend.id() + "; Path=/; HttpOnly");
            }
            if (!http2) {
                boolean bodyPossible = status >= 200 && status != 204 && status != 304;
                if (!http10 && (chunked || bodyPossible && !head && !headers.contains(HttpHeaderNames.CONTENT_LENGTH))) {
                    HttpUtil.setTransferEncodingChunked(response, true);
                }
                if (!keepAlive || !requestDone) {
                    headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
                    keepAlive = false;
                }
            }
            responseHeadSent = true;
            ctx.write(response, ctx.voidPromise());
            clientUnflushed = true;
        }

        @Override
        public void onResponseContent(HttpContent content) {
            if (over) {
                content.release();
                return;
            }
            if (content instanceof LastHttpContent) {
                responseEnded(content);
                return;
            }
            ctx.write(content, ctx.voidPromise());
            clientUnflushed = true;
            if (!ctx.channel().isWritable() && connection != null) {
                connection.channel().config().setAutoRead(false); // resumes in onClientWritabilityChanged
            }
        }

        @Override
        public void onResponseReadComplete() {
            if (clientUnflushed) {
                clientUnflushed = false;
                ctx.flush();
            }
        }

        void onClientWritabilityChanged(boolean writable) {
            if (writable && connection != null && !connection.channel().config().isAutoRead()) {
                connection.channel().config().setAutoRead(true);
            }
        }

        @Override
        public void onBackendWritabilityChanged(boolean writable) {
            updateAutoRead();
        }

        private void responseEnded(HttpContent last) {
            BackendState used = backend;
            used.outstanding.decrementAndGet();
            used.recordResponse(status, System.nanoTime() - startNanos);
            BackendHttpHandler done = connection;
            connection = null;
            done.detach();
            if (responseReusable && requestSent) {
                done.channel().config().setAutoRead(true);
                used.release(done.channel());
            } else {
                done.channel().close(); // half a request still to send, or the backend said close
            }
            end(last);
        }

        /** Writes the answer's last part, flushes, then the connection's next step: the next request, or closing. */
        private void end(Object last) {
            over = true;
            release();
            clientUnflushed = false;
            if (!keepAlive && !http2) {
                closing = true;
                ctx.writeAndFlush(last).addListener(ChannelFutureListener.CLOSE);
                return;
            }
            ctx.writeAndFlush(last, ctx.voidPromise());
            finished(this);
        }

        @Override
        public void onFailure(Throwable cause, boolean responseStarted) {
            cancelTimeout();
            BackendState used = backend;
            used.outstanding.decrementAndGet();
            used.recordFailure();
            if (connection != null) {
                connection.channel().close();
                connection = null;
            }
            log.debug("{}: {} failed mid-request: {}", route.service(), used, cause.toString());
            if (over) {
                return;
            }
            if (responseHeadSent) { // the client has part of an answer: all we can do is cut it off
                over = true;
                release();
                ctx.close();
                return;
            }
            if (!responseStarted && mayRetry()) {
                retried = true;
                route.retries.increment();
                triedAlso(used);
                requestHeadSent = false;
                attempt();
                return;
            }
            route.exhausted.increment();
            answerLocally(HttpResponseStatus.BAD_GATEWAY, "backend of " + route.service() + " failed: " + cause.getMessage());
        }

        private boolean mayRetry() {
            return idempotent && !retried && runtime.retryIdempotent && ctx.channel().isActive();
        }

        // ---- answers of our own -------------------------------------------------------------

        /**
         * A small answer of the mesh's own. Sent once the request has been read; a streamed
         * request still arriving is not waited for: the answer goes now and the connection closes.
         */
        void answerLocally(HttpResponseStatus status, String text) {
            if (over) {
                return;
            }
            ByteBuf content = ByteBufUtil.writeUtf8(ctx.alloc(), text + "\n");
            FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
            response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
            HttpUtil.setContentLength(response, content.readableBytes());
            if (localAnswer != null) {
                localAnswer.release();
            }
            localAnswer = response;
            if (requestDone) {
                sendLocalAnswer();
            } else if (streamed) {
                keepAlive = false;
                sendLocalAnswer();
            }
            updateAutoRead();
        }

        private void sendLocalAnswer() {
            FullHttpResponse response = localAnswer;
            localAnswer = null;
            if (!keepAlive && !http2) {
                response.headers().set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
            }
            responseHeadSent = true;
            end(response);
        }

        // ---- the end ------------------------------------------------------------------------

        /** The client went away: let go of everything, and of a backend connection mid-answer. */
        void abort() {
            cancelTimeout();
            if (connection != null) {
                backend.outstanding.decrementAndGet();
                dropConnection();
            }
            over = true;
            release();
        }

        private void release() {
            cancelTimeout();
            if (body != null) {
                body.release();
                body = null;
            }
            if (waiting != null) {
                for (HttpContent content; (content = waiting.poll()) != null; ) {
                    content.release();
                }
            }
            if (localAnswer != null) {
                localAnswer.release();
                localAnswer = null;
            }
        }
    }

    private static long contentLength(HttpRequest request) {
        try {
            return HttpUtil.getContentLength(request, 0L);
        } catch (NumberFormatException e) {
            return 0; // the decoder has already marked the request as malformed
        }
    }

    private static String stickyCookie(HttpRequest request) {
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (var cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (cookie.name().equals(STICKY_COOKIE)) {
                    return cookie.value();
                }
            }
        }
        return null;
    }
}
