package io.flotilla.client;

import com.fasterxml.jackson.core.type.TypeReference;
import io.flotilla.model.Json;
import io.flotilla.model.FileKind;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Task;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.FileInfo;
import io.flotilla.model.api.NetworkInfo;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.ServiceSummary;
import io.flotilla.model.api.ServiceWithAddresses;
import io.flotilla.model.api.TaskWithAddresses;
import io.flotilla.model.api.ServiceUpdateRequest;
import java.io.IOException;
import java.io.InputStream;
import java.net.ConnectException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;

/**
 * A typed client of the Flotilla HTTP API (docs/api.md), for the CLI, tests and benchmarks. HTTPS
 * with mutual TLS: the credential comes from {@link ClientTls} unless one is given.
 */
public final class ApiClient {
    public static final int DEFAULT_PORT = 4780;

    private final URI base;
    private final java.util.function.Supplier<javax.net.ssl.SSLContext> tls;
    private volatile HttpClient http;

    /** With the credential {@link ClientTls} finds, at the first request. */
    public ApiClient(String hostAndPort) {
        this.base = URI.create("https://" + withDefaultPort(hostAndPort));
        this.tls = ClientTls::context;
    }

    public ApiClient(String hostAndPort, javax.net.ssl.SSLContext tls) {
        this.base = URI.create("https://" + withDefaultPort(hostAndPort));
        this.tls = () -> tls;
    }

    private HttpClient http() {
        HttpClient client = http;
        if (client == null) {
            http = client = ClientTls.http(tls.get());
        }
        return client;
    }

    /** {@code host}, {@code host:port} or {@code [v6]:port}; the port defaults to {@link #DEFAULT_PORT}. */
    public static String withDefaultPort(String hostAndPort) {
        String value = hostAndPort.strip();
        for (String scheme : new String[] {"http://", "https://"}) {
            if (value.startsWith(scheme)) {
                value = value.substring(scheme.length());
            }
        }
        if (value.endsWith("/")) {
            value = value.substring(0, value.length() - 1);
        }
        boolean hasPort = value.startsWith("[") ? value.contains("]:") : value.contains(":");
        return hasPort ? value : value + ":" + DEFAULT_PORT;
    }

    public URI base() {
        return base;
    }

    public Map<String, Object> info() {
        return get("/v1/info", new TypeReference<>() {});
    }

    public List<Map<String, Object>> stacks() {
        return get("/v1/stacks", new TypeReference<>() {});
    }

    public ChangeResult deploy(StackSpec stack) {
        return send("POST", "/v1/stacks/" + encode(stack.name()), new DeployRequest(stack), ChangeResult.class);
    }

    /** A deploy with the content of the stack's own secrets and configs (read from what its file names). */
    public ChangeResult deploy(StackSpec stack, List<io.flotilla.model.api.FileData> files) {
        return send("POST", "/v1/stacks/" + encode(stack.name()), new DeployRequest(stack, files), ChangeResult.class);
    }

    /** {@code GET /v1/secrets} or {@code /v1/configs}: metadata and the version each task holds, never a secret's content. */
    public List<FileInfo> files(FileKind kind) {
        return get(filesPath(kind), new TypeReference<>() {});
    }

    /** By name, id or unique id prefix; a config's answer holds its content, a secret's never. */
    public FileInfo file(FileKind kind, String ref) {
        return get(filesPath(kind) + "/" + encode(ref), new TypeReference<>() {});
    }

    /** {@code secret|config create}: 409 when the name is taken. */
    public FileInfo createFile(FileKind kind, String name, Map<String, String> labels, byte[] data) {
        return send("POST", filesPath(kind), new io.flotilla.model.api.FileData(null, name, labels, data), FileInfo.class);
    }

