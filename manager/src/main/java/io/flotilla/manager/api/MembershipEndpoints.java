package io.flotilla.manager.api;

import io.flotilla.manager.cluster.ClusterAdmin;
import io.flotilla.manager.cluster.NodeUpdateRequest;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.ManagerPeer;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * The cluster's membership over HTTP: {@code /v1/cluster} (info, join, managers, join tokens) and
 * the node changes under {@code /v1/nodes/{ref}} (promote, demote, update, rm). The logic is in
 * {@link ClusterAdmin}; writes go through Raft from any manager.
 */
final class MembershipEndpoints {
    private static final Duration PROXY_TIMEOUT = Duration.ofSeconds(2);

    private final String nodeId;
    private final ClusterAdmin admin;
    private final HttpClient http;
    private final String scheme;

    /** @param tls this manager's context (its node certificate, a manager's: the leader lets it read); null: plaintext */
    MembershipEndpoints(String nodeId, ClusterAdmin admin, javax.net.ssl.SSLContext tls) {
        this.nodeId = nodeId;
        this.admin = admin;
        HttpClient.Builder builder = HttpClient.newBuilder().connectTimeout(PROXY_TIMEOUT);
        if (tls != null) {
            builder.sslContext(tls);
        }
        this.http = builder.build();
        this.scheme = tls == null ? "http://" : "https://";
    }

    List<String> managerApis() {
        return admin.managerApis();
    }

    Object route(ApiRequest r, List<String> rest, ApiCaller caller) throws Exception {
        if (rest.isEmpty()) {
            ApiServer.requireMethod(r, "GET");
            return info();
        }
        switch (rest.getFirst()) {
            case "join" -> {
                if (rest.size() == 1) {
                    ApiServer.requireMethod(r, "POST");
                    return admin.join(r.body(JoinRequest.class, ApiRequest.MAX_ANONYMOUS_BODY), String.valueOf(r.exchange().remoteAddress()));
                }
            }
            case "managers" -> {
                if (rest.size() == 1) {
                    ApiServer.requireMethod(r, "POST");
                    ManagerPeer peer = r.body(ManagerPeer.class, ApiRequest.MAX_ANONYMOUS_BODY);
                    if (caller.identity() != null && !caller.identity().commonName().equals(peer.id())) {
                        throw new ApiException(403, "forbidden", "manager " + caller.identity().commonName()
                                + " may not add manager " + peer.id() + " (a manager asks for itself)");
                    }
                    return admin.addManager(peer);
                }
            }
            case "certificate" -> {
                if (rest.size() == 1) {
                    ApiServer.requireMethod(r, "POST");
                    if (caller.certificate() == null) {
                        throw new ApiException(401, "unauthenticated", "renewal needs the certificate being renewed");
                    }
                    @SuppressWarnings("unchecked")
                    Map<String, Object> body = r.body(Map.class, ApiRequest.MAX_ANONYMOUS_BODY);
                    return admin.renew(caller.certificate(), body == null ? null : (String) body.get("csr"));
                }
            }
            case "ca" -> {
                var ca = admin.ca().orElseThrow(() -> ApiException.notFound("this manager does not serve TLS"));
                if (rest.size() == 1) {
                    ApiServer.requireMethod(r, "GET");
                    return ca.status();
                }
                if (rest.size() == 2 && rest.get(1).equals("rotate")) {
                    ApiServer.requireMethod(r, "POST");
                    return ca.rotate();
                }
            }
            case "backup" -> {
                if (rest.size() == 1) {
                    ApiServer.requireMethod(r, "GET");
                    return admin.backup();
                }
            }
            case "join-token" -> {
                if (rest.size() == 2) {
                    NodeRole role = switch (rest.get(1)) {
                        case "worker" -> NodeRole.WORKER;
                        case "manager" -> NodeRole.MANAGER;
                        default -> throw ApiException.invalid("role must be worker or manager: " + rest.get(1));
                    };
                    boolean rotate = r.booleanParam("rotate");
                    if (rotate) {
                        ApiServer.requireMethod(r, "POST");
                    } else if (!r.method().equals("GET") && !r.method().equals("POST")) {
                        throw ApiServer.methodNotAllowed(r);
                    }
                    return Map.of("role", rest.get(1), "token", admin.joinToken(role, rotate),
                            "managers", admin.managerApis());
                }
            }
            default -> { }
        }
        throw ApiServer.notFound(r);
    }

    /**
     * The cluster as the leader sees it (only the leader hears from every manager): a follower
     * asks the leader, and answers its own view if the leader does not answer in time.
     */
    private ClusterInfo info() {
        ClusterInfo local = admin.info();
        String leaderApi = admin.leaderApi();
        if (local.leaderId() == null || local.leaderId().equals(nodeId) || leaderApi == null) {
            return local;
        }
        try {
            HttpResponse<byte[]> response = http.send(HttpRequest.newBuilder(URI.create(scheme + leaderApi + "/v1/cluster"))
                    .timeout(PROXY_TIMEOUT).GET().build(), HttpResponse.BodyHandlers.ofByteArray());
            if (response.statusCode() == 200) {
                return Json.read(response.body(), ClusterInfo.class);
            }
        } catch (java.io.IOException e) {
            // the leader is not answering: our own view is the best there is
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        return local;
    }

    Node node(String ref) {
        String id = admin.resolve(ref);
        return admin.node(id);
    }

    Object removeNode(ApiRequest r, String ref) throws Exception {
        return admin.remove(admin.resolve(ref), r.booleanParam("force"));
    }

    Object nodeAction(ApiRequest r, String ref, String action) throws Exception {
        String id = admin.resolve(ref);
        return switch (action.toLowerCase(Locale.ROOT)) {
            case "promote" -> admin.promote(id);
            case "demote" -> admin.demote(id);
            case "update" -> admin.update(id, r.body(NodeUpdateRequest.class));
            default -> throw ApiServer.notFound(r);
        };
    }
}
