package io.flotilla.mesh;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufUtil;
import io.netty.handler.codec.http.DefaultFullHttpResponse;
import io.netty.handler.codec.http.FullHttpResponse;
import io.netty.handler.codec.http.HttpHeaderNames;
import io.netty.handler.codec.http.HttpHeaderValues;
import io.netty.handler.codec.http.HttpHeaders;
import io.netty.handler.codec.http.HttpMethod;
import io.netty.handler.codec.http.HttpRequest;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpResponseStatus;
import io.netty.handler.codec.http.HttpUtil;
import io.netty.handler.codec.http.HttpVersion;
import io.netty.handler.codec.http.cookie.ServerCookieDecoder;

/**
 * What the L7 proxy reads from and changes in the heads it passes on, and the small answers it
 * writes itself: a request head made fit for a backend (HTTP/1.1, hop-by-hop headers dropped, the
 * client's address set by {@link ForwardedHeaders}), a response head made fit for the client's
 * HTTP/1.x connection, the sticky cookie both ways. No state: {@link HttpProxyExchange} decides.
 */
final class ProxyMessages {
    static final String STICKY_COOKIE = "flotilla_sticky";

    private ProxyMessages() {}

    /** Rewrites a request head for the backend; a streamed one without a length goes chunked. */
    static void requestForBackend(HttpRequest request, boolean http2, boolean streamed, String clientIp, String forwardedNode,
            String proto) {
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
    }

    /** Rewrites a backend's response head for the client: hop-by-hop headers dropped, the sticky cookie set when {@code cookieFor} names a backend. */
    static void responseForClient(HttpResponse response, String cookieFor) {
        ForwardedHeaders.removeHopByHop(response.headers());
        if (cookieFor != null) {
            response.headers().add(HttpHeaderNames.SET_COOKIE, STICKY_COOKIE + "=" + cookieFor + "; Path=/; HttpOnly");
        }
    }

    /**
     * Rewrites a backend's response head for an HTTP/1.x client: chunked when the body's end
     * cannot be told otherwise (HTTP/1.1), and {@code Connection: close} unless the connection
     * stays open. Returns whether it does.
     */
    static boolean responseForHttp1(HttpResponse response, boolean chunked, boolean http10, boolean headRequest,
            boolean keepAlive) {
        HttpHeaders headers = response.headers();
        int status = response.status().code();
        boolean bodyPossible = status >= 200 && status != 204 && status != 304;
        if (!http10 && (chunked || bodyPossible && !headRequest && !headers.contains(HttpHeaderNames.CONTENT_LENGTH))) {
            HttpUtil.setTransferEncodingChunked(response, true);
        }
        if (!keepAlive) {
            headers.set(HttpHeaderNames.CONNECTION, HttpHeaderValues.CLOSE);
        }
        return keepAlive;
    }

    /** A small plain-text answer of the mesh's own. */
    static FullHttpResponse localAnswer(ByteBufAllocator alloc, HttpResponseStatus status, String text) {
        ByteBuf content = ByteBufUtil.writeUtf8(alloc, text + "\n");
        FullHttpResponse response = new DefaultFullHttpResponse(HttpVersion.HTTP_1_1, status, content);
        response.headers().set(HttpHeaderNames.CONTENT_TYPE, "text/plain; charset=utf-8");
        HttpUtil.setContentLength(response, content.readableBytes());
        return response;
    }

    /** The backend id the request's sticky cookie names, or null. */
    static String stickyCookie(HttpRequest request) {
        for (String header : request.headers().getAll(HttpHeaderNames.COOKIE)) {
            for (var cookie : ServerCookieDecoder.LAX.decodeAll(header)) {
                if (cookie.name().equals(STICKY_COOKIE)) {
                    return cookie.value();
                }
            }
        }
        return null;
    }

    static boolean idempotent(HttpMethod method) {
        return method == HttpMethod.GET || method == HttpMethod.HEAD || method == HttpMethod.OPTIONS
                || method == HttpMethod.PUT || method == HttpMethod.DELETE || method == HttpMethod.TRACE;
    }

    static long contentLength(HttpRequest request) {
        try {
            return HttpUtil.getContentLength(request, 0L);
        } catch (NumberFormatException e) {
            return 0; // the decoder has already marked the request as malformed
        }
    }
}
