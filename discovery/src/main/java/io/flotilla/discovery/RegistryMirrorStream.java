package io.flotilla.discovery;

import io.flotilla.model.Json;
import io.flotilla.model.api.EndpointEvent;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps a {@link RegistryMirror} current from the managers: streams {@code GET
 * /v1/discovery/watch} (every service's endpoint changes, JSON lines) from the manager the node's
 * session is on ({@link ManagerSession}), and resumes from {@link RegistryMirror#resumeIndex()}
 * wherever the session goes. Every manager numbers changes by the same Raft index, so a switch
 * neither loses nor repeats a change; an index older than the manager's history gets the whole set
 * again (a reset).
 *
 * <p>The stream chooses no manager and keeps no backoff: when the session moves (the long poll
 * found a new leader, or failed over), the stream closes and resumes on the new manager at once;
 * when the stream breaks or goes silent (no line, not even a heartbeat, for three heartbeats) it
 * tells the session ({@link ManagerSession#lost}), which leaves that manager too, and waits until
 * the session is on one again. A manager that answers the watch with an error (alive, but it will
 * not stream) is asked again when the session moves, or after {@link #REFUSED_PAUSE}.
 *
 * <p>While no manager answers, the mirror keeps what it had (see {@link RegistryMirror}).
 */
public final class RegistryMirrorStream implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistryMirrorStream.class);
    static final Duration HEARTBEAT = Duration.ofSeconds(1);
    /** How long a manager that refused the watch rests before it is asked again (the session's longest backoff). */
    static final Duration REFUSED_PAUSE = Duration.ofSeconds(2);

    private final RegistryMirror mirror;
    private final ManagerSession session;
    private final Thread thread;
    private final Thread watchdog;
    private volatile boolean running = true;
    private volatile InputStream stream;
    private volatile long lastLine = System.nanoTime();
    private volatile String connectedTo;

    /** Follows the node's session: a worker's stream. */
    public RegistryMirrorStream(RegistryMirror mirror, ManagerSession session) {
        this.mirror = mirror;
        this.session = session;
        this.thread = Thread.ofPlatform().daemon(true).name("flotilla-registry-mirror").unstarted(this::run);
        this.watchdog = Thread.ofPlatform().daemon(true).name("flotilla-registry-mirror-watchdog")
                .unstarted(this::watch);
    }

    /**
     * Without a node session (a client that is not a node, tests): over a list of managers of its
     * own, plain HTTP ({@link ManagerList}).
     *
     * @param managers the managers' API addresses ({@code host:port})
     */
    public RegistryMirrorStream(RegistryMirror mirror, Supplier<List<String>> managers) {
        this(mirror, new ManagerList(managers));
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
        while (running) {
            String address;
            try {
                address = session.awaitManager();
            } catch (InterruptedException e) {
                return;
            }
            CountDownLatch moved = new CountDownLatch(1);
            Runnable unfollow = session.follow(manager -> {
                if (!manager.equals(address)) {
                    moved.countDown();
                    closeQuietly(stream); // resume on the session's new manager
                }
            });
            try {
                stream(address, moved);
                if (moved.getCount() > 0 && running) {
                    session.lost(address); // the manager ended it: it is going away
                }
            } catch (ManagerSession.Refused e) {
                LOG.info("registry mirror: {}; asking again in {} ms or when the session moves", e.getMessage(),
                        REFUSED_PAUSE.toMillis());
                if (!await(moved)) {
                    return;
                }
            } catch (IOException | RuntimeException e) {
                if (moved.getCount() > 0 && running) {
                    LOG.debug("registry mirror: stream from {} failed: {}", address, e.toString());
                    session.lost(address);
                }
            } catch (InterruptedException e) {
                return;
            } finally {
                unfollow.run();
                connectedTo = null;
            }
        }
    }

    /** Waits for the session to move, at most {@link #REFUSED_PAUSE}; false when interrupted (closing). */
    private static boolean await(CountDownLatch moved) {
        try {
            moved.await(REFUSED_PAUSE.toMillis(), TimeUnit.MILLISECONDS);
            return true;
        } catch (InterruptedException e) {
            return false;
        }
    }

    /** One stream from {@code address}, until it ends, breaks, or the session moves. */
    private void stream(String address, CountDownLatch moved) throws IOException, InterruptedException {
        long index = mirror.resumeIndex();
        String path = "/v1/discovery/watch?heartbeat=" + HEARTBEAT.toMillis() + (index >= 0 ? "&index=" + index : "");
        lastLine = System.nanoTime();
        InputStream body = session.open(address, path);
        stream = body;
        if (moved.getCount() == 0 || !running) {
            closeQuietly(body); // the session moved while the stream opened
            stream = null;
            return;
        }
        boolean delivered = false;
        lastLine = System.nanoTime();
        try (BufferedReader reader = new BufferedReader(new InputStreamReader(body, StandardCharsets.UTF_8))) {
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
    }

    /** Closes a stream that went silent (a hung manager sends no heartbeat): the session leaves that manager. */
    private void watch() {
        while (running) {
            try {
                Thread.sleep(HEARTBEAT.toMillis());
            } catch (InterruptedException e) {
                return;
            }
            InputStream current = stream;
            if (current != null && System.nanoTime() - lastLine > 3 * HEARTBEAT.toNanos()) {
                LOG.info("registry mirror: no heartbeat from {} for {} ms; leaving it", connectedTo,
                        3 * HEARTBEAT.toMillis());
                closeQuietly(current);
            }
        }
    }

    private static void closeQuietly(InputStream in) {
        if (in == null) {
            return;
        }
        try {
            in.close();
        } catch (IOException e) {
            // closing
        }
    }

    @Override
    public void close() {
        running = false;
        closeQuietly(stream);
        thread.interrupt();
        watchdog.interrupt();
    }
}
