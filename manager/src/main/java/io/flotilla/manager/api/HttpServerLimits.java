package io.flotilla.manager.api;

import java.time.Duration;

/**
 * The API server's limits ({@link ApiTransport}: request arrival time, idle time, connection cap),
 * and the same for the JDK HTTP server a node still runs for its mesh metrics, as system
 * properties ({@link #apply}): the JDK reads them once per process, when its first server starts.
 */
public final class HttpServerLimits {
    /** How long a request's head and body may take to arrive. */
    static final Duration REQUEST_ARRIVAL = Duration.ofSeconds(15);
    /** Connections open at once, at most. */
    static final int MAX_CONNECTIONS = 16_384;
    /** How long a connection may wait for its next request (the JDK server's default idle interval). */
    static final Duration IDLE = Duration.ofSeconds(30);
    /** The API's I/O threads (TLS and HTTP framing; the endpoints run on virtual threads). */
    static final int EVENT_LOOPS = Math.max(1, Runtime.getRuntime().availableProcessors());

    private HttpServerLimits() {}

    /**
     * The limits one {@link ApiTransport} applies: {@link #DEFAULT} in a manager; tests shorten the
     * times and lower the cap so that a limit shows within seconds and a few sockets.
     *
     * @param requestArrival how long a request (on h2: the handshake up to the first stream, then
     *                       each frame and header block; each stream's body) may take to arrive
     * @param idle           how long a connection may wait for its next request
     * @param maxConnections connections open at once, at most
     */
    record Transport(Duration requestArrival, Duration idle, int maxConnections) {
        static final Transport DEFAULT = new Transport(REQUEST_ARRIVAL, IDLE, MAX_CONNECTIONS);
    }

    /**
     * Sets the limits for the JDK HTTP servers of this process (a node's mesh metrics), unless the
     * operator set them. Idempotent.
     */
    public static void apply() {
        // Streams (discovery watches, logs) write small chunks that must leave at once: without
        // TCP_NODELAY, Nagle's algorithm and delayed ACKs hold each one back by up to 40 ms.
        if (System.getProperty("sun.net.httpserver.nodelay") == null) {
            System.setProperty("sun.net.httpserver.nodelay", "true");
        }
        // A client that trickles a request's head or body (slowloris) held a connection and a
        // thread for as long as it liked: the request must arrive whole within this many seconds
        // (head and body; a long poll or a log stream starts its wait once its head is read).
        if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
            System.setProperty("sun.net.httpserver.maxReqTime", Long.toString(REQUEST_ARRIVAL.toSeconds()));
        }
        // One connection per agent long poll: 10,000 workers stay well under this; beyond it the
        // server accepts and closes, instead of running out of file descriptors.
        if (System.getProperty("jdk.httpserver.maxConnections") == null) {
            System.setProperty("jdk.httpserver.maxConnections", Integer.toString(MAX_CONNECTIONS));
        }
    }
}
