package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.Manager;
import io.flotilla.model.Json;
import io.flotilla.model.NodeRole;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.JoinResponse;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.NodeTls;
import io.flotilla.security.PeerIdentity;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API over real HTTPS: who may call what, joins that get certificates, renewals. */
class ApiTlsTest {
    @TempDir Path tmp;
    private TlsApiFixture api;
    private Manager manager;
    private CertificateAuthority ca;

    @BeforeEach
    void start() throws Exception {
        api = new TlsApiFixture(tmp);
        manager = api.manager;
        ca = api.ca;
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private SSLContext credential(String name, String role) throws IOException {
        return api.credential(name, role);
    }

    private HttpResponse<String> call(SSLContext tls, String method, String path, Object body) throws Exception {
        return api.call(tls, method, path, body);
    }

    private String token(String role) throws Exception {
        HttpResponse<String> answer = call(credential("admin", "admin"), "GET", "/v1/cluster/join-token/" + role, null);
        assertThat(answer.statusCode()).isEqualTo(200);
        return String.valueOf(Json.read(answer.body(), Map.class).get("token"));
    }

    @Test
    void callersGetWhatTheirCertificateAllows() throws Exception {
        SSLContext anonymous = TlsContexts.serverAuthenticated(ca.certificate());
        assertThat(call(anonymous, "GET", "/v1/info", null).statusCode()).isEqualTo(200);
        assertThat(call(anonymous, "GET", "/v1/discovery/services/nope", null).statusCode()).isNotIn(401, 403);
        assertThat(call(anonymous, "GET", "/v1/nodes", null).statusCode()).isEqualTo(401);
        assertThat(call(anonymous, "POST", "/v1/registry", Map.of()).statusCode()).isEqualTo(401);

        SSLContext admin = credential("admin", "admin");
        assertThat(call(admin, "GET", "/v1/nodes", null).statusCode()).isEqualTo(200);
        assertThat(call(admin, "GET", "/v1/progress?stack=shop", null).statusCode()).isEqualTo(200);
        assertThat(call(anonymous, "GET", "/v1/progress?stack=shop", null).statusCode()).isEqualTo(401);

        SSLContext worker = credential("w1", "worker");
        HttpResponse<String> refused = call(worker, "GET", "/v1/nodes", null);
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("forbidden");
        assertThat(call(worker, "GET", "/v1/cluster/join-token/manager", null).statusCode()).isEqualTo(403);
        assertThat(call(worker, "GET", "/v1/progress?stack=shop", null).statusCode()).isEqualTo(403);
        assertThat(call(worker, "GET", "/v1/dispatcher/assignments?node=w2&wait=0", null).statusCode()).isEqualTo(403);
        assertThat(call(worker, "GET", "/v1/dispatcher/assignments?node=w1&wait=0", null).statusCode()).isNotIn(401, 403);
        assertThat(call(worker, "POST", "/v1/cluster/managers", Map.of("id", "w1", "raftAddress", "127.0.0.1:1"))
                .statusCode()).isEqualTo(403);

        // A client certificate of another CA does not get through the handshake.
        CertificateAuthority other = CertificateAuthority.create("c2", Instant.now());
        TlsDirectory foreign = TlsDirectory.of(tmp.resolve("x"));
        foreign.writeAuthority(other);
        foreign.ensureAdminCredential(Duration.ofDays(1), Instant.now());
        SSLContext stranger = TlsContexts.context(NodeTls.admin(foreign).keyManager(), TlsContexts.trusting(ca.certificate()));
        assertThatThrownBy(() -> call(stranger, "GET", "/v1/nodes", null)).isInstanceOf(IOException.class);
        // Plaintext gets nothing.
        assertThatThrownBy(() -> HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create(
                "http://127.0.0.1:" + manager.apiAddress().getPort() + "/v1/info")).timeout(Duration.ofSeconds(5)).build(),
                HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
    }

    @Test
    void aJoinWithTheTokenGetsACertificateForItsKeyAndManagersGetTheCaKey() throws Exception {
        SSLContext anonymous = TlsContexts.serverAuthenticated(ca.certificate());
        String workerToken = token("worker");
        assertThat(workerToken).startsWith("FLT-2-" + ca.digest() + "-");
        KeyPair keys = CertificateRequests.newKeyPair();
        JoinRequest join = new JoinRequest(workerToken, "w9", "host9", "127.0.0.9", CertificateRequests.csr(keys, "w9"));
        // The certificate names the address the join comes from, not one the node claims.
        HttpResponse<String> elsewhere = call(anonymous, "POST", "/v1/cluster/join", join);
        assertThat(elsewhere.statusCode()).isEqualTo(403);
        assertThat(elsewhere.body()).contains("advertises 127.0.0.9 but its join came from 127.0.0.1");
        HttpResponse<String> answer = api.callFrom("127.0.0.9", anonymous, "POST", "/v1/cluster/join", join);
        assertThat(answer.statusCode()).isEqualTo(200);
        JoinResponse joined = Json.read(answer.body(), JoinResponse.class);
        X509Certificate certificate = Pem.certificate(joined.certificate());
        ca.verify(certificate);
        assertThat(certificate.getPublicKey()).isEqualTo(keys.getPublic());
        assertThat(PeerIdentity.of(certificate)).isEqualTo(new PeerIdentity("w9", "worker"));
        assertThat(PeerIdentity.subjectOf(certificate).ipAddresses()).containsExactly("127.0.0.9");
        assertThat(PeerIdentity.subjectOf(certificate).dnsNames()).as("a worker serves no TLS: no names").isEmpty();
        assertThat(joined.caKey()).isNull();
        assertThat(joined.dataKey()).as("a worker never gets the cluster data key").isNull();
        assertThat(joined.role()).isEqualTo(NodeRole.WORKER);

        HttpResponse<String> asManager = api.callFrom("127.0.0.10", anonymous, "POST", "/v1/cluster/join", new JoinRequest(token("manager"),
                "m9", "host9", "127.0.0.10", CertificateRequests.csr(CertificateRequests.newKeyPair(), "m9")));
        JoinResponse manager = Json.read(asManager.body(), JoinResponse.class);
        assertThat(PeerIdentity.of(Pem.certificate(manager.certificate())).isManager()).isTrue();
        assertThat(Pem.privateKey(manager.caKey())).isEqualTo(ca.key());
        assertThat(io.flotilla.security.ClusterDataKey.decode(manager.dataKey())).as("a manager gets the data key")
                .isEqualTo(io.flotilla.security.ClusterDataKey.read(TlsDirectory.of(tmp.resolve("m1")).dataKey()));

        // Refused: the old token format, a digest of another CA, no CSR.
        String stored = "FLT-1-" + workerToken.substring(("FLT-2-" + ca.digest() + "-").length());
        assertThat(call(anonymous, "POST", "/v1/cluster/join", new JoinRequest(stored, "w8", "h", "127.0.0.8",
                CertificateRequests.csr(keys, "w8"))).body()).contains("old format");
        String otherDigest = workerToken.replace(ca.digest(), "0".repeat(64));
        HttpResponse<String> wrong = call(anonymous, "POST", "/v1/cluster/join", new JoinRequest(otherDigest, "w8", "h",
                "127.0.0.8", CertificateRequests.csr(keys, "w8")));
        assertThat(wrong.statusCode()).isEqualTo(401);
        assertThat(wrong.body()).contains("another cluster CA");
        assertThat(call(anonymous, "POST", "/v1/cluster/join", new JoinRequest(workerToken, "w8", "h", "127.0.0.8"))
                .statusCode()).isEqualTo(400);
        assertThat(manager().state().node("w8")).isEmpty();
    }

    @Test
    void aNodeRenewsItsCertificateWithItsCurrentOne() throws Exception {
        SSLContext anonymous = TlsContexts.serverAuthenticated(ca.certificate());
        KeyPair keys = CertificateRequests.newKeyPair();
        JoinResponse joined = Json.read(call(anonymous, "POST", "/v1/cluster/join", new JoinRequest(token("worker"),
                "w7", "host7", "127.0.0.1", CertificateRequests.csr(keys, "w7"))).body(), JoinResponse.class);
        TlsDirectory dir = TlsDirectory.of(tmp.resolve("w7"));
        dir.writeCaCertificate(ca.certificate());
        dir.writeNodeCredential(Pem.certificate(joined.certificate()), keys.getPrivate());
        KeyPair next = CertificateRequests.newKeyPair();
        HttpResponse<String> renewed = call(NodeTls.node(dir).context(), "POST", "/v1/cluster/certificate",
                Map.of("csr", CertificateRequests.csr(next, "ignored")));
        assertThat(renewed.statusCode()).isEqualTo(200);
        X509Certificate certificate = Pem.certificate(String.valueOf(Json.read(renewed.body(), Map.class).get("certificate")));
        assertThat(certificate.getPublicKey()).isEqualTo(next.getPublic());
        assertThat(PeerIdentity.of(certificate)).isEqualTo(new PeerIdentity("w7", "worker"));
        assertThat(call(anonymous, "POST", "/v1/cluster/certificate", Map.of("csr", "x")).statusCode()).isEqualTo(401);
    }

    private Manager manager() {
        return manager;
    }
}
