package io.flotilla.discovery.client;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.function.Consumer;

/**
 * Watches one service through Flotilla's discovery API and keeps an {@link EndpointList} current.
 *
 * <p>It streams {@code GET /v1/discovery/services/{name}/watch} (JSON lines) from one manager; when
 * the stream breaks, it reconnects — to the next manager of its list if that one does not answer —
 * with {@code index=} the last index it applied. Every manager numbers changes by the same Raft
 * index, so the reconnect neither loses nor repeats a change; if the index is too old for the
 * manager's history, the manager sends the whole set again (a reset) and the list is replaced.
 *
 * <p>TLS: managers serve HTTPS. A task finds the cluster CA certificate in {@code FLOTILLA_CA_CERT}
 * (set by its agent) and the watcher checks the manager against it; discovery reads need no client
 * certificate. Without that variable (and no context given) it speaks plain HTTP.
 */
public final class ServiceWatcher implements AutoCloseable {
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Duration MAX_BACKOFF = Duration.ofSeconds(2);

    private final List<String> managers;
    private final String service;
    private final List<String> tags;
    private final EndpointList endpoints = new EndpointList();
    /** Names the file holding the cluster CA certificate (PEM), as the agent sets it for every task. */
    public static final String CA_CERT_ENV = "FLOTILLA_CA_CERT";
    private final HttpClient http;
    private final String scheme;
    private final Thread thread;
    private volatile boolean running = true;
    private volatile InputStream stream;
    private volatile Consumer<String> events = line -> { };
    private volatile int reconnects;

    /**
     * @param managers API addresses ({@code host:port}) of the managers, tried in order
     * @param service  the full service name ({@code shop_backend})
     * @param tags     only endpoints with all these tags ({@code zone=a}); empty: all
     */
    public ServiceWatcher(List<String> managers, String service, List<String> tags) {
        this(managers, service, tags, contextFromEnvironment());
    }

    /** @param tls how to reach the managers over HTTPS (at least trusting the cluster CA); null: plain HTTP */
    public ServiceWatcher(List<String> managers, String service, List<String> tags, javax.net.ssl.SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2));
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.scheme = tls == null ? "http://" : "https://";
        if (managers.isEmpty()) {
            throw new IllegalArgumentException("at least one manager address is needed");
        }
        this.managers = List.copyOf(managers);
        this.service = Objects.requireNonNull(service, "service");
        this.tags = List.copyOf(tags);
        this.thread = Thread.ofPlatform().daemon(true).name("flotilla-watch-" + service).unstarted(this::run);
    }

    /**
     * A context that trusts the CA certificates in {@code $FLOTILLA_CA_CERT} (followed as the file
     * changes: {@link CaFileTrust}), or null when the
     * variable is unset. An unreadable file is an error: silently falling back to plain HTTP
     * would only fail later and less clearly.
     */
    public static javax.net.ssl.SSLContext contextFromEnvironment() {
        String file = System.getenv(CA_CERT_ENV);
        if (file == null || file.isBlank()) {
            return null;
        }
        try {
            javax.net.ssl.SSLContext context = javax.net.ssl.SSLContext.getInstance("TLSv1.3");
            context.init(null, new javax.net.ssl.TrustManager[] {new CaFileTrust(java.nio.file.Path.of(file))}, null);
            return context;
        } catch (IOException | java.security.GeneralSecurityException e) {
            throw new IllegalStateException("cannot use the cluster CA certificate in $" + CA_CERT_ENV + " (" + file
                    + "): " + e.getMessage(), e);
        }
    }

    /** Starts watching (in the background) and returns this. */
    public ServiceWatcher start() {
        thread.start();
        return this;
    }

    /** The live endpoint list. */
    public EndpointList endpoints() {
        return endpoints;
    }

    /** Sees every raw event line (for tools that print them). */
    public ServiceWatcher onEvent(Consumer<String> listener) {
        this.events = listener;
        return this;
    }

    /** How many times the stream was re-established. */
    public int reconnects() {
        return reconnects;
    }

    private void run() {
        int manager = 0;
        long backoff = 100;
        while (running) {
            String address = managers.get(manager % managers.size());
            try {
                if (stream(address)) {
                    backoff = 100; // a stream that worked: reconnect at once
                }
            } catch (IOException | RuntimeException e) {
                manager++; // try the next manager
            } catch (InterruptedException e) {
                return;
            }
            if (!running) {
                return;
            }
            reconnects++;
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(MAX_BACKOFF.toMillis(), backoff * 2);
        }
    }

    /** One stream from {@code address}; true if it delivered at least one event. */
    private boolean stream(String address) throws IOException, InterruptedException {
        StringBuilder uri = new StringBuilder(scheme).append(address).append("/v1/discovery/services/")
                .append(encode(service)).append("/watch?heartbeat=2000");
        long index = endpoints.index();
        if (index >= 0) {
            uri.append("&index=").append(index);
        }
        if (!tags.isEmpty()) {
            uri.append("&tag=").append(encode(String.join(",", tags)));
        }
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(uri.toString())).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("watch answered HTTP " + response.statusCode());
        }
        boolean delivered = false;
        stream = response.body();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while (running && (line = reader.readLine()) != null) {
                if (line.isBlank()) {
                    continue;
                }
                apply(JSON.readTree(line));
                events.accept(line);
                delivered = true;
            }
        } finally {
            stream = null;
        }
        return delivered;
    }

    private void apply(JsonNode event) {
        long index = event.path("index").asLong();
        switch (event.path("type").asText()) {
            case "snapshot" -> endpoints.replace(index, endpoints(event.path("endpoints")));
            case "change" -> {
                List<String> removed = new ArrayList<>();
                event.path("removed").forEach(id -> removed.add(id.asText()));
                endpoints.apply(index, endpoints(event.path("upserted")), removed);
            }
            default -> endpoints.advance(index);
        }
    }

    static List<Endpoint> endpoints(JsonNode array) {
        List<Endpoint> result = new ArrayList<>();
        for (JsonNode node : array) {
            Map<String, Integer> ports = new TreeMap<>();
            node.path("ports").properties().forEach(e -> ports.put(e.getKey(), e.getValue().asInt()));
            List<String> tags = new ArrayList<>();
            node.path("tags").forEach(t -> tags.add(t.asText()));
            Map<String, String> meta = new TreeMap<>();
            node.path("meta").properties().forEach(e -> meta.put(e.getKey(), e.getValue().asText()));
            result.add(new Endpoint(node.path("id").asText(), node.path("service").asText(),
                    node.path("address").asText(), ports, tags, meta));
        }
        return result;
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        running = false;
        InputStream current = stream;
        if (current != null) {
            try {
                current.close();
            } catch (IOException e) {
                // closing
            }
        }
        thread.interrupt();
    }
}
