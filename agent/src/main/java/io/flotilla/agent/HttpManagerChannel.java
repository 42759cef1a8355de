package io.flotilla.agent;

import io.flotilla.model.Json;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import java.io.IOException;
import java.io.InterruptedIOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/** {@link ManagerChannel} over the manager's HTTP API with the JDK client; bodies in {@link Json}. */
public final class HttpManagerChannel implements ManagerChannel {
    private static final Duration CONNECT_TIMEOUT = Duration.ofSeconds(3);
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(10);

    private final URI apiBase;
    private final HttpClient client;

    /** @param apiBase the manager's API, such as {@code http://127.0.0.1:4780} */
    public HttpManagerChannel(URI apiBase) {
        String base = apiBase.toString();
        this.apiBase = URI.create(base.endsWith("/") ? base : base + "/");
        this.client = HttpClient.newBuilder().connectTimeout(CONNECT_TIMEOUT).build();
    }

    @Override
    public AssignmentSet hello(AgentHello hello) throws IOException {
        return Json.read(send(post("v1/dispatcher/hello", hello), REQUEST_TIMEOUT), AssignmentSet.class);
    }

    @Override
    public AssignmentSet assignments(String nodeId, long afterIndex, Duration wait) throws IOException {
        String path = "v1/dispatcher/assignments?node=" + URLEncoder.encode(nodeId, StandardCharsets.UTF_8)
                + "&after=" + afterIndex + "&wait=" + wait.toMillis();
        HttpRequest request = HttpRequest.newBuilder(apiBase.resolve(path)).GET()
                .timeout(wait.plus(REQUEST_TIMEOUT)).build();
        return Json.read(send(request, wait.plus(REQUEST_TIMEOUT)), AssignmentSet.class);
    }

    @Override
    public void report(StatusReport report) throws IOException {
        send(post("v1/dispatcher/status", report), REQUEST_TIMEOUT);
    }

    @Override
    public void close() {
        client.shutdownNow();
    }

    private HttpRequest post(String path, Object body) {
        return HttpRequest.newBuilder(apiBase.resolve(path))
                .header("Content-Type", "application/json")
                .timeout(REQUEST_TIMEOUT)
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body)))
                .build();
    }

    private byte[] send(HttpRequest request, Duration timeout) throws IOException {
        HttpResponse<byte[]> response;
        try {
            response = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new InterruptedIOException("interrupted: " + request.method() + " " + request.uri());
        } catch (IOException e) {
            throw new IOException(request.method() + " " + request.uri() + ": " + e, e);
        }
        if (response.statusCode() / 100 != 2) {
            throw new IOException(request.method() + " " + request.uri() + " answered " + response.statusCode()
                    + ": " + errorMessage(response.body()));
        }
        return response.body();
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
