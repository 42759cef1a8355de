package io.flotilla.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.flotilla.model.Json;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
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
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@link ManagerChannel} over the managers' HTTP API with the JDK client; bodies in {@link Json}.
 *
 * <p>Knows every manager's API address: the ones it was given (at join), refreshed from the
 * {@code Flotilla-Managers} header of every dispatcher answer. Only the leader dispatches, so a
 * call goes to the manager that answered last; on a connection error, a timeout or a 503 it moves
 * on at once — to the leader a follower names in its {@code Flotilla-Leader} header, else to the
 * next manager — and fails only when every manager was tried. Short request timeouts (a hung
 * manager must not hold the heartbeat for long); a long poll gets its wait on top.
 *
 * <p>With an SSL context (the node's certificate and the cluster CA) it speaks HTTPS with mutual
 * TLS, checking each manager's certificate against the address it connects to; without one
 * (tests with a plaintext manager) plain HTTP.
 */
public final class HttpManagerChannel implements ManagerChannel {
    private static final Logger log = LoggerFactory.getLogger(HttpManagerChannel.class);
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(1);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);
    static final String LEADER_HEADER = "Flotilla-Leader";
    static final String MANAGERS_HEADER = "Flotilla-Managers";

    private final CopyOnWriteArrayList<String> managers = new CopyOnWriteArrayList<>();
    private volatile String current;
    private final HttpClient client;
    private final String scheme;
    /** The cluster CA certificate file, handed to tasks as {@code FLOTILLA_CA_CERT}; null without TLS. */
    private final java.nio.file.Path caCertificate;

    /** @param apiBase one manager's API, such as {@code http://127.0.0.1:4780} */
    public HttpManagerChannel(URI apiBase) {
        this(List.of(apiBase.getHost() + ":" + apiBase.getPort()));
    }

    /** @param managers the managers' API addresses, {@code host:port} each; the first is tried first */
    public HttpManagerChannel(List<String> managers) {
        this(managers, null, null);
    }

    /**
     * @param tls           mutual TLS with the node's credential; null: plain HTTP
     * @param caCertificate the CA certificate file tasks may use to reach the discovery API; null without TLS
     */
    public HttpManagerChannel(List<String> managers, javax.net.ssl.SSLContext tls, java.nio.file.Path caCertificate) {
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
        this.caCertificate = tls == null ? null : caCertificate;
    }

    /** The managers this channel knows now. */
    @Override
    public List<String> managers() {
        return List.copyOf(managers);
    }

    /** The cluster CA certificate file for tasks, or null without TLS. */
    @Override
    public java.nio.file.Path caCertificate() {
        return caCertificate;
    }

    /** The manager the next call goes to first. */
    public String current() {
        return current;
    }

    @Override
    public AssignmentSet hello(AgentHello hello) throws IOException {
        return assignmentSet(send("POST", "v1/dispatcher/hello", Json.writeBytes(hello), REQUEST_TIMEOUT));
    }

    @Override
    public AssignmentSet assignments(String nodeId, long afterIndex, Duration wait) throws IOException {
        String path = "v1/dispatcher/assignments?node=" + URLEncoder.encode(nodeId, StandardCharsets.UTF_8)
                + "&after=" + afterIndex + "&wait=" + wait.toMillis();
        return assignmentSet(send("GET", path, null, wait.plus(REQUEST_TIMEOUT)));
    }

    /**
     * The set in {@code body}; an answer this agent cannot read (a manager's newer format, which
     * the error names) fails the call as one the manager could not answer, saying why.
     */
    private static AssignmentSet assignmentSet(byte[] body) throws IOException {
        try {
            return Json.read(body, AssignmentSet.class);
        } catch (UncheckedIOException e) {
            String reason = e.getCause() instanceof JsonProcessingException json ? json.getOriginalMessage()
                    : e.getCause().getMessage();
            throw new IOException("cannot read the manager's assignment set: " + reason, e.getCause());
        }
    }

    @Override
    public StatusReportResponse report(StatusReport report) throws IOException {
        byte[] body = send("POST", "v1/dispatcher/status", Json.writeBytes(report), REQUEST_TIMEOUT);
        try {
            return body.length == 0 ? new StatusReportResponse(0) : Json.read(body, StatusReportResponse.class);
        } catch (RuntimeException e) {
            return new StatusReportResponse(0); // an answer we cannot read grants no lease
        }
    }

    @Override
    public void close() {
        client.shutdownNow();
    }

    private byte[] send(String method, String path, byte[] body, Duration timeout) throws IOException {
        Set<String> tried = new LinkedHashSet<>();
        String target = current;
        IOException last = null;
        while (target != null && tried.add(target)) {
            HttpRequest.Builder builder = HttpRequest.newBuilder(URI.create(scheme + target + "/" + path)).timeout(timeout);
            HttpRequest request = body == null ? builder.GET().build()
                    : builder.header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofByteArray(body)).build();
            HttpResponse<byte[]> response;
            try {
                response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new InterruptedIOException("interrupted: " + method + " " + request.uri());
            } catch (IOException e) {
                last = new IOException(method + " " + request.uri() + ": " + e, e);
                target = next(tried, null);
                continue;
            }
            learnManagers(response);
            if (response.statusCode() / 100 == 2) {
                if (!target.equals(current)) {
                    log.info("talking to manager {} now (was {})", target, current);
                    current = target;
                }
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
        // Next time, start with a manager not tried first this time, so a dead one is not always first.
        String first = tried.isEmpty() ? null : tried.iterator().next();
        Optional<String> other = managers.stream().filter(m -> !m.equals(first)).findFirst();
        other.ifPresent(m -> current = m);
        throw last;
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
}
