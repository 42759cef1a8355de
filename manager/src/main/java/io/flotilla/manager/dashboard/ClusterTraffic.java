package io.flotilla.manager.dashboard;

import io.flotilla.model.Json;
import io.flotilla.model.api.MeshTraffic;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;

/**
 * Every node's mesh counters for the dashboard, wherever the page is served: the leader has them
 * (its dispatcher receives every agent's reports), so a follower asks the leader for them
 * ({@code GET /v1/dispatcher/traffic}, with this manager's certificate).
 */
public final class ClusterTraffic {
    private static final Duration TIMEOUT = Duration.ofSeconds(3);

    private final BooleanSupplier leading;
    private final Supplier<List<MeshTraffic>> own;
    private final Supplier<String> leaderApi;
    private final HttpClient http;
    private final String scheme;

    /**
     * @param leading   whether this manager leads now
     * @param own       the counters this manager's dispatcher holds (while it leads)
     * @param leaderApi the leader's API address ({@code host:port}), null while none is known
     * @param tls       this manager's context; null: plaintext (tests)
     */
    public ClusterTraffic(BooleanSupplier leading, Supplier<List<MeshTraffic>> own, Supplier<String> leaderApi,
                          SSLContext tls) {
        this.leading = leading;
        this.own = own;
        this.leaderApi = leaderApi;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(TIMEOUT);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.scheme = tls == null ? "http://" : "https://";
    }

    /** Every node's latest counters; throws when this manager does not lead and cannot reach the leader. */
    public List<MeshTraffic> current() throws IOException, InterruptedException {
        if (leading.getAsBoolean()) {
            return own.get();
        }
        String leader = leaderApi.get();
        if (leader == null) {
            throw new IOException("the cluster has no leader now, and only the leader has every node's mesh counters");
        }
        HttpResponse<byte[]> answer = http.send(HttpRequest.newBuilder(URI.create(scheme + leader
                + "/v1/dispatcher/traffic")).timeout(TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
        if (answer.statusCode() != 200) {
            throw new IOException("the leader (" + leader + ") answered " + answer.statusCode()
                    + " for the nodes' mesh counters");
        }
        return Arrays.asList(Json.read(answer.body(), MeshTraffic[].class));
    }

    /**
     * The counters in the Prometheus text format the page reads: per service and per backend of
     * each node ({@code backend="node/backend"}, so each node's counters are rated on their own),
     * requests by {@code code} (5xx, and the rest as {@code other}), and the timed requests.
     */
    public static String text(List<MeshTraffic> nodes) {
        StringBuilder out = new StringBuilder();
        for (MeshTraffic node : nodes) {
            for (MeshTraffic.Backend b : node.backends()) {
                String labels = "service=\"" + escape(b.service()) + "\",backend=\"" + escape(node.node() + "/" + b.backend())
                        + "\",node=\"" + escape(node.node()) + "\"";
                out.append("flotilla_mesh_requests_total{").append(labels).append(",code=\"5xx\"} ").append(b.errors()).append('\n');
                out.append("flotilla_mesh_requests_total{").append(labels).append(",code=\"other\"} ")
                        .append(b.requests() - b.errors()).append('\n');
                out.append("flotilla_mesh_request_duration_seconds_count{").append(labels).append("} ")
                        .append(b.durationCount()).append('\n');
                out.append("flotilla_mesh_request_duration_seconds_sum{").append(labels).append("} ")
                        .append(b.durationSeconds()).append('\n');
            }
        }
        return out.toString();
    }

    private static String escape(String value) {
        return String.valueOf(value).replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n");
    }
}
