package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.TestManagers;
import io.flotilla.manager.dashboard.ClusterTraffic;
import io.flotilla.model.Json;
import io.flotilla.model.StackSpec;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.DeployRequest;
import io.flotilla.model.api.MeshTraffic;
import io.flotilla.model.api.StatusReport;
import io.flotilla.security.CertificateSubject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The dashboard's doors over real HTTPS, called as a browser does: no client certificate, a
 * session cookie. docs/dashboard.md's access model, one door per assertion.
 */
class DashboardApiTest {
    @TempDir Path dir;
    private TlsApiFixture api;
    private SSLContext admin;
    private SSLContext browser;

    @BeforeEach
    void start() throws Exception {
        api = new TlsApiFixture(dir);
        admin = api.credential("admin", CertificateSubject.ADMIN);
        browser = api.anonymous();
        StackSpec stack = TestManagers.stack("shop", "web");
        assertThat(api.call(admin, "POST", "/v1/stacks/shop", new DeployRequest(stack)).statusCode()).isEqualTo(200);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    @Test
    void onlyTheAdminGetsALoginLink() throws Exception {
        assertThat(api.call(browser, "POST", "/v1/dashboard/login", Map.of()).statusCode()).isEqualTo(401);
        assertThat(api.call(api.credential("m2", CertificateSubject.MANAGER), "POST", "/v1/dashboard/login", Map.of())
                .statusCode()).isEqualTo(403);
        assertThat(api.call(api.credential("w1", CertificateSubject.WORKER), "POST", "/v1/dashboard/login", Map.of())
                .statusCode()).isEqualTo(403);
        HttpResponse<String> tooLong = api.call(admin, "POST", "/v1/dashboard/login", Map.of("ttl", "PT2H"));
        assertThat(tooLong.statusCode()).isEqualTo(400);
        assertThat(tooLong.body()).contains("at most 60 minutes");
    }

    @Test
    void aLinkOpensOneSessionWhoseCookieIsTheOnlyKey() throws Exception {
        String token = token(false);
        HttpResponse<String> login = get(browser, "/ui/login?token=" + token, null);
        assertThat(login.statusCode()).isEqualTo(303);
        assertThat(login.headers().firstValue("Location")).hasValue("/ui/");
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        assertThat(setCookie).startsWith("flotilla_session=").contains("HttpOnly", "Secure", "SameSite=Strict", "Path=/ui");
        String cookie = setCookie.substring(0, setCookie.indexOf(';'));

        assertThat(get(browser, "/ui/login?token=" + token, null).statusCode()).as("single use").isEqualTo(401);
        assertThat(get(browser, "/ui/api/v1/services", cookie).statusCode()).isEqualTo(200);
        assertThat(get(browser, "/ui/api/v1/services", null).statusCode()).as("no cookie").isEqualTo(401);
        assertThat(get(admin, "/ui/api/v1/services", null).statusCode()).as("a certificate is no session").isEqualTo(401);
        assertThat(get(browser, "/ui/api/v1/services", cookie + "x").statusCode()).isEqualTo(401);
        assertThat(get(browser, "/ui/api/v1/secrets", cookie).statusCode()).as("not the dashboard's to read").isEqualTo(403);
        assertThat(get(browser, "/ui/api/v1/state", cookie).statusCode()).isEqualTo(403);
        assertThat(get(browser, "/ui/api/v1/cluster/join-token/manager", cookie).statusCode()).isEqualTo(403);

        HttpResponse<String> page = get(browser, "/ui/", null);
        assertThat(page.statusCode()).isEqualTo(200);
        assertThat(page.headers().firstValue("Content-Type")).hasValue("text/html; charset=utf-8");
        assertThat(page.headers().firstValue("Content-Security-Policy")).hasValueSatisfying(csp -> assertThat(csp)
                .contains("frame-ancestors 'none'"));
        assertThat(page.body()).contains("<title>Flotilla</title>");
        assertThat(get(browser, "/ui/../v1/state", null).statusCode()).isNotEqualTo(200);
    }

    @Test
    void anActionNeedsAWritableSessionAndItsHeaderAndChangesNothingOtherwise() throws Exception {
        String cookie = session(false);
        String csrf = String.valueOf(Json.read(get(browser, "/ui/api/session", cookie).body(), Map.class).get("csrf"));

        assertThat(post(cookie, null, "/ui/api/v1/services/shop_web/scale", "{\"replicas\":5}").statusCode())
                .as("no anti-forgery header").isEqualTo(403);
        assertThat(post(cookie, "wrong", "/ui/api/v1/services/shop_web/scale", "{\"replicas\":5}").statusCode())
                .isEqualTo(403);
        assertThat(replicas()).isEqualTo(2);
        assertThat(post(cookie, csrf, "/ui/api/v1/services/shop_web/scale", "{\"replicas\":-1}").statusCode())
                .as("the API's own validation").isEqualTo(400);
        assertThat(post(cookie, csrf, "/ui/api/v1/services/shop_web/rebalance", "").statusCode())
                .as("not one of the page's actions").isEqualTo(403);
        assertThat(replicas()).isEqualTo(2);

        assertThat(post(cookie, csrf, "/ui/api/v1/services/shop_web/scale", "{\"replicas\":5}").statusCode()).isEqualTo(200);
        assertThat(replicas()).isEqualTo(5);
        // the action is an audit event in the log, with the session that took it
        assertThat(api.manager.state().events().all()).anySatisfy(event -> {
            assertThat(event.type()).isEqualTo("audit");
            assertThat(event.message() + " " + event.attributes()).contains("scale").contains("shop_web")
                    .contains("replicas=5").contains("dashboard session");
        });
        // a node update is audited as what it sets, not always as a drain
        assertThat(api.call(api.credential("m1-agent", "m1", CertificateSubject.MANAGER), "POST", "/v1/dispatcher/hello",
                new AgentHello(TestManagers.node("m1"))).statusCode()).isEqualTo(200);
        assertThat(post(cookie, csrf, "/ui/api/v1/nodes/m1/update", "{\"availability\":\"ACTIVE\"}").statusCode())
                .isEqualTo(200);
        assertThat(api.manager.state().events().all()).anySatisfy(event -> assertThat(event.message() + " "
                + event.attributes()).contains("activate").contains("availability=ACTIVE").doesNotContain("drain"));

        String readOnly = session(true);
        String roCsrf = String.valueOf(Json.read(get(browser, "/ui/api/session", readOnly).body(), Map.class).get("csrf"));
        HttpResponse<String> refused = post(readOnly, roCsrf, "/ui/api/v1/services/shop_web/scale", "{\"replicas\":1}");
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("read-only");
        assertThat(replicas()).isEqualTo(5);
        assertThat(get(browser, "/ui/api/v1/services", readOnly).statusCode()).isEqualTo(200);
    }

    @Test
    void theMeshMetersAreEveryNodesRequestCountersAsItsAgentReportedThemOnlyToASession() throws Exception {
        String cookie = session(true);
        HttpResponse<String> none = get(browser, "/ui/api/meters", cookie);
        assertThat(none.statusCode()).isEqualTo(200);
        assertThat(none.body()).as("no node reported any").isEmpty();

        // the manager's own agent (a manager runs tasks too) reports its node's counters
        SSLContext m1 = api.credential("m1-agent", "m1", CertificateSubject.MANAGER);
        assertThat(api.call(m1, "POST", "/v1/dispatcher/hello", new AgentHello(TestManagers.node("m1"))).statusCode())
                .isEqualTo(200);
        MeshTraffic traffic = new MeshTraffic("m1", Instant.now(), List.of(
                new MeshTraffic.Backend("shop_web", "t1", 10, 2, 10, 0.5)));
        assertThat(api.call(m1, "POST", "/v1/dispatcher/status", new StatusReport("m1", List.of(), traffic))
                .statusCode()).isEqualTo(200);
        // a report without counters (most heartbeats) keeps the node's last ones
        assertThat(api.call(m1, "POST", "/v1/dispatcher/status", new StatusReport("m1", List.of())).statusCode())
                .isEqualTo(200);

        HttpResponse<String> meters = get(browser, "/ui/api/meters", cookie);
        assertThat(meters.statusCode()).isEqualTo(200);
        String labels = "service=\"shop_web\",backend=\"m1/t1\",node=\"m1\"";
        assertThat(meters.body()).isEqualTo("flotilla_mesh_requests_total{" + labels + ",code=\"5xx\"} 2\n"
                + "flotilla_mesh_requests_total{" + labels + ",code=\"other\"} 8\n"
                + "flotilla_mesh_request_duration_seconds_count{" + labels + "} 10\n"
                + "flotilla_mesh_request_duration_seconds_sum{" + labels + "} 0.5\n");
        assertThat(get(browser, "/ui/api/meters", null).statusCode()).isEqualTo(401);

        // the counters a follower asks the leader for: a manager's certificate, never a worker's
        SSLContext w1 = api.credential("w1", CertificateSubject.WORKER);
        assertThat(api.call(w1, "GET", "/v1/dispatcher/traffic", null).statusCode()).isEqualTo(403);
        HttpResponse<String> all = api.call(api.credential("m2", CertificateSubject.MANAGER), "GET",
                "/v1/dispatcher/traffic", null);
        assertThat(all.statusCode()).isEqualTo(200);
        assertThat(Json.read(all.body(), MeshTraffic[].class)).extracting(MeshTraffic::node, MeshTraffic::backends)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("m1", traffic.backends()));
        // ... as a follower's dashboard does, with its own certificate
        ClusterTraffic follower = new ClusterTraffic(() -> false, List::of,
                () -> "127.0.0.1:" + api.manager.apiAddress().getPort(), api.credential("m3", CertificateSubject.MANAGER));
        assertThat(ClusterTraffic.text(follower.current())).isEqualTo(meters.body());
        ClusterTraffic asWorker = new ClusterTraffic(() -> false, List::of,
                () -> "127.0.0.1:" + api.manager.apiAddress().getPort(), w1);
        assertThatThrownBy(asWorker::current).hasMessageContaining("answered 403");
        assertThatThrownBy(new ClusterTraffic(() -> false, List::of, () -> null, w1)::current)
                .hasMessageContaining("no leader");
    }

