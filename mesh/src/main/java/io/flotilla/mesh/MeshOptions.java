package io.flotilla.mesh;

import java.time.Duration;
import java.util.Objects;

/**
 * Node-wide tuning of the mesh.
 *
 * @param ioThreads          event loops; 0 means one per core
 * @param connectTimeout     how long a backend connect may take before the next backend is tried
 * @param drainTimeout       how long a removed listener or backend keeps serving its in-flight requests
 * @param ejectAfterFailures consecutive connect failures or 5xx answers after which a backend is ejected
 * @param ejectFor           how long an ejected backend gets no new requests
 * @param retryIdempotent    retry a GET/HEAD/OPTIONS/PUT/DELETE once on another backend after a 502/503 or a reset before any response byte
 *                           (only requests whose body is small enough to keep, see {@link #RETRY_BUFFER_BYTES})
 * @param responseTimeout    how long a backend may take, after the whole request reached it, to send its response
 *                           headers; then the client gets 504 and the backend a failure mark
 * @param idleTimeout        how long an HTTP connection (a client's, or a pooled one to a backend) may carry no byte
 *                           before the mesh closes it; a request waiting for its response headers is governed by
 *                           {@code responseTimeout} instead. TCP (L4) connections have no idle limit: TCP keep-alive
 *                           probes find dead peers there, so that quiet database sessions live on
 * @param requestHeadTimeout how long an HTTP/1.x client has for a whole request head, counted from the accept (TLS
 *                           handshake included) or from the end of the previous response; h2 for its first stream's
 *                           headers. Then the connection closes (after a 408 when part of a head came): a client
 *                           trickling header lines holds no connection for longer, while traffic resets the idle
 *                           timeout. A request whose head arrived is not cut: its body and answer have the other limits
 * @param maxConnections     open client connections per listener (HTTP or TCP); one more is closed at once
 */
public record MeshOptions(int ioThreads, Duration connectTimeout, Duration drainTimeout,
                          int ejectAfterFailures, Duration ejectFor, boolean retryIdempotent,
                          Duration responseTimeout, Duration idleTimeout,
                          Duration requestHeadTimeout, int maxConnections) {
    /**
     * Largest request body kept in memory so that the request can be sent again elsewhere; a larger
     * (or chunked) body streams through and its request is not retried once its bytes went out.
     */
    public static final int RETRY_BUFFER_BYTES = 64 * 1024;

    public MeshOptions {
        if (ioThreads < 0) {
            throw new IllegalArgumentException("ioThreads must not be negative: " + ioThreads);
        }
        positive(connectTimeout, "connectTimeout");
        Objects.requireNonNull(drainTimeout, "drainTimeout");
        if (drainTimeout.isNegative()) {
            throw new IllegalArgumentException("drainTimeout must not be negative");
        }
        if (ejectAfterFailures < 1) {
            throw new IllegalArgumentException("ejectAfterFailures must be at least 1: " + ejectAfterFailures);
        }
        positive(ejectFor, "ejectFor");
        positive(responseTimeout, "responseTimeout");
        positive(idleTimeout, "idleTimeout");
        positive(requestHeadTimeout, "requestHeadTimeout");
        if (maxConnections < 1) {
            throw new IllegalArgumentException("maxConnections must be at least 1: " + maxConnections);
        }
    }

    /**
     * One loop per core, 1 s connect, 30 s drain, eject after 5 failures for 10 s, retries on, 60 s for
     * response headers (HAProxy's and nginx's usual), 60 s idle, 10 s for a request head (a real client
     * sends its head in one write; 10 s leaves room for a slow link and a TLS handshake) and 10,000
     * connections per listener (each holds a descriptor and buffers; the cap keeps one flooded port
     * from taking the node's descriptors from the others).
     */
    public static MeshOptions defaults() {
        return new MeshOptions(0, Duration.ofSeconds(1), Duration.ofSeconds(30), 5, Duration.ofSeconds(10), true,
                Duration.ofSeconds(60), Duration.ofSeconds(60), Duration.ofSeconds(10), 10_000);
    }

    public MeshOptions withIoThreads(int ioThreads) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withConnectTimeout(Duration connectTimeout) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withDrainTimeout(Duration drainTimeout) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withEjection(int ejectAfterFailures, Duration ejectFor) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withRetryIdempotent(boolean retryIdempotent) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withResponseTimeout(Duration responseTimeout) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withIdleTimeout(Duration idleTimeout) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withRequestHeadTimeout(Duration requestHeadTimeout) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    public MeshOptions withMaxConnections(int maxConnections) {
        return new MeshOptions(ioThreads, connectTimeout, drainTimeout, ejectAfterFailures, ejectFor, retryIdempotent,
                responseTimeout, idleTimeout, requestHeadTimeout, maxConnections);
    }

    private static void positive(Duration value, String name) {
        Objects.requireNonNull(value, name);
        if (value.isNegative() || value.isZero()) {
            throw new IllegalArgumentException(name + " must be positive: " + value);
        }
    }
}
