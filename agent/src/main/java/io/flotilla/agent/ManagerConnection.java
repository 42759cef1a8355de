package io.flotilla.agent;

import io.flotilla.model.Json;
import io.flotilla.model.api.ApiError;
import java.io.IOException;
import java.io.InputStream;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A node's one connection to the managers: the one place that chooses the manager, fails over and
 * backs off, for everything the node asks of the managers as itself — the agent's calls
 * ({@link HttpManagerChannel}: hello, the assignment long poll, the status reports) and a worker's
 * registry stream (the node module follows {@link #reached()} with it). One HTTP client: over TLS
 * they speak h2, so the long poll, the reports and the stream are streams of one connection to
 * the manager the session is on.
 *
 * <p>The choice: every call goes to the manager that answered last ({@link #current()}); on a
 * connection error, a timeout or a 503 it moves on at once — to the leader a follower names in its
 * {@code Flotilla-Leader} header, else to the next manager — and fails only when every manager was
 * tried. The list is the one given at start, refreshed from the {@code Flotilla-Managers} header of
 * every dispatcher answer. The manager a call last reached is {@link #reached()}; whoever streams
 * from the managers streams from it and follows it when it changes ({@link #onReached}), so the
 * stream and the long poll never end on different managers. A stream that breaks says so
 * ({@link #lost}): the session leaves that manager too. Calls still waiting on a manager the
 * session left (a long poll on a hung manager, which would wait out its poll) are abandoned and go
 * on at once with the manager the session is on.
 *
 * <p>The backoff: after a failed session call the agent waits {@link #awaitRetry()} (100 ms,
 * doubling to 2 s, back to 100 ms once a session call succeeds). Nothing else retries on its own
 * clock: a stream waits until the session reaches a manager again.
 */
public final class ManagerConnection implements AutoCloseable {
    private static final Logger log = LoggerFactory.getLogger(ManagerConnection.class);

    private record InFlight(String manager, CompletableFuture<HttpResponse<byte[]>> answer) {}

    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    static final Duration FIRST_BACKOFF = Duration.ofMillis(100);
    static final Duration MAX_BACKOFF = Duration.ofSeconds(2);
    /** How long a stream's answer may take to begin (a hung manager accepts and says nothing). */
    static final Duration STREAM_HEAD_TIMEOUT = Duration.ofSeconds(3);
    static final String LEADER_HEADER = "Flotilla-Leader";
    static final String MANAGERS_HEADER = "Flotilla-Managers";

    private final CopyOnWriteArrayList<String> managers = new CopyOnWriteArrayList<>();
    private final List<Consumer<String>> followers = new CopyOnWriteArrayList<>();
    /** Calls waiting for an answer, by manager: those to a manager the session leaves are abandoned. */
    private final Set<InFlight> inFlight = ConcurrentHashMap.newKeySet();
    private final HttpClient client;
    private final String scheme;
    private volatile String current;
    /** The manager the last call reached; null after every manager failed, or its stream broke. Guarded by this. */
    private String reached;
    private Duration backoff = FIRST_BACKOFF;

    /**
     * @param managers the managers' API addresses, {@code host:port} each; the first is tried first
     * @param tls      mutual TLS with the node's credential (managers checked by their certificate); null: plain HTTP
     */
    public ManagerConnection(List<String> managers, javax.net.ssl.SSLContext tls) {
        if (managers.isEmpty()) {
            throw new IllegalArgumentException("at least one manager address is needed");
        }
        this.managers.addAllAbsent(managers);
        this.current = managers.getFirst();
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.client = builder.build();
        this.scheme = tls == null ? "http://" : "https://";
    }

    /** The managers this connection knows now. */
    public List<String> managers() {
        return List.copyOf(managers);
    }

    /** The manager the next call goes to first. */
    public String current() {
        return current;
    }

    /** The manager the last call reached (the session is on it); null while none answers. */
    public synchronized String reached() {
        return reached;
    }

    /** Waits until a call reaches a manager, and names it. */
    public synchronized String awaitReached() throws InterruptedException {
        while (reached == null) {
            wait();
        }
        return reached;
    }

    /**
     * {@code follower} gets every manager the session reaches from now on that differs from the one
     * before (on the thread of the call that reached it: keep it short). Returns what stops it.
     */
    public Runnable onReached(Consumer<String> follower) {
        followers.add(follower);
        return () -> followers.remove(follower);
    }

    /**
     * A stream from {@code manager} broke (the connection, not an answer): the session leaves it —
     * it is no longer the one reached, and the next call tries another manager first.
     */
    public void lost(String manager) {
        synchronized (this) {
            if (manager.equals(reached)) {
                reached = null;
            }
        }
        if (manager.equals(current)) {
            managers.stream().filter(m -> !m.equals(manager)).findFirst().ifPresent(next -> current = next);
        }
        abandonCallsTo(manager::equals);
    }

    /** Waits the session's backoff after a failed call (100 ms, doubling up to 2 s). */
    public void awaitRetry() throws InterruptedException {
        Duration wait;
        synchronized (this) {
            wait = backoff;
            backoff = backoff.multipliedBy(2).compareTo(MAX_BACKOFF) > 0 ? MAX_BACKOFF : backoff.multipliedBy(2);
        }
        Thread.sleep(wait);
    }

    /** A session call succeeded: the next failure waits the first backoff again. */
    synchronized void resetBackoff() {
        backoff = FIRST_BACKOFF;
    }

    /**
     * {@code GET pathAndQuery} on {@code manager} with the session's client: the answer's body. Its
     * head must come within {@link #STREAM_HEAD_TIMEOUT}; the body has no timeout (a stream watches
     * its own silence). An answer other than 2xx is a {@link ManagerRefusedException}; a failed
     * connection an {@link IOException}.
     */
    public InputStream stream(String manager, String pathAndQuery) throws IOException, InterruptedException {
        URI uri = URI.create(scheme + manager + pathAndQuery);
        HttpResponse<InputStream> response = client.send(HttpRequest.newBuilder(uri).timeout(STREAM_HEAD_TIMEOUT).GET().build(),
                HttpResponse.BodyHandlers.ofInputStream());
        if (response.statusCode() / 100 != 2) {
            byte[] body;
            try (InputStream in = response.body()) {
                body = in.readNBytes(4096);
            }
            throw new ManagerRefusedException(response.statusCode(), "GET " + uri + " answered "
                    + response.statusCode() + ": " + errorMessage(body));
        }
        return response.body();
    }

    /** One call with failover over every manager (see the class comment); the answer's body. */
    byte[] send(String method, String path, byte[] body, Duration timeout) throws IOException {
        Set<String> tried = new LinkedHashSet<>();
        String target = current;
        IOException last = null;
        while (target != null && tried.add(target)) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(scheme + target + "/" + path)).timeout(timeout);
            HttpRequest request = body == null ? builder.GET().build()
                    : builder.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<byte[]> response;
            InFlight call = new InFlight(target, client.sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()));
            inFlight.add(call);
            try {
                response = call.answer().get();
            } catch (InterruptedException e) {
                call.answer().cancel(true);
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted: " + method + " " + request.uri());
            } catch (ExecutionException | CancellationException e) {
                Throwable cause = e instanceof ExecutionException ? e.getCause() : e;
                if (!(cause instanceof IOException) && !(e instanceof CancellationException)) {
                    throw new IOException(method + " " + request.uri() + ": " + cause, cause);
                }
                last = new IOException(method + " " + request.uri() + ": "
                        + (e instanceof CancellationException ? "left (the session moved)" : cause), cause);
                String now = current;
                target = now != null && !tried.contains(now) ? now : next(tried, null);
                continue;
            } finally {
                inFlight.remove(call);
            }
            learnManagers(response);
            if (response.statusCode() / 100 == 2) {
                if (!target.equals(current)) {
                    log.info("talking to manager {} now (was {})", target, current);
                    current = target;
                }
                reached(target);
                return response.body();
            }
            String failed = method + " " + request.uri() + " answered " + response.statusCode() + ": "
                    + errorMessage(response.body());
            if (response.statusCode() != 503) {
                IOException failure = new ManagerRefusedException(response.statusCode(), failed);
                current = target; // it answered: the error is about the request, not the manager
                throw failure;
            }
            last = new IOException(failed);
            target = next(tried, response.headers().firstValue(LEADER_HEADER).orElse(null));
        }
        if (last == null) {
            last = new IOException("no manager to ask");
        }
        synchronized (this) {
            reached = null; // every manager failed: a stream waits until one answers again
        }
        // Next time, start with a manager not tried first this time, so a dead one is not always first.
        String first = tried.isEmpty() ? null : tried.iterator().next();
        Optional<String> other = managers.stream().filter(m -> !m.equals(first)).findFirst();
        other.ifPresent(m -> current = m);
        throw last;
    }

    private void reached(String manager) {
        synchronized (this) {
            if (manager.equals(reached)) {
                return;
            }
            reached = manager;
            notifyAll();
        }
        abandonCallsTo(other -> !other.equals(manager));
        followers.forEach(follower -> follower.accept(manager));
    }

    /**
     * Calls waiting on a manager the session left are abandoned (the long poll above all, which
     * would wait its whole poll on a hung manager): each goes on at once with the manager the session is on.
     */
    private void abandonCallsTo(java.util.function.Predicate<String> left) {
        for (InFlight call : inFlight) {
            if (left.test(call.manager())) {
                call.answer().cancel(true);
            }
        }
    }

    /** The leader a follower named, if not tried yet; else the next manager not tried. */
    private String next(Set<String> tried, String leaderHint) {
        if (leaderHint != null && !leaderHint.isBlank() && !tried.contains(leaderHint)) {
            managers.addIfAbsent(leaderHint);
            return leaderHint;
        }
        for (String manager : managers) {
            if (!tried.contains(manager)) {
                return manager;
            }
        }
        return null;
    }

    private void learnManagers(HttpResponse<?> response) {
        response.headers().firstValue(MANAGERS_HEADER).ifPresent(value -> {
            List<String> listed = new ArrayList<>();
            for (String part : value.split(",")) {
                if (!part.isBlank()) {
                    listed.add(part.strip());
                }
            }
            if (!listed.isEmpty() && !listed.equals(managers)) {
                managers.addAllAbsent(listed);
                managers.retainAll(listed);
            }
        });
    }

    private static String errorMessage(byte[] body) {
        try {
            ApiError error = Json.read(body, ApiError.class);
            if (error.code() != null || error.message() != null) {
                return error.code() + ": " + error.message();
            }
        } catch (RuntimeException e) {
            // not an ApiError: show the body as it is
        }
        String text = new String(body, StandardCharsets.UTF_8).strip();
        return text.length() > 200 ? text.substring(0, 200) + "…" : text;
    }

    @Override
    public void close() {
        client.shutdownNow();
    }
}
