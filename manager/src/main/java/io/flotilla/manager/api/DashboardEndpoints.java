package io.flotilla.manager.api;

import io.flotilla.manager.dashboard.DashboardAssets;
import io.flotilla.manager.dashboard.DashboardAudit;
import io.flotilla.manager.dashboard.DashboardGrant;
import io.flotilla.manager.dashboard.DashboardTokens;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Json;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * The web dashboard under {@code /ui/} (docs/dashboard.md): its files, the login, and the API as
 * the page calls it ({@code /ui/api/v1/...}), answered by the same endpoints as {@code /v1/...}.
 *
 * <p>A browser has no client certificate: requests here are judged <em>only</em> by the session
 * cookie, never by the connection's certificate, so a certificate cannot lend its rights to a page
 * and a page cannot reach what its session does not allow. A session reads the cluster's views
 * (not secrets, configs, tokens or the raw state); a session that is not read-only may also take
 * the page's five actions, each with the anti-forgery header {@value #CSRF_HEADER}, and each is
 * recorded through {@link DashboardAudit}.
 */
final class DashboardEndpoints {
    static final String COOKIE = "flotilla_session";
    static final String CSRF_HEADER = "X-Flotilla-Session";
    /** What the API's GET views a session may read: {@code /ui/api/v1/RESOURCE...}. */
    private static final List<String> READABLE = List.of("info", "nodes", "stacks", "services", "tasks", "volumes",
            "networks", "progress", "events", "registry", "discovery");
    private static final String SECURITY_POLICY = "default-src 'self'; script-src 'self'; style-src 'self';"
            + " img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'";

    /** The API's own router: what {@code /v1/...} answers. */
    interface Router {
        Object route(ApiRequest request, ApiCaller caller) throws Exception;
    }

    private final DashboardTokens tokens;
    private final DashboardAssets assets;
    private final DashboardLive live;
    private volatile DashboardAudit audit = DashboardAudit.LOGGING;
    /** Every node's mesh counters (from the leader); null: none to show (a test's API without a dispatcher). */
    private volatile io.flotilla.manager.dashboard.ClusterTraffic traffic;

    DashboardEndpoints(DashboardTokens tokens, DashboardAssets assets, DashboardLive live) {
        this.tokens = tokens;
        this.assets = assets;
        this.live = live;
    }

    static DashboardEndpoints of(io.flotilla.manager.raft.ClusterStore store, java.util.function.Supplier<String> leaderId,
                                 java.time.InstantSource clock,
                                 java.util.function.Supplier<io.flotilla.security.ClusterDataKey> dataKey, DashboardAudit audit,
                                 io.flotilla.manager.dashboard.ClusterTraffic traffic) {
        DashboardEndpoints endpoints = new DashboardEndpoints(new DashboardTokens(dataKey, clock,
                        new io.flotilla.manager.dashboard.LoggedFirstUse(store, clock)), new DashboardAssets(),
                new DashboardLive(store, leaderId, clock, Duration.ofMillis(250)));
        endpoints.audit = audit;
        endpoints.traffic = traffic;
        return endpoints;
    }

    static boolean owns(ApiRequest r) {
        return !r.path().isEmpty() && r.path().getFirst().equals("ui");
    }

    /** {@code POST /v1/dashboard/login} (the admin: {@link ApiCaller}): a login token for the page. */
    Object issue(ApiRequest r) throws IOException {
        ApiServer.requireMethod(r, "POST");
        LoginRequest body = r.body(LoginRequest.class, 4096);
        Duration ttl = body.ttl() == null ? Duration.ofMinutes(5) : body.ttl();
        String token = tokens.login(body.readOnly(), ttl);
        return Map.of("token", token, "path", "/ui/login#token=" + token, "readOnly", body.readOnly(),
                "ttl", ttl.toString());
    }

    record LoginRequest(boolean readOnly, Duration ttl) {}

    record TokenBody(String token) {}

    /** Answers {@code /ui/...}; {@link ApiServer#STREAMED} when it wrote the answer itself. */
    Object handle(ApiRequest r, Router router) throws Exception {
        List<String> p = r.path();
        ApiExchange ex = r.exchange();
        ex.responseHeader("Content-Security-Policy", SECURITY_POLICY);
        ex.responseHeader("X-Frame-Options", "DENY");
        ex.responseHeader("Referrer-Policy", "no-referrer");
        ex.responseHeader("X-Content-Type-Options", "nosniff");
        if (p.size() == 1) {
            return ex.path().endsWith("/") ? file(ex, "index.html") : redirect(ex, "/ui/");
        }
        String first = p.get(1);
        if (first.equals("login")) {
            return login(r);
        }
        if (first.equals("logout") && p.size() == 2) {
            ApiServer.requireMethod(r, "POST");
            ex.responseHeader("Set-Cookie", COOKIE + "=; Path=/ui; HttpOnly; Secure; SameSite=Strict; Max-Age=0");
            return new ApiServer.Answer(204, null);
        }
        if (first.equals("api")) {
            ex.responseHeader("Cache-Control", "no-store");
            DashboardGrant session = session(ex).orElseThrow(() -> new ApiException(401, "unauthenticated",
                    "no dashboard session (or it expired): run `flotilla dashboard` for a login link"));
            return api(r, session, router);
        }
        if (!r.method().equals("GET") && !r.method().equals("HEAD")) {
            throw ApiServer.methodNotAllowed(r);
        }
        String name = String.join("/", p.subList(1, p.size()));
        if (name.isEmpty()) {
            name = "index.html";
        }
        return file(ex, name);
    }