    /** {@code secret|config update}: a new version when the content differs (beyond Swarm). */
    public FileInfo updateFile(FileKind kind, String ref, byte[] data) {
        return send("POST", filesPath(kind) + "/" + encode(ref) + "/update",
                new io.flotilla.model.api.FileData(null, null, null, data), FileInfo.class);
    }

    /** {@code secret|config rm} (204); 409 while a service uses it or when a stack owns it. */
    public void removeFile(FileKind kind, String ref) {
        exchange(HttpRequest.newBuilder(base.resolve(filesPath(kind) + "/" + encode(ref)))
                .timeout(Duration.ofSeconds(60)).DELETE().build());
    }

    private static String filesPath(FileKind kind) {
        return kind == FileKind.SECRET ? "/v1/secrets" : "/v1/configs";
    }

    public ChangeResult removeStack(String name) {
        return send("DELETE", "/v1/stacks/" + encode(name), null, ChangeResult.class);
    }

    /** {@code volumes}: also forget the volumes the stack's file declared (external ones never). */
    public ChangeResult removeStack(String name, boolean volumes) {
        return send("DELETE", "/v1/stacks/" + encode(name) + (volumes ? "?volumes=true" : ""), null, ChangeResult.class);
    }

    public List<io.flotilla.model.api.VolumeInfo> volumes() {
        return get("/v1/volumes", new TypeReference<>() {});
    }

    public io.flotilla.model.api.VolumeInfo volume(String name) {
        return get("/v1/volumes/" + encode(name), new TypeReference<>() {});
    }

    public ChangeResult removeVolume(String name) {
        return send("DELETE", "/v1/volumes/" + encode(name), null, ChangeResult.class);
    }

    /** {@code GET /v1/networks}: every network of the cluster, the tasks on it with their addresses. */
    public List<NetworkInfo> networks() {
        return get("/v1/networks", new TypeReference<>() {});
    }

    /** {@code GET /v1/networks/{name}}; 404 {@code not_found} for an unknown name. */
    public NetworkInfo network(String name) {
        return get("/v1/networks/" + encode(name), new TypeReference<>() {});
    }

    /**
     * {@code POST /v1/networks}: makes a network on its own ({@code spec.stack()} null), which stacks
     * may then use as {@code external: true}; 409 when the name is taken, 400 when the spec is invalid
     * or its subnet overlaps another network's.
     */
    public NetworkInfo createNetwork(NetworkSpec spec) {
        return send("POST", "/v1/networks", spec, NetworkInfo.class);
    }

