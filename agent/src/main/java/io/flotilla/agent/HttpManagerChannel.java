package io.flotilla.agent;

import com.fasterxml.jackson.core.JsonProcessingException;
import io.flotilla.model.Json;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/**
 * {@link ManagerChannel} over the managers' HTTP API; bodies in {@link Json}. The manager choice,
 * the failover and the backoff are the node's {@link ManagerConnection}'s, which a worker's
 * registry stream follows too. Short request timeouts (a hung manager must not hold the heartbeat
 * for long); a long poll gets its wait on top.
 *
 * <p>With an SSL context (the node's certificate and the cluster CA) it speaks HTTPS with mutual
 * TLS, checking each manager's certificate against the address it connects to; without one
 * (tests with a plaintext manager) plain HTTP.
 */
public final class HttpManagerChannel implements ManagerChannel {
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(2);

    private final ManagerConnection connection;
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
        this(new ManagerConnection(managers, tls), tls == null ? null : caCertificate);
    }

    /**
     * Over the node's connection, which this channel closes with itself.
     *
     * @param caCertificate the CA certificate file for tasks; null without TLS
     */
    public HttpManagerChannel(ManagerConnection connection, java.nio.file.Path caCertificate) {
        this.connection = connection;
        this.caCertificate = caCertificate;
    }

    /** The node's connection to the managers that this channel's calls go through. */
    public ManagerConnection connection() {
        return connection;
    }

    /** The managers this channel knows now. */
    @Override
    public List<String> managers() {
        return connection.managers();
    }

    /** The cluster CA certificate file for tasks, or null without TLS. */
    @Override
    public java.nio.file.Path caCertificate() {
        return caCertificate;
    }

    /** The manager the next call goes to first. */
    public String current() {
        return connection.current();
    }

    @Override
    public AssignmentSet hello(AgentHello hello) throws IOException {
        return sessionAnswer(connection.send("POST", "v1/dispatcher/hello", Json.writeBytes(hello), REQUEST_TIMEOUT));
    }

    @Override
    public AssignmentSet assignments(String nodeId, long afterIndex, Duration wait) throws IOException {
        String path = "v1/dispatcher/assignments?node=" + URLEncoder.encode(nodeId, StandardCharsets.UTF_8)
                + "&after=" + afterIndex + "&wait=" + wait.toMillis();
        return sessionAnswer(connection.send("GET", path, null, wait.plus(REQUEST_TIMEOUT)));
    }

    /** The connection's backoff, which a session answer resets. */
    @Override
    public void awaitRetry() throws InterruptedException {
        connection.awaitRetry();
    }

    private AssignmentSet sessionAnswer(byte[] body) throws IOException {
        AssignmentSet set = assignmentSet(body);
        connection.resetBackoff();
        return set;
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
        byte[] body = connection.send("POST", "v1/dispatcher/status", Json.writeBytes(report), REQUEST_TIMEOUT);
        try {
            return body.length == 0 ? new StatusReportResponse(0) : Json.read(body, StatusReportResponse.class);
        } catch (RuntimeException e) {
            return new StatusReportResponse(0); // an answer we cannot read grants no lease
        }
    }

    @Override
    public java.io.InputStream image(String reference) throws IOException {
        String manager = connection.current();
        if (manager == null) {
            throw new IOException("no manager reached to fetch image " + reference + " from");
        }
        try {
            return connection.stream(manager, "/v1/images/archive?ref="
                    + java.net.URLEncoder.encode(reference, java.nio.charset.StandardCharsets.UTF_8));
        } catch (ManagerRefusedException e) {
            if (e.status() == 404) {
                return null;
            }
            throw e;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new java.io.InterruptedIOException("interrupted while fetching image " + reference);
        }
    }

    @Override
    public void close() {
        connection.close();
    }
}