    private Object api(ApiRequest r, DashboardGrant session, Router router) throws Exception {
        List<String> p = r.path();
        if (p.size() == 3 && p.get(2).equals("session")) {
            ApiServer.requireMethod(r, "GET");
            return Map.of("readOnly", session.readOnly(), "csrf", tokens.csrf(session), "expires",
                    session.expires().toString(), "id", session.id());
        }
        if (p.size() == 3 && p.get(2).equals("live")) {
            ApiServer.requireMethod(r, "GET");
            live.stream(ex(r), session);
            return ApiServer.STREAMED;
        }
        if (p.size() == 3 && p.get(2).equals("meters")) {
            ApiServer.requireMethod(r, "GET");
            return meshMeters(r.exchange());
        }
        if (p.size() < 4 || !p.get(2).equals("v1")) {
            throw ApiServer.notFound(r);
        }
        List<String> api = p.subList(2, p.size());
        if (r.method().equals("GET")) {
            if (!READABLE.contains(api.get(1)) || (api.get(1).equals("discovery") && api.size() > 2
                    && api.get(2).equals("mesh"))) {
                throw new ApiException(403, "forbidden", "the dashboard does not read /" + String.join("/", api));
            }
            return router.route(new ApiRequest(r.exchange(), "GET", api, r.query()), ApiCaller.ANONYMOUS);
        }
        String action = action(r.method(), api);
        byte[] body = action == null || r.method().equals("DELETE") ? new byte[0]
                : r.exchange().bodyKeptForReplay(ApiRequest.MAX_ANONYMOUS_BODY);
        if ("drain".equals(action)) {
            action = nodeAction(body);
        }
        if (action == null) {
            throw new ApiException(403, "forbidden", "the dashboard does not " + r.method() + " /" + String.join("/", api));
        }
        if (session.readOnly()) {
            throw new ApiException(403, "forbidden", "this dashboard session is read-only (flotilla dashboard"
                    + " --read-only): it may not " + action);
        }
        if (!tokens.csrfMatches(session, r.exchange().requestHeader(CSRF_HEADER))) {
            throw new ApiException(403, "forbidden", "an action needs the " + CSRF_HEADER + " header of its session");
        }
        // No query: what an action may do is its body's, as the page sends it (no ?volumes=true).
        Object answer = router.route(new ApiRequest(r.exchange(), r.method(), api, Map.of()), ApiCaller.ANONYMOUS);
        audit.record(session.id(), action, api.get(2), detail(body));
        return answer;
    }

    /** A node update by what it sets: drain, pause or activate (the page only drains). */
    private static String nodeAction(byte[] body) {
        Object availability = fields(body).get("availability");
        return availability == null ? "update-node" : switch (String.valueOf(availability).toLowerCase(java.util.Locale.ROOT)) {
            case "drain" -> "drain";
            case "pause" -> "pause";
            case "active" -> "activate";
            default -> "update-node";
        };
    }

    /** What an action asked, for its audit event: {@code replicas=5}, {@code image=shop/web:2}; empty for none. */
    static String detail(byte[] body) {
        Map<String, Object> fields = fields(body);
        return String.join(" ", java.util.stream.Stream.of("replicas", "image", "availability")
                .filter(fields::containsKey).map(k -> k + "=" + fields.get(k)).toList());
    }

    @SuppressWarnings("unchecked")
    private static Map<String, Object> fields(byte[] body) {
        if (body.length == 0) {
            return Map.of();
        }
        try {
            Object parsed = io.flotilla.model.Json.MAPPER.readValue(body, Object.class);
            return parsed instanceof Map<?, ?> map ? (Map<String, Object>) map : Map.of();
        } catch (IOException e) {
            return Map.of(); // the endpoint refuses it with the API's own error
        }
    }