    /** {@code DELETE /v1/networks/{name}} (204); 409 while a service uses it or when a stack owns it. */
    public void removeNetwork(String name) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/networks/" + encode(name)))
                .timeout(Duration.ofSeconds(60)).DELETE().build();
        exchange(request);
    }

    public List<ServiceSummary> services(String stack) {
        return get("/v1/services" + (stack == null ? "" : "?stack=" + encode(stack)), new TypeReference<>() {});
    }

    public Service service(String ref) {
        return get("/v1/services/" + encode(ref), new TypeReference<>() {});
    }

    /**
     * {@code GET /v1/services/{ref}} with what {@link #service} drops: the service's virtual address
     * on each of its networks ({@code service inspect}).
     */
    public ServiceWithAddresses serviceWithAddresses(String ref) {
        return get("/v1/services/" + encode(ref), new TypeReference<>() {});
    }

    public List<Task> serviceTasks(String ref) {
        return get("/v1/services/" + encode(ref) + "/tasks", new TypeReference<>() {});
    }

    /**
     * {@code GET /v1/services/{ref}/tasks} with what {@link #serviceTasks} drops: each task's
     * addresses on its networks ({@code service ps}).
     */
    public List<TaskWithAddresses> serviceTasksWithAddresses(String ref) {
        return get("/v1/services/" + encode(ref) + "/tasks", new TypeReference<>() {});
    }

    public ChangeResult scale(String ref, int replicas) {
        return send("POST", "/v1/services/" + encode(ref) + "/scale", Map.of("replicas", replicas), ChangeResult.class);
    }

    /** A partial update: unset fields of {@code change} keep their value (docs/api.md). */
    public ChangeResult updateService(String ref, ServiceUpdateRequest change) {
        return send("POST", "/v1/services/" + encode(ref) + "/update", change, ChangeResult.class);
    }

    public ChangeResult rollbackService(String ref) {
        return send("POST", "/v1/services/" + encode(ref) + "/rollback", null, ChangeResult.class);
    }

    public ChangeResult rebalanceService(String ref) {
        return send("POST", "/v1/services/" + encode(ref) + "/rebalance", null, ChangeResult.class);
    }

    public List<Task> tasks(String stack) {
        return get("/v1/tasks" + (stack == null ? "" : "?stack=" + encode(stack)), new TypeReference<>() {});
    }

    /** {@code GET /v1/tasks} with each task's addresses on its networks ({@code stack ps}). */
    public List<TaskWithAddresses> tasksWithAddresses(String stack) {
        return get("/v1/tasks" + (stack == null ? "" : "?stack=" + encode(stack)), new TypeReference<>() {});
    }

    /** {@code GET /v1/progress?stack=…}: the progress of these stacks now. */
    public Progress stackProgress(Collection<String> stacks) {
        return progress(progressPath("stack", String.join(",", stacks), -1, null), Duration.ofSeconds(30));
    }

    /**
     * {@code GET /v1/progress?stack=…&index=…&wait=…}, a long poll: the progress of these stacks
     * once it differs from what it was at {@code index}, or after {@code wait}.
     */
    public Progress stackProgress(Collection<String> stacks, long index, Duration wait) {
        return progress(progressPath("stack", String.join(",", stacks), index, wait), wait.plusSeconds(10));
    }

    /** {@code GET /v1/progress?service=…}: one service's progress now; 404 {@code not_found} once it is gone. */
    public Progress serviceProgress(String ref) {
        return progress(progressPath("service", ref, -1, null), Duration.ofSeconds(30));
    }

    /** The long poll of {@link #stackProgress(Collection, long, Duration)} for one service. */
    public Progress serviceProgress(String ref, long index, Duration wait) {
        return progress(progressPath("service", ref, index, wait), wait.plusSeconds(10));
    }

    private Progress progress(String path, Duration timeout) {
        return get(path, Progress.class, timeout);
    }

    /** The path of a progress request; {@code index} below 0: answer at once. */
    static String progressPath(String key, String value, long index, Duration wait) {
        return "/v1/progress?" + key + "=" + encode(value)
                + (index < 0 ? "" : "&index=" + index + "&wait=" + wait.toMillis());
    }

    public List<Node> nodes() {
        return get("/v1/nodes", new TypeReference<>() {});
    }

    /** The images the cluster stores for itself (built by {@code stack deploy}). */
    public List<io.flotilla.model.ImageArchive> images() {
        return get("/v1/images", new TypeReference<>() {});
    }

    /** How many bytes of the archive {@code digest} the manager has (to resume an upload). */
    public long imageUploadReceived(String digest, long size) {
        Map<String, Object> answer = get("/v1/images/upload?digest=" + digest + "&size=" + size, new TypeReference<>() {});
        return ((Number) answer.get("received")).longValue();
    }

    /**
     * {@code PUT /v1/images/archive}: one part of an image archive at {@code offset}; true once the
     * manager stored the whole archive (checked by {@code digest}) under {@code reference}.
     */
    public boolean uploadImagePart(String reference, String imageId, String digest, long size, long offset, byte[] part) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve("/v1/images/archive?ref=" + encode(reference) + "&id="
                        + encode(imageId) + "&digest=" + digest + "&size=" + size + "&offset=" + offset))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/octet-stream")
                .PUT(HttpRequest.BodyPublishers.ofByteArray(part)).build();
        Map<?, ?> answer = Json.read(exchange(ClientTls.http1(tls.get()), request), Map.class);
        return Boolean.TRUE.equals(answer.get("stored"));
    }

    /** Streams a service's logs; the caller reads lines until the stream ends and closes it. */
    public InputStream logs(String ref, boolean follow, int tail) {
        return stream("/v1/services/" + encode(ref) + "/logs?follow=" + follow + "&tail=" + tail);
    }

    /** A streamed answer ({@code 200}) as it arrives ({@link EventReader#open}); an error answer is an {@link ApiException}. */
    InputStream stream(String pathAndQuery) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(pathAndQuery)).GET().build();
        try {
            HttpResponse<InputStream> response = http().send(request, HttpResponse.BodyHandlers.ofInputStream());
            if (response.statusCode() >= 300) {
                try (InputStream body = response.body()) {
                    throw error(response.statusCode(), new String(body.readAllBytes(), StandardCharsets.UTF_8));
                }
            }
            return response.body();
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted", "interrupted");
        }
    }

    /**
     * {@code GET path}, its answer read as {@code type}: also for an answer whose type is not in
     * {@code model} — the whole state ({@code /v1/state}, a {@code state.StateSnapshot}), which
     * benchmarks read ({@code io.flotilla.bench.StateReads}) — so this client depends on
     * {@code model} and {@code security} only. {@code timeout} bounds the whole request (a long
     * poll's wait included).
     */
    public <T> T get(String path, Class<T> type, Duration timeout) {
        return get(path, Json.MAPPER.getTypeFactory().constructType(type), timeout);
    }

    private <T> T get(String path, TypeReference<T> type) {
        return get(path, type, Duration.ofSeconds(30));
    }

    private <T> T get(String path, TypeReference<T> type, Duration timeout) {
        return get(path, Json.MAPPER.getTypeFactory().constructType(type), timeout);
    }

    private <T> T get(String path, com.fasterxml.jackson.databind.JavaType type, Duration timeout) {
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(timeout).GET().build();
        String body = exchange(request);
        try {
            return Json.MAPPER.readValue(body, type);
        } catch (IOException e) {
            throw new ApiException(0, "internal", "cannot read the answer of " + path + ": " + e.getMessage());
        }
    }

    private <T> T send(String method, String path, Object body, Class<T> type) {
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(body));
        HttpRequest request = HttpRequest.newBuilder(base.resolve(path)).timeout(Duration.ofSeconds(60))
                .header("Content-Type", "application/json").method(method, publisher).build();
        return Json.read(exchange(request), type);
    }

    private String exchange(HttpRequest request) {
        return exchange(http(), request);
    }

    private String exchange(HttpClient client, HttpRequest request) {
        try {
            HttpResponse<String> response = client.send(request, HttpResponse.BodyHandlers.ofString());
            if (response.statusCode() >= 300) {
                throw error(response.statusCode(), response.body());
            }
            return response.body();
        } catch (IOException e) {
            throw unreachable(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(0, "interrupted", "interrupted");
        }
    }

    private ApiException unreachable(IOException e) {
        String tls = ClientTls.describe(e, base.getAuthority());
        if (tls != null) {
            return new ApiException(0, "unreachable", tls);
        }
        String why = e instanceof ConnectException ? "connection refused" : String.valueOf(e.getMessage());
        return new ApiException(0, "unreachable", "cannot reach the Flotilla API at " + base.getAuthority() + " ("
                + why + "). Is `flotilla dev` running? Set --host or FLOTILLA_HOST.");
    }

    private static ApiException error(int status, String body) {
        try {
            ApiError error = Json.read(body, ApiError.class);
            if (error.message() != null) {
                return new ApiException(status, error.code(), error.message());
            }
        } catch (RuntimeException ignored) {
            // not an ApiError body: fall through
        }
        return new ApiException(status, "http_" + status, "HTTP " + status + ": " + body);
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8).replace("+", "%20");
    }
}
