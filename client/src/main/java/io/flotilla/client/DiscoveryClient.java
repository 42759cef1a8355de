package io.flotilla.client;

import com.fasterxml.jackson.core.type.TypeReference;
import io.flotilla.model.Json;
import io.flotilla.model.Registration;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.EndpointSet;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.model.api.RegistrationResult;
import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;

/** The discovery and registry endpoints of the API, for the CLI ({@code discover}, {@code registry}). */
public final class DiscoveryClient {
    private final HttpClient http;
    private final javax.net.ssl.SSLContext tls;
    private final String hostPort;

    public DiscoveryClient(String hostAndPort) {
        this.hostPort = ApiClient.withDefaultPort(hostAndPort);
        this.tls = ClientTls.context();
        this.http = ClientTls.http(tls);
    }

    /** The context this client uses (for a {@code ServiceWatcher} of the same CLI command). */
    public javax.net.ssl.SSLContext tls() {
        return tls;
    }

    public String hostPort() {
        return hostPort;
    }

    public EndpointSet endpoints(String service, List<String> tags) {
        String query = tags.isEmpty() ? "" : "?tag=" + encode(String.join(",", tags));
        return Json.read(send("GET", "/v1/discovery/services/" + encode(service) + query, null), EndpointSet.class);
    }

    public RegistrationResult register(RegistrationRequest request) {
        return Json.read(send("POST", "/v1/registry", request), RegistrationResult.class);
    }

    public RegistrationResult renew(String id) {
        return Json.read(send("PUT", "/v1/registry/" + encode(id) + "/renew", null), RegistrationResult.class);
    }

    public ChangeResult deregister(String id) {
        return Json.read(send("DELETE", "/v1/registry/" + encode(id), null), ChangeResult.class);
    }

    public List<Registration> registrations() {
        try {
            return Json.MAPPER.readValue(send("GET", "/v1/registry", null), new TypeReference<List<Registration>>() {});
        } catch (IOException e) {
            throw new ApiException(0, "internal", "cannot read the registry: " + e.getMessage());
        }
    }

    private String send(String method, String path, Object body) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body));
        HttpRequest request = HttpRequest.newBuilder(URI.create("https://" + hostPort + path))
                .timeout(Duration.ofSeconds(30)).header("Content-Type", "application/json").method(method, publisher).build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                ApiError error;
                try {
                    error = Json.read(response.body(), ApiError.class);
                } catch (RuntimeException e) {
                    throw new ApiException(response.statusCode(), "http_" + response.statusCode(), response.body());
                }
                throw new ApiException(response.statusCode(), error.code(), error.message());
            }
            return response.body();
        } catch (IOException e) {
            String failed = ClientTls.describe(e, hostPort);
            if (failed != null) {
                throw new ApiException(0, "unreachable", failed);
            }
            throw new ApiException(0, "unreachable", "cannot reach the Flotilla API at " + hostPort + " (" + e.getMessage()
                    + "). Is `flotilla dev` running? Set --host or FLOTILLA_HOST.");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted", "interrupted");
        }
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