    /** The page's actions: {@code /v1/...} paths it may change, by name; null for any other. */
    static String action(String method, List<String> api) {
        if (method.equals("POST") && api.size() == 4 && api.get(1).equals("services")) {
            return switch (api.get(3)) {
                case "scale" -> "scale";
                case "update" -> "update-image";
                case "rollback" -> "rollback";
                default -> null;
            };
        }
        if (method.equals("POST") && api.size() == 4 && api.get(1).equals("nodes") && api.get(3).equals("update")) {
            return "drain";
        }
        if (method.equals("DELETE") && api.size() == 3 && api.get(1).equals("stacks")) {
            return "remove-stack";
        }
        return null;
    }

    /**
     * {@code GET /ui/api/meters}: the request counters and latency sums of every node's mesh, as the
     * leader last received them from each node's agent (the page takes rates from successive reads);
     * 204 when there are none to show, 503 when the leader cannot be asked.
     */
    private Object meshMeters(ApiExchange ex) throws IOException {
        io.flotilla.manager.dashboard.ClusterTraffic source = traffic;
        if (source == null) {
            return new ApiServer.Answer(204, null);
        }
        java.util.List<io.flotilla.model.api.MeshTraffic> nodes;
        try {
            nodes = source.current();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new ApiException(503, "unavailable", "interrupted while asking the leader for the mesh counters");
        } catch (IOException e) {
            throw new ApiException(503, "unavailable", e.getMessage());
        }
        ex.respond(200, "text/plain; version=0.0.4; charset=utf-8",
                io.flotilla.manager.dashboard.ClusterTraffic.text(nodes).getBytes(StandardCharsets.UTF_8));
        return ApiServer.STREAMED;
    }

    private Object login(ApiRequest r) throws IOException {
        ApiExchange ex = r.exchange();
        if (r.method().equals("POST")) {
            TokenBody body = r.body(TokenBody.class, 4096);
            DashboardGrant login = redeem(body.token());
            startSession(ex, login);
            return Map.of("readOnly", login.readOnly());
        }
        ApiServer.requireMethod(r, "GET");
        String token = r.param("token");
        if (token == null) {
            return file(ex, "login.html"); // reads #token=… (never sent to a server) and posts it
        }
        DashboardGrant login;
        try {
            login = redeem(token);
        } catch (ApiException refused) {
            byte[] page = ("<!doctype html><title>Flotilla</title><p>" + refused.getMessage() + "</p>")
                    .getBytes(StandardCharsets.UTF_8);
            ex.respond(401, "text/html; charset=utf-8", page);
            return ApiServer.STREAMED;
        }
        startSession(ex, login);
        return redirect(ex, "/ui/");
    }

    private DashboardGrant redeem(String token) {
        return tokens.redeem(token).orElseThrow(() -> new ApiException(401, "unauthenticated",
                "this login link is invalid, expired or used already: run `flotilla dashboard` for a new one"));
    }

    private void startSession(ApiExchange ex, DashboardGrant login) {
        String session = tokens.session(login);
        ex.responseHeader("Set-Cookie", COOKIE + "=" + session + "; Path=/ui; HttpOnly; Secure; SameSite=Strict; Max-Age="
                + DashboardTokens.SESSION_TTL.toSeconds());
        tokens.verifySession(session).ifPresent(s -> audit.record(s.id(), "login", login.readOnly() ? "read-only" : "read-write", ""));
    }

    private Optional<DashboardGrant> session(ApiExchange ex) {
        for (String header : ex.requestHeaders("Cookie")) {
            for (String pair : header.split(";")) {
                String trimmed = pair.trim();
                if (trimmed.startsWith(COOKIE + "=")) {
                    Optional<DashboardGrant> grant = tokens.verifySession(trimmed.substring(COOKIE.length() + 1));
                    if (grant.isPresent()) {
                        return grant;
                    }
                }
            }
        }
        return Optional.empty();
    }

    private Object file(ApiExchange ex, String name) throws IOException {
        Optional<DashboardAssets.Asset> asset = assets.get(name);
        if (asset.isEmpty() && !name.contains(".")) {
            asset = assets.get("index.html"); // the page's own routes
        }
        if (asset.isEmpty()) {
            String why = assets.get("index.html").isEmpty()
                    ? "this build has no dashboard files (module dashboard-ui was not built)" : "no such file: /ui/" + name;
            throw ApiException.notFound(why);
        }
        DashboardAssets.Asset a = asset.get();
        ex.responseHeader("Cache-Control", a.immutable() ? "public, max-age=31536000, immutable" : "no-cache");
        ex.respond(200, a.contentType(), a.bytes());
        return ApiServer.STREAMED;
    }

    private static Object redirect(ApiExchange ex, String to) throws IOException {
        ex.responseHeader("Location", to);
        ex.respond(303, "text/plain; charset=utf-8", new byte[0]);
        return ApiServer.STREAMED;
    }

    private static ApiExchange ex(ApiRequest r) {
        return r.exchange();
    }

    static byte[] json(Object value) {
        return Json.writeBytes(value);
    }
}
