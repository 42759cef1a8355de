package io.flotilla.client;

import io.flotilla.model.Json;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.JoinResponse;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.ManagerPeer;
import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/** The membership part of the API ({@code /v1/cluster}, node changes), for the CLI and for joining nodes. */
public final class ClusterClient {
    private final String hostPort;
    private final java.util.function.Supplier<javax.net.ssl.SSLContext> tls;
    private volatile HttpClient http;

    /** With the credential {@link ClientTls} finds, at the first request. */
    public ClusterClient(String hostAndPort) {
        this.hostPort = ApiClient.withDefaultPort(hostAndPort);
        this.tls = ClientTls::context;
    }

    /** @param tls the node's own context (joins to the Raft group, renewals) or a pinned one (a join) */
    /**
     * A client whose connections leave from {@code localAddress} (a joining node's advertised
     * address: the manager signs the address the join comes from).
     */
    public static ClusterClient from(java.net.InetAddress localAddress, String hostAndPort, javax.net.ssl.SSLContext tls) {
        ClusterClient client = new ClusterClient(hostAndPort, tls);
        client.http = java.net.http.HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).sslContext(tls)
                .localAddress(localAddress).build();
        return client;
    }

    public ClusterClient(String hostAndPort, javax.net.ssl.SSLContext tls) {
        this.hostPort = ApiClient.withDefaultPort(hostAndPort);
        this.tls = () -> tls;
    }

    private HttpClient http() {
        HttpClient client = http;
        if (client == null) {
            client = ClientTls.http(tls.get());
            http = client;
        }
        return client;
    }

    public ClusterInfo info() {
        return send("GET", "/v1/cluster", null, ClusterInfo.class);
    }

    public JoinResponse join(JoinRequest request) {
        return send("POST", "/v1/cluster/join", request, JoinResponse.class);
    }

    /** Sends a PEM CSR for a new key; returns the signed PEM certificate (the caller is identified by its current one). */
    public String renewCertificate(String csr) {
        return String.valueOf(renewal(csr).get("certificate"));
    }

    /** The whole answer to a renewal: {@code certificate}, {@code caCertificate}, and {@code caKey} for a manager. */
    @SuppressWarnings("unchecked")
    public Map<String, Object> renewal(String csr) {
        return send("POST", "/v1/cluster/certificate", Map.of("csr", csr), Map.class);
    }

    /** {@code GET /v1/cluster/ca}: the roots the cluster trusts now, and a rotation under way. */
    public io.flotilla.model.api.CaStatus caStatus() {
        return send("GET", "/v1/cluster/ca", null, io.flotilla.model.api.CaStatus.class);
    }

    /** {@code POST /v1/cluster/ca/rotate}: starts a root CA rotation. */
    public io.flotilla.model.api.CaStatus rotateCa() {
        return send("POST", "/v1/cluster/ca/rotate", null, io.flotilla.model.api.CaStatus.class);
    }

    /** {@code GET /v1/cluster/backup} (the admin): the backup file's bytes, as the manager wrote them. */
    public byte[] backup() {
        return java.util.Base64.getDecoder().decode(String.valueOf(send("GET", "/v1/cluster/backup", null, Map.class)
                .get("file")));
    }

    public void addManager(ManagerPeer self) {
        send("POST", "/v1/cluster/managers", self, Map.class);
    }

    @SuppressWarnings("unchecked")
    public Map<String, Object> joinToken(String role, boolean rotate) {
        return send(rotate ? "POST" : "GET", "/v1/cluster/join-token/" + encode(role) + (rotate ? "?rotate=true" : ""),
                null, Map.class);
    }

    /** {@code POST /v1/dashboard/login} (the admin): a one-time login link's token and path. */
    public Map<String, Object> dashboardLogin(boolean readOnly, java.time.Duration ttl) {
        return send("POST", "/v1/dashboard/login", Map.of("readOnly", readOnly, "ttl", ttl.toString()), Map.class);
    }

    public ChangeResult nodeAction(String ref, String action) {
        return send("POST", "/v1/nodes/" + encode(ref) + "/" + action, null, ChangeResult.class);
    }

    public ChangeResult updateNode(String ref, Map<String, Object> change) {
        return send("POST", "/v1/nodes/" + encode(ref) + "/update", change, ChangeResult.class);
    }

    public ChangeResult removeNode(String ref, boolean force) {
        return send("DELETE", "/v1/nodes/" + encode(ref) + (force ? "?force=true" : ""), null, ChangeResult.class);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }

    private <T> T send(String method, String path, Object body, Class<T> type) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body));
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + hostPort + path))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .method(method, publisher).build();
        try {
            HttpResponse<byte[]> response = http().send(request, HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() >= 300) {
                String message;
                String code;
                try {
                    ApiError error = Json.read(response.body(), ApiError.class);
                    message = error.message();
                    code = error.code();
                } catch (RuntimeException e) {
                    message = new String(response.body(), StandardCharsets.UTF_8);
                    code = "http_" + response.statusCode();
                }
                throw new ApiException(response.statusCode(), code, message);
            }
            return Json.read(response.body(), type);
        } catch (IOException e) {
            String tls = ClientTls.describe(e, hostPort);
            if (tls != null) {
                throw new ApiException(0, "unreachable", tls);
            }
            String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
            throw new ApiException(0, "unreachable", "cannot reach the Flotilla API at " + hostPort + " (" + why + ")");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted", "interrupted");
        }
    }

    /** The API address {@code host:port}. */
    public String hostPort() {
        return hostPort;
    }

    public static List<String> hostPorts(List<ManagerPeer> managers) {
        return managers.stream().map(ManagerPeer::apiAddress).toList();
    }
}