    private int replicas() throws Exception {
        Map<?, ?> service = Json.read(api.call(admin, "GET", "/v1/services/shop_web", null).body(), Map.class);
        return ((Number) ((Map<?, ?>) service.get("spec")).get("replicas")).intValue();
    }

    private String token(boolean readOnly) throws Exception {
        HttpResponse<String> answer = api.call(admin, "POST", "/v1/dashboard/login", Map.of("readOnly", readOnly));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        Map<?, ?> body = Json.read(answer.body(), Map.class);
        assertThat(String.valueOf(body.get("path"))).startsWith("/ui/login#token=");
        return String.valueOf(body.get("token"));
    }

    private String session(boolean readOnly) throws Exception {
        HttpResponse<String> login = send(browser, HttpRequest.newBuilder(uri("/ui/login"))
                .POST(HttpRequest.BodyPublishers.ofString(Json.write(Map.of("token", token(readOnly))))));
        assertThat(login.statusCode()).as(login.body()).isEqualTo(200);
        String setCookie = login.headers().firstValue("Set-Cookie").orElseThrow();
        return setCookie.substring(0, setCookie.indexOf(';'));
    }

    private HttpResponse<String> get(SSLContext tls, String path, String cookie) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).GET();
        if (cookie != null) {
            request.header("Cookie", cookie);
        }
        return send(tls, request);
    }

    private HttpResponse<String> post(String cookie, String csrf, String path, String body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(uri(path)).header("Cookie", cookie)
                .header("Content-Type", "application/json").POST(HttpRequest.BodyPublishers.ofString(body));
        if (csrf != null) {
            request.header("X-Flotilla-Session", csrf);
        }
        return send(browser, request);
    }

    private URI uri(String path) {
        return URI.create("https://127.0.0.1:" + api.manager.apiAddress().getPort() + path);
    }

    private static HttpResponse<String> send(SSLContext tls, HttpRequest.Builder request) throws Exception {
        return HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5)).build()
                .send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
    }
}
