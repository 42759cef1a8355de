package io.flotilla.mesh;

import io.netty.handler.codec.http.HttpContent;
import io.netty.handler.codec.http.HttpResponse;
import io.netty.handler.codec.http.HttpUtil;
import java.util.ArrayList;
import java.util.List;

/**
 * A small response kept whole before any byte of it goes to the client, so that a backend that
 * dies after its headers (a host killed between two writes) costs a retry elsewhere, not a
 * response cut off mid-body. Only for a request that may still be retried (idempotent, a kept
 * body, no retry spent) and a response whose Content-Length says it is at most {@link #MAX_BYTES}:
 * a chunked, close-delimited or larger one streams as before, and a streaming proxy cannot hide
 * its loss (HAProxy and Envoy retry only before the first response byte reaches the client). A
 * small response usually arrives in one read, so keeping it costs a list, not a wait.
 */
final class HeldResponse {
    /** Largest Content-Length held back whole. */
    static final int MAX_BYTES = 16 * 1024;

    final HttpResponse head;
    final List<HttpContent> parts = new ArrayList<>(2);

    private HeldResponse(HttpResponse head) {
        this.head = head;
    }

    /** A holder for {@code head}'s response, or null when it streams (see the class comment). */
    static HeldResponse of(HttpResponse head, boolean mayRetry) {
        if (!mayRetry || HttpUtil.isTransferEncodingChunked(head)) {
            return null;
        }
        long length = HttpUtil.getContentLength(head, -1L);
        return length >= 0 && length <= MAX_BYTES ? new HeldResponse(head) : null;
    }

    /** A body piece, kept (ownership passes here). */
    void add(HttpContent content) {
        parts.add(content);
    }

    /** Lets go of the kept pieces (the response is not wanted: the request goes elsewhere). */
    void release() {
        parts.forEach(HttpContent::release);
        parts.clear();
    }
}
