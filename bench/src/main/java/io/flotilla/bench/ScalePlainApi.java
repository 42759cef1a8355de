package io.flotilla.bench;

import io.flotilla.model.Json;
import io.flotilla.model.StackSpec;
import io.flotilla.model.api.DeployRequest;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;

/**
 * The two API calls {@code bench scale} makes (info, deploy) over plain HTTP: the managers it
 * starts ({@link ScaleManagerCommand}) run without TLS, as the simulated nodes expect, while the
 * CLI's {@code ApiClient} speaks HTTPS only.
 */
final class ScalePlainApi {
    private static final HttpClient HTTP = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10))
            .version(HttpClient.Version.HTTP_1_1).build();

    private final URI base;

    ScalePlainApi(URI base) {
        this.base = base;
    }

    @SuppressWarnings("unchecked")
    Map<String, Object> info() {
        return Json.read(send(HttpRequest.newBuilder(base.resolve("/v1/info")).GET()), Map.class);
    }

    void deploy(StackSpec stack) {
        send(HttpRequest.newBuilder(base.resolve("/v1/stacks/" + stack.name()))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(new DeployRequest(stack)))));
    }

    private byte[] send(HttpRequest.Builder request) {
        try {
            HttpResponse<byte[]> response = HTTP.send(request.timeout(Duration.ofSeconds(60)).build(),
                    HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() / 100 != 2) {
                throw new IllegalStateException("HTTP " + response.statusCode() + " from " + base + ": "
                        + new String(response.body(), StandardCharsets.UTF_8));
            }
            return response.body();
        } catch (IOException e) {
            throw new IllegalStateException("cannot reach " + base + ": " + e.getMessage(), e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("interrupted", e);
        }
    }
}
