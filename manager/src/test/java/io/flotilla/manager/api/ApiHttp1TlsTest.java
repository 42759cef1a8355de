package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.security.CertificateSubject;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Over HTTP/1.1 (TLS, no h2), callers are judged by their certificate as over h2. The handler used
 * to take the TLS session from the listening channel (an HTTP/1.1 connection's parent), found none,
 * and treated every HTTP/1.1 caller as the plaintext test server's: {@code curl --http1.1} without
 * a certificate could do everything.
 */
class ApiHttp1TlsTest {
    @TempDir java.nio.file.Path dir;

    @Test
    void anHttp1CallerIsJudgedByItsCertificate() throws Exception {
        try (TlsApiFixture api = new TlsApiFixture(dir)) {
            assertThat(api.bytes(api.anonymous(), "GET", "/v1/nodes", null).statusCode()).isEqualTo(401);
            assertThat(api.bytes(api.credential("w1", CertificateSubject.WORKER), "GET", "/v1/nodes", null)
                    .statusCode()).isEqualTo(403);
            assertThat(api.bytes(api.credential("admin", CertificateSubject.ADMIN), "GET", "/v1/nodes", null)
                    .statusCode()).isEqualTo(200);
        }
    }
}
