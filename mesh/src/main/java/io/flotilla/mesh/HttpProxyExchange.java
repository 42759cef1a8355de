package io.flotilla.mesh;

import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.LastHttpContent;
import java.time.Duration;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * One request's journey through backends, for the client connection ({@link HttpProxyHandler})
 * that read it. Runs on the client channel's event loop throughout (backend connections live on
 * the same loop).
 *
 * <p>Bodies stream. A request body up to {@link MeshOptions#RETRY_BUFFER_BYTES} is kept until the
 * request is complete, so the request can be sent again; a larger or chunked one goes out as it
 * arrives and is never sent twice ({@link ProxiedRequest}). The response is passed on as it
 * arrives; the retry decision (502/503 from the backend) is taken on its status line, before any
 * byte reaches the client; a small response that may still be retried is kept whole until its
 * end ({@link HeldResponse}). Back-pressure both ways: a side that cannot take more stops the other
 * side's reading.
 *
 * <p>Nothing lost: a connect failure moves on to another backend (no request byte was sent); an
 * idempotent request with a kept body is sent once more, elsewhere, after a 502/503, a reset
 * before any response byte, or the loss of a held response ({@link BackendChoice}); a request whose
 * backends left all refused waits for a newer table ({@link RouteRefresh}). Answers of our own:
 * 503 no backend, 502 all attempts failed, 504 no response headers within the response timeout,
 * 400 a body longer than its Content-Length.
 */
final class HttpProxyExchange implements BackendHttpHandler.Exchange {
    /** The connection's trace is one category: what an exchange logs reads as the proxy handler's. */
    private static final Logger log = LoggerFactory.getLogger(HttpProxyHandler.class);
    /** A 502 is logged at most once a second: a service down answers every request so. */
    private static final LogLimit BAD_GATEWAY_LOG = new LogLimit(1_000_000_000L);

    private final HttpProxyHandler client;
    private final ChannelHandlerContext ctx;
    private final MeshRuntime runtime;
    private final boolean http2;
    private final ProxiedRequest request;
    private final long startNanos = System.nanoTime();
    private final boolean head;
    private final boolean http10;
    boolean keepAlive;
    private RouteState route;
    private BackendChoice choice;
    /** Matches the request again in the listener's table of the moment; {@link #refresh} made from it only when needed. */
    private Supplier<RouteState> lookup;
    private RouteRefresh refresh;
    /** The whole request body has arrived from the client. */
    boolean requestDone;
    private boolean requestSent;
    private boolean clientUnflushed;
    /** Answer of our own, sent once the request has been read (404/400 on small requests). */
    private FullHttpResponse localAnswer;
    boolean responseHeadSent;
    private int status;
    private boolean responseReusable;
    private BackendState backend;
    private BackendHttpHandler connection;
    private boolean over;
    /** The backend's response, kept until its end before the client sees any of it; null: it streams. */
    private HeldResponse held;
    /** The backend connection in use came from the pool (it carried an earlier request). */
    private boolean reused;

    HttpProxyExchange(HttpProxyHandler client, ChannelHandlerContext ctx, MeshRuntime runtime, boolean http2,
            HttpRequest request, boolean keepAlive) {
        this.client = client;
        this.ctx = ctx;
        this.runtime = runtime;
        this.http2 = http2;
        this.request = new ProxiedRequest(request);
        this.keepAlive = keepAlive;
        this.head = request.method() == HttpMethod.HEAD;
        this.http10 = request.protocolVersion() == HttpVersion.HTTP_1_0;
    }

    /**
     * The request goes to {@code route}, from the client at {@code clientIp} ({@code forwardedNode} as
     * Forwarded names it); {@code lookup} matches it again in the listener's table of the moment.
     */
    void route(RouteState route, Supplier<RouteState> lookup, String clientIp, String forwardedNode, String proto) {
        this.route = route;
        this.lookup = lookup;
        String stickyId = route.route.balancing() == MeshRoute.Balancing.STICKY_COOKIE ? ProxyMessages.stickyCookie(request.head) : null;
        boolean idempotent = !request.streamed && ProxyMessages.idempotent(request.head.method());
        this.choice = new BackendChoice(route, clientIp, stickyId, idempotent, runtime);
        ProxyMessages.requestForBackend(request.head, http2, request.streamed, clientIp, forwardedNode, proto);
        if (request.streamed) {
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
        if (over || route == null || localAnswer != null && !request.streamed) {
            content.release(); // read and dropped: we answer without a backend
        } else if (!request.take(content, connection, ctx.alloc())) { // more than its Content-Length said
            keepAlive = false;
            answerLocally(HttpResponseStatus.BAD_REQUEST, "request body longer than its Content-Length");
        }
        if (!last) {
            client.updateAutoRead();
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
        } else if (request.streamed) {
            if (request.headSent()) {
                requestSent();
            }
        } else {
            attempt();
        }
        client.updateAutoRead();
    }

    /** Streamed requests read only while the backend takes their bytes; kept ones up to their (small) size. */
    boolean wantsRequestBytes() {
        if (requestDone || !request.streamed || over || localAnswer != null || route == null) {
            return true;
        }
        return request.headSent() && connection != null && connection.channel().isWritable();
    }

    void flushBackend() {
        request.flush(connection);
    }

    private void requestSent() {
        requestSent = true;
        flushBackend();
        client.awaitResponseHeadersBy(System.nanoTime() + runtime.responseTimeoutNanos);
    }

    // ---- choosing and reaching a backend ------------------------------------------------

    void attempt() {
        BackendState chosen = choice.next();
        if (chosen == null) {
            if (choice.outOfBackends() && refresh().await(route, ctx.executor(), () -> over, this::rerouted)) {
                log.debug("{}: every backend left refused; waiting for a newer table", route.service());
                return;
            }
            boolean none = choice.triedCount() == 0;
            (none ? route.noBackend : route.exhausted).increment();
            if (!none && BAD_GATEWAY_LOG.tryAcquire()) {
                log.warn("{}: answering 502: no backend answered, tried {} (of {} in its route)", route.service(),
                        choice.tried(), route.backends.length);
            }
            answerLocally(none ? HttpResponseStatus.SERVICE_UNAVAILABLE : HttpResponseStatus.BAD_GATEWAY,
                    none ? "no healthy backend for " + route.service()
                         : "no backend of " + route.service() + " answered (" + choice.triedCount() + " tried)");
            return;
        }
        backend = chosen;
        chosen.outstanding.incrementAndGet();
        BackendHttpHandler pooled = runtime.pooled(chosen, ctx.channel().eventLoop());
        reused = pooled != null;
        if (reused) {
            send(pooled);
            return;
        }
        runtime.connect(chosen, ctx.channel().eventLoop()).addListener((ChannelFutureListener) connected -> {
            if (!connected.isSuccess()) {
                chosen.outstanding.decrementAndGet();
                chosen.recordFailure();
                log.debug("{}: connect to {} failed: {}", route.service(), chosen, connected.cause().toString());
                if (!over) {
                    choice.unreachable(chosen);
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

    /** Made on a request's first wait: most requests never need one (no allocation on the hot path). */
    private RouteRefresh refresh() {
        if (refresh == null) {
            refresh = new RouteRefresh(lookup, runtime.currentCatchUp);
        }
        return refresh;
    }

    /** After {@link RouteRefresh}'s wait: the newer route if one came, with every backend untried. */
    private void rerouted(RouteState now) {
        if (now != null && now != route) {
            route = now;
            choice.reroute(now);
        }
        attempt();
    }

    private void send(BackendHttpHandler to) {
        connection = to;
        to.attach(this);
        request.sendTo(to.channel());
        if (!request.streamed || requestDone) {
            requestSent();
        } else {
            flushBackend();
            client.updateAutoRead();
        }
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
        client.awaitNoResponseHeaders();
        status = response.status().code();
        if ((status == 502 || status == 503) && mayRetry()) {
            BackendState used = backend;
            used.outstanding.decrementAndGet();
            used.recordResponse(status, System.nanoTime() - startNanos);
            dropConnection(); // its body is not wanted, and a fresh connection costs less than reading it
            choice.retrying(used);
            request.resend();
            attempt();
            return;
        }
        held = HeldResponse.of(response, mayRetry());
        if (held == null) {
            forwardHead(response);
        }
    }

    private void forwardHead(HttpResponse response) {
        boolean chunked = HttpUtil.isTransferEncodingChunked(response);
        responseReusable = HttpUtil.isKeepAlive(response);
        ProxyMessages.responseForClient(response, choice.setsCookie(backend) ? backend.backend.id() : null);
        if (!http2) {
            keepAlive = ProxyMessages.responseForHttp1(response, chunked, http10, head, keepAlive && requestDone);
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
        if (held != null) {
            if (!(content instanceof LastHttpContent)) {
                held.add(content);
                return;
            }
            HeldResponse whole = held;
            held = null;
            forwardHead(whole.head);
            whole.parts.forEach(part -> ctx.write(part, ctx.voidPromise()));
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
        client.updateAutoRead();
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

    /** The answer's last part: the client connection writes it, then takes its next step. */
    private void end(Object last) {
        over = true;
        release();
        clientUnflushed = false;
        client.answered(this, last, keepAlive);
    }

    @Override
    public void onFailure(Throwable cause, boolean responseStarted) {
        client.awaitNoResponseHeaders();
        BackendState used = backend;
        used.outstanding.decrementAndGet();
        used.recordFailure();
        dropConnection();
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
        boolean heldBack = held != null;
        releaseHeld();
        if (!responseStarted && reused && ctx.channel().isActive() && choice.staleConnection(used)) {
            request.resend();
            attempt();
            return;
        }
        if ((!responseStarted || heldBack) && mayRetry()) {
            choice.retrying(used);
            request.resend();
            attempt();
            return;
        }
        route.exhausted.increment();
        answerLocally(HttpResponseStatus.BAD_GATEWAY, "backend of " + route.service() + " failed: " + cause.getMessage());
    }

    private boolean mayRetry() {
        return choice.mayRetry() && ctx.channel().isActive();
    }

    private void releaseHeld() {
        if (held != null) {
            held.release();
            held = null;
        }
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
        FullHttpResponse response = ProxyMessages.localAnswer(ctx.alloc(), status, text);
        if (localAnswer != null) {
            localAnswer.release();
        }
        localAnswer = response;
        if (requestDone) {
            sendLocalAnswer();
        } else if (request.streamed) {
            keepAlive = false;
            sendLocalAnswer();
        }
        client.updateAutoRead();
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
        client.awaitNoResponseHeaders();
        if (connection != null) {
            backend.outstanding.decrementAndGet();
            dropConnection();
        }
        over = true;
        release();
    }

    private void release() {
        client.awaitNoResponseHeaders();
        releaseHeld();
        request.release();
        if (localAnswer != null) {
            localAnswer.release();
            localAnswer = null;
        }
    }
}
