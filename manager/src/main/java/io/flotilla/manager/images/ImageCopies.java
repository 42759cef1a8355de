package io.flotilla.manager.images;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.Command;
import io.flotilla.model.ImageArchive;
import io.flotilla.model.api.ManagerPeer;
import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Copies image archives between managers: every manager keeps a copy of every archive the state
 * names (a background thread, {@link #start}), so an agent can load a built image from whichever
 * manager it talks to and the images survive the loss of the manager that received them. A copy
 * comes from a holder's API over the managers' mutual TLS ({@code GET /v1/images/archive?local=true}),
 * is checked against its digest, and is then recorded ({@link Command.ImageHeld}).
 */
public final class ImageCopies implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ImageCopies.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);

    private final String nodeId;
    private final ClusterStore store;
    private final ImageStore images;
    private final Supplier<List<ManagerPeer>> managers;
    private final HttpClient http;
    private final String scheme;
    private final Duration period;
    private volatile Thread thread;
    private final java.util.Set<String> unavailable = java.util.concurrent.ConcurrentHashMap.newKeySet();

    /** @param tls this manager's context (a manager certificate reads any archive); null: plaintext (tests) */
    public ImageCopies(String nodeId, ClusterStore store, ImageStore images, Supplier<List<ManagerPeer>> managers,
                       SSLContext tls, Duration period) {
        this.nodeId = nodeId;
        this.store = store;
        this.images = images;
        this.managers = managers;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.scheme = tls == null ? "http://" : "https://";
        this.period = period;
    }

    public ImageStore store() {
        return images;
    }

    public void start() {
        thread = Thread.ofVirtual().name("image-copies").start(() -> {
            while (!Thread.currentThread().isInterrupted()) {
                try {
                    copyMissing();
                    Thread.sleep(period);
                } catch (InterruptedException e) {
                    return;
                } catch (RuntimeException e) {
                    LOG.warn("copying images from other managers: {}", e.toString());
                }
            }
        });
    }

    /** One pass: copies every archive the state names that this manager lacks, and records it. */
    void copyMissing() throws InterruptedException {
        for (ImageArchive image : store.state().images().all()) {
            if (image.holders().contains(nodeId) && images.has(image.digest())) {
                continue;
            }
            try {
                ensure(image);
                store.submit(new Command.ImageHeld(image.digest(), nodeId));
            } catch (IOException e) {
                if (unavailable.add(image.digest())) { // said once per archive, not every pass
                    LOG.info("cannot copy image {} yet (trying again every {}): {}", image.reference(), period,
                            e.getMessage());
                }
            }
        }
    }

    /** Makes the archive present here, copying it from a holder if need be. */
    public void ensure(ImageArchive image) throws IOException, InterruptedException {
        if (images.has(image.digest())) {
            return;
        }
        IOException last = new IOException("no manager holds image " + image.reference());
        for (ManagerPeer peer : managers.get()) {
            if (peer.id().equals(nodeId) || !image.holders().contains(peer.id()) || peer.apiAddress() == null) {
                continue;
            }
            URI uri = URI.create(scheme + peer.apiAddress() + "/v1/images/archive?local=true&ref="
                    + URLEncoder.encode(image.reference(), StandardCharsets.UTF_8));
            try {
                HttpResponse<InputStream> response = http.send(HttpRequest.newBuilder(uri).GET().build(),
                        HttpResponse.BodyHandlers.ofInputStream());
                try (InputStream body = response.body()) {
                    if (response.statusCode() != 200) {
                        last = new IOException("manager " + peer.id() + " answered " + response.statusCode());
                        continue;
                    }
                    images.copy(image.digest(), body);
                    LOG.info("copied image {} ({} bytes) from manager {}", image.reference(), image.size(), peer.id());
                    return;
                }
            } catch (IOException e) {
                last = new IOException("from manager " + peer.id() + ": " + e.getMessage(), e);
            }
        }
        throw last;
    }

    @Override
    public void close() {
        Thread current = thread;
        if (current != null) {
            current.interrupt();
        }
    }
}
