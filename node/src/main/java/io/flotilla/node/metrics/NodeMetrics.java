package io.flotilla.node.metrics;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * The one meter registry of a node process, shared by every part it runs — the mesh, the manager
 * role while it runs, the agent, DNS — and served as Prometheus text at {@code GET /metrics} on
 * the node's {@code --metrics} address. Only this class knows Prometheus: the parts below the
 * node are handed a plain {@link MeterRegistry} (micrometer-core), so they record the same way
 * under a test's simple registry. The names and labels are docs/metrics.md's.
 */
public final class NodeMetrics implements AutoCloseable {
    private final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    private HttpServer server;

    /** The registry every part of the node registers its meters in. */
    public MeterRegistry registry() {
        return registry;
    }

    /** Every meter now, in the Prometheus text format. */
    public String scrape() {
        return registry.scrape();
    }

    /**
     * Serves {@code GET /metrics} on {@code bind} (port 0: any free one); returns the bound address.
     * Throws if the address is taken, or when already served.
     */
    public synchronized InetSocketAddress serve(InetSocketAddress bind) throws IOException {
        if (server != null) {
            throw new IllegalStateException("metrics are served already on " + server.getAddress());
        }
        // the JDK reads its HTTP server limits once, at its first server: the node's API's, not these defaults
        io.flotilla.manager.api.HttpServerLimits.apply();
        HttpServer created;
        try {
            created = HttpServer.create(bind, 16);
        } catch (IOException e) {
            throw new IOException("cannot serve metrics on " + bind.getHostString() + ":" + bind.getPort() + ": "
                    + e.getMessage(), e);
        }
        created.createContext("/metrics", exchange -> {
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
                out.write(body);
            }
        });
        created.setExecutor(null);
        created.start();
        server = created;
        return created.getAddress();
    }

    /** Where {@code GET /metrics} answers; null when not served. */
    public synchronized InetSocketAddress address() {
        return server == null ? null : server.getAddress();
    }

    @Override
    public synchronized void close() {
        if (server != null) {
            server.stop(0);
            server = null;
        }
        registry.close();
    }
}
