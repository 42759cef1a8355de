package io.flotilla.discovery;

import io.flotilla.model.Json;
import io.flotilla.model.api.EndpointEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link RegistryMirror} current from the managers: streams {@code GET
 * /v1/discovery/watch} (every service's endpoint changes, JSON lines) from one manager and, when
 * the stream breaks or goes silent (no line, not even a heartbeat, for three heartbeats), resumes
 * from {@link RegistryMirror#resumeIndex()} on the next manager of the node's current list. Every
 * manager numbers changes by the same Raft index, so the switch neither loses nor repeats a change;
 * an index older than the manager's history gets the whole set again (a reset).
 *
 * <p>While no manager answers, the mirror keeps what it had (see {@link RegistryMirror}).
 */
public final class RegistryMirrorStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryMirrorStream.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    private static final long MAX_BACKOFF_MS = 1_000;

    private final RegistryMirror mirror;
    private final Supplier<List<String>> managers;
    private final HttpClient http;
    private final String scheme;
    private final Thread thread;
    private final Thread watchdog;
    private volatile boolean running = true;
    private volatile InputStream stream;
    private volatile long lastLine = System.nanoTime();
    private volatile String connectedTo;

    /** @param managers the managers' API addresses ({@code host:port}) as the node knows them now */
    public RegistryMirrorStream(RegistryMirror mirror, Supplier<List<String>> managers) {
        this(mirror, managers, null);
    }

    /** @param tls the node's mutual TLS context (HTTPS, managers checked by their certificate); null: plain HTTP */
    public RegistryMirrorStream(RegistryMirror mirror, Supplier<List<String>> managers, javax.net.ssl.SSLContext tls) {
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(1));
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.scheme = tls == null ? "http://" : "https://";
        this.mirror = mirror;
        this.managers = managers;
        this.thread = Thread.ofPlatform().daemon(true).name("flotilla-registry-mirror").unstarted(this::run);
        this.watchdog = Thread.ofPlatform().daemon(true).name("flotilla-registry-mirror-watchdog")
                .unstarted(this::watch);
    }

    public RegistryMirrorStream start() {
        thread.start();
        watchdog.start();
        return this;
    }

    public RegistryMirror mirror() {
        return mirror;
    }

    /** The manager streamed from now; null while none is. */
    public String connectedTo() {
        return connectedTo;
    }

    private void run() {
        int next = 0;
        long backoff = 50;
        while (running) {
            List<String> known = managers.get();
            if (!known.isEmpty()) {
                String address = known.get(Math.floorMod(next, known.size()));
                try {
                    if (stream(address)) {
                        backoff = 50;
                    } else {
                        next++;
                    }
                } catch (IOException | RuntimeException e) {
                    LOG.debug("registry mirror: stream from {} failed: {}", address, e.toString());
                    next++; // the next manager
                } catch (InterruptedException e) {
                    return;
                } finally {
                    connectedTo = null;
                }
            }
            if (!running) {
                return;
            }
            try {
                Thread.sleep(backoff);
            } catch (InterruptedException e) {
                return;
            }
            backoff = Math.min(MAX_BACKOFF_MS, backoff * 2);
        }
    }

    /** One stream; true if it delivered at least one event. */
    private boolean stream(String address) throws IOException, InterruptedException {
        long index = mirror.resumeIndex();
        String uri = scheme + address + "/v1/discovery/watch?heartbeat=" + HEARTBEAT.toMillis()
                + (index >= 0 ? "&index=" + index : "");
        lastLine = System.nanoTime();
        HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(URI.create(uri)).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() != 200) {
            response.body().close();
            throw new IOException("watch answered HTTP " + response.statusCode());
        }
        boolean delivered = false;
        stream = response.body();
        lastLine = System.nanoTime();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(response.body(), StandardCharsets.UTF_8))) {
            String line;
            while (running && (line = reader.readLine()) != null) {
                lastLine = System.nanoTime();
                if (line.isBlank()) {
                    continue;
                }
                mirror.apply(Json.read(line, EndpointEvent.class));
                if (!delivered) {
                    delivered = true;
                    connectedTo = address;
                    LOG.info("registry mirror: following {} from index {}", address, index);
                }
            }
        } finally {
            stream = null;
        }
        return delivered;
    }

    /** Closes a stream that went silent (a hung manager sends no heartbeat): the reader resumes elsewhere. */
    private void watch() {
        while (running) {
            try {
                Thread.sleep(HEARTBEAT.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            InputStream current = stream;
            if (current != null && System.nanoTime() - lastLine > 3 * HEARTBEAT.toNanos()) {
                LOG.info("registry mirror: no heartbeat from {} for {} ms; switching", connectedTo,
                        3 * HEARTBEAT.toMillis());
                closeQuietly(current);
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        try {
            in.close();
        } catch (IOException e) {
            // closing
        }
    }

    @Override
    public void close() {
        running = false;
        InputStream current = stream;
        if (current != null) {
            closeQuietly(current);
        }
        thread.interrupt();
        watchdog.interrupt();
    }
}
