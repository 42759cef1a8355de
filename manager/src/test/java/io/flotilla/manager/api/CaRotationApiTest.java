package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Json;
import io.flotilla.model.api.CaStatus;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.JoinResponse;
import io.flotilla.security.CaBundle;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.util.Map;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code /v1/cluster/ca} on a manager serving HTTPS: who may read and rotate the roots, what a
 * rotation changes for joins, renewals and tokens, and that it ends when every node renewed.
 */
class CaRotationApiTest {
    @TempDir Path tmp;
    private TlsApiFixture api;

    @BeforeEach
    void start() throws Exception {
        api = new TlsApiFixture(tmp);
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private CaStatus status(SSLContext caller) throws Exception {
        HttpResponse<String> answer = api.call(caller, "GET", "/v1/cluster/ca", null);
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return Json.read(answer.body(), CaStatus.class);
    }

    private String token(String role) throws Exception {
        return String.valueOf(Json.read(api.call(api.credential("admin", "admin"), "GET", "/v1/cluster/join-token/" + role,
                null).body(), Map.class).get("token"));
    }

    /** Joins node {@code id} from {@code address}; returns its credential (in {@code DATA/tls} of its own). */
    private SSLContext join(String id, String address, String role) throws Exception {
        KeyPair keys = CertificateRequests.newKeyPair();
        HttpResponse<String> answer = api.callFrom(address, api.anonymous(), "POST", "/v1/cluster/join",
                new JoinRequest(token(role), id, "h", address, CertificateRequests.csr(keys, id)));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        JoinResponse joined = Json.read(answer.body(), JoinResponse.class);
        TlsDirectory dir = TlsDirectory.of(tmp.resolve(id));
        dir.writeCaBundle(new CaBundle(Pem.certificates(joined.caCertificate()), null));
        dir.writeNodeCredential(Pem.certificate(joined.certificate()), keys.getPrivate());
        return NodeTls.node(dir).context();
    }

    /** Renews {@code caller}'s certificate; returns the answer (certificate, caCertificate, caKey). */
    private Map<?, ?> renew(SSLContext caller, String id) throws Exception {
        HttpResponse<String> answer = api.call(caller, "POST", "/v1/cluster/certificate",
                Map.of("csr", CertificateRequests.csr(CertificateRequests.newKeyPair(), id)));
        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        return Json.read(answer.body(), Map.class);
    }

    @Test
    void everyNodeReadsTheRootsAndOnlyTheAdminRotatesThem() throws Exception {
        SSLContext worker = join("w1", "127.0.0.9", "worker");
        CaStatus before = status(worker);
        assertThat(before.roots()).containsExactly(Pem.encode(api.ca.certificate()));
        assertThat(before.rotation()).isNull();
        assertThat(api.call(api.anonymous(), "GET", "/v1/cluster/ca", null).statusCode()).isEqualTo(401);
        assertThat(api.call(worker, "POST", "/v1/cluster/ca/rotate", null).statusCode()).isEqualTo(403);
        assertThat(api.call(api.credential("m7", CertificateSubject.MANAGER), "POST", "/v1/cluster/ca/rotate", null)
                .statusCode()).isEqualTo(403);
        assertThat(status(worker).rotation()).isNull();
    }

    @Test
    void aRotationSignsWithTheNewRootTrustsBothAndEndsWhenEveryNodeRenewed() throws Exception {
        SSLContext worker = join("w1", "127.0.0.9", "worker");
        SSLContext admin = api.credential("admin", "admin");
        String oldDigest = api.ca.digest();

        HttpResponse<String> started = api.call(admin, "POST", "/v1/cluster/ca/rotate", null);
        assertThat(started.statusCode()).as(started.body()).isEqualTo(200);
        CaStatus during = Json.read(started.body(), CaStatus.class);
        X509Certificate newRoot = Pem.certificate(during.roots().getFirst());
        assertThat(during.roots()).hasSize(2).last().isEqualTo(Pem.encode(api.ca.certificate()));
        assertThat(during.chain()).hasSize(2).last().isEqualTo(Pem.encode(api.ca.certificate()));
        assertThat(Pem.certificate(during.chain().getFirst()).getPublicKey()).isEqualTo(newRoot.getPublicKey());
        assertThat(during.pinnedDigest()).isEqualTo(oldDigest);
        assertThat(during.rotation().waiting()).anyMatch(w -> w.startsWith("w1 "));
        assertThat(token("worker")).contains(oldDigest); // tokens keep pinning the old root meanwhile
        assertThat(started.body()).doesNotContain("PRIVATE KEY");

        // A second rotation waits for this one.
        HttpResponse<String> again = api.call(admin, "POST", "/v1/cluster/ca/rotate", null);
        assertThat(again.statusCode()).isEqualTo(409);
        assertThat(again.body()).contains("a CA rotation is under way").contains("w1");

        // A node joining now gets a certificate of the new root (and counts); a renewal too, with both roots.
        join("w2", "127.0.0.8", "worker");
        assertThat(status(admin).rotation().renewed()).containsExactly("w2");
        Map<?, ?> renewed = renew(worker, "w1");
        assertThat(CaBundle.of(newRoot).issuerOf(Pem.certificate(String.valueOf(renewed.get("certificate"))))).isEqualTo(newRoot);
        assertThat(Pem.certificates(String.valueOf(renewed.get("caCertificate")))).hasSize(2);
        assertThat(renewed.get("caKey")).isNull();

        // w1 was the last node without a certificate of the new root (this manager runs no agent,
        // so its own node is not in the state): the old root is retired.
        CaStatus after = status(admin);
        assertThat(after.rotation()).isNull();
        assertThat(after.roots()).containsExactly(Pem.encode(newRoot));
        assertThat(after.chain()).isEmpty();
        assertThat(token("worker")).contains(CertificateAuthority.digest(newRoot)).doesNotContain(oldDigest);
    }
}
