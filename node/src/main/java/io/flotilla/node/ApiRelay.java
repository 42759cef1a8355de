package io.flotilla.node;

import io.flotilla.model.Json;
import io.flotilla.model.api.ApiError;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import javax.net.ssl.SSLSocket;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The API on a node that runs no manager (a worker): each connection is passed, byte for byte,
 * to a manager's API, so {@code flotilla -H WORKER ...} reads and writes as against a manager; the
 * manager commits a write through the Raft leader wherever it lands, as for any request.
 *
 * <p>Why a TCP relay and not an HTTP proxy: the API is mutual TLS and a manager authorizes each
 * request by the caller's certificate (admin, manager, worker). Relayed as bytes, the TLS session
 * runs from the caller to the manager: the manager sees the admin's certificate, and this node —
 * a worker, which may not change the cluster — neither reads the traffic nor lends its own
 * identity to it. (The caller therefore sees the manager's certificate, not this node's.)
 *
 * <p>Which manager: the one reached last, else the others the node's agent knows (a list that
 * follows the cluster's managers); a manager that refuses the connection or does not accept it
 * within {@link #CONNECT_TIMEOUT} is skipped. When none can be reached the relay answers the
 * request itself: HTTP 503 {@code unavailable} naming the managers it tried, over TLS with this
 * node's own certificate when the API is TLS.
 */
public final class ApiRelay implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiRelay.class);
    static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    /** How long the relay waits for the request it answers itself (no manager reachable). */
    private static final Duration REQUEST_READ_TIMEOUT = Duration.ofSeconds(5);

    private final ServerSocket server;
    private final Supplier<List<String>> managers;
    private final SSLContext tls;
    private final Thread acceptor;
    private volatile String preferred;
    private volatile boolean closed;

    private ApiRelay(ServerSocket server, Supplier<List<String>> managers, SSLContext tls) {
        this.server = server;
        this.managers = managers;
        this.tls = tls;
        this.acceptor = Thread.ofPlatform().daemon().name("api-relay " + server.getLocalSocketAddress())
                .unstarted(this::acceptLoop);
    }

    /**
     * Serves the relay on {@code bind}. {@code managers} gives the managers' API addresses
     * ({@code host:port}) at each connection; {@code tls} is this node's context, used only to
     * answer 503 itself (null: the API is plain HTTP). Fails if the address is taken.
     */
    public static ApiRelay start(InetSocketAddress bind, Supplier<List<String>> managers, SSLContext tls)
            throws IOException {
        Objects.requireNonNull(managers, "managers");
        ServerSocket server = new ServerSocket();
        try {
            server.setReuseAddress(true);
            server.bind(bind, 128);
        } catch (IOException e) {
            server.close();
            throw new IOException("cannot serve the API on " + bind + ": " + e.getMessage(), e);
        }
        ApiRelay relay = new ApiRelay(server, managers, tls);
        relay.acceptor.start();
        LOG.info("API on {} (relayed to the managers)", relay.address());
        return relay;
    }

    /** The bound address. */
    public InetSocketAddress address() {
        return (InetSocketAddress) server.getLocalSocketAddress();
    }

    private void acceptLoop() {
        while (!closed) {
            try {
                Socket client = server.accept();
                Thread.ofVirtual().name("api-relay-connection").start(() -> serve(client));
            } catch (IOException e) {
                if (!closed) {
                    LOG.warn("API relay: accept failed: {}", e.toString());
                }
            }
        }
    }

    private void serve(Socket client) {
        List<String> tried = new ArrayList<>();
        String lastError = null;
        for (String manager : order()) {
            tried.add(manager);
            Socket upstream = new Socket();
            try {
                upstream.connect(NodeAddresses.parseAddress(manager, io.flotilla.client.ApiClient.DEFAULT_PORT),
                        (int) CONNECT_TIMEOUT.toMillis());
            } catch (IOException | IllegalArgumentException e) {
                lastError = manager + ": " + (e.getMessage() == null ? e.getClass().getSimpleName() : e.getMessage());
                closeQuietly(upstream);
                continue;
            }
            preferred = manager;
            pipe(client, upstream);
            return;
        }
        String message = tried.isEmpty() ? "this node runs no manager and knows none to pass the request to"
                : "no manager reachable from this node (tried " + String.join(", ", tried) + "; last: " + lastError
                + "); tasks keep running, retry when a manager is back";
        refuse(client, message);
    }

    /** The manager reached last first, then the others in the agent's order. */
    private List<String> order() {
        List<String> known = managers.get();
        List<String> order = new ArrayList<>(known.size());
        String first = preferred;
        if (first != null && known.contains(first)) {
            order.add(first);
        }
        known.stream().filter(m -> !m.equals(first)).forEach(order::add);
        return order;
    }

    /** Copies both ways until both sides are done; a half-close is passed on as one. */
    private static void pipe(Socket client, Socket upstream) {
        try {
            client.setTcpNoDelay(true);
            upstream.setTcpNoDelay(true);
        } catch (IOException e) {
            // only latency
        }
        Thread back = Thread.ofVirtual().name("api-relay-back").start(() -> copy(upstream, client));
        copy(client, upstream);
        try {
            back.join();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        closeQuietly(client);
        closeQuietly(upstream);
    }

    private static void copy(Socket from, Socket to) {
        byte[] buffer = new byte[16 * 1024];
        try (InputStream in = from.getInputStream()) {
            OutputStream out = to.getOutputStream();
            int n;
            while ((n = in.read(buffer)) >= 0) {
                out.write(buffer, 0, n);
                out.flush();
            }
            to.shutdownOutput();
        } catch (IOException e) {
            // one side went away: end both
            closeQuietly(from);
            closeQuietly(to);
        }
    }

    /** Answers the request on {@code client} with 503 (over TLS with this node's certificate if the API is TLS). */
    private void refuse(Socket client, String message) {
        try (Socket socket = tls == null ? client
                : tls.getSocketFactory().createSocket(client, null, client.getPort(), true)) {
            if (socket instanceof SSLSocket ssl) {
                ssl.setUseClientMode(false);
                ssl.setWantClientAuth(true);
            }
            socket.setSoTimeout((int) REQUEST_READ_TIMEOUT.toMillis());
            readRequestHead(socket.getInputStream());
            byte[] body = Json.writeBytes(new ApiError("unavailable", message));
            String head = "HTTP/1.1 503 Service Unavailable\r\nContent-Type: application/json\r\nContent-Length: "
                    + body.length + "\r\nConnection: close\r\n\r\n";
            OutputStream out = socket.getOutputStream();
            out.write(head.getBytes(StandardCharsets.US_ASCII));
            out.write(body);
            out.flush();
        } catch (SocketTimeoutException e) {
            LOG.debug("API relay: no request to answer 503 to");
        } catch (IOException e) {
            LOG.debug("API relay: answering 503 failed: {}", e.toString());
        }
    }

    /** Reads up to the blank line ending the request head (the body, if any, is not needed for a 503). */
    private static void readRequestHead(InputStream in) throws IOException {
        int matched = 0;
        int read = 0;
        byte[] end = {'\r', '\n', '\r', '\n'};
        int b;
        while (matched < end.length && read < 64 * 1024 && (b = in.read()) >= 0) {
            read++;
            matched = b == end[matched] ? matched + 1 : (b == '\r' ? 1 : 0);
        }
    }

    private static void closeQuietly(Socket socket) {
        try {
            socket.close();
        } catch (IOException e) {
            // closing anyway
        }
    }

    /** Stops accepting; connections being relayed are left to end. */
    @Override
    public void close() {
        closed = true;
        try {
            server.close();
        } catch (IOException e) {
            LOG.debug("closing the API relay: {}", e.toString());
        }
        acceptor.interrupt();
    }
}
