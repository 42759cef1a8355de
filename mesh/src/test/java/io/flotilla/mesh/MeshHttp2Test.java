package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.security.cert.X509Certificate;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManager;
import javax.net.ssl.X509ExtendedTrustManager;
import javax.net.ssl.SSLEngine;
import java.net.Socket;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** HTTPS with ALPN h2: one client connection, every stream balanced on its own. */
class MeshHttp2Test {
    private final MeshFixture fixture = new MeshFixture();
    @TempDir
    java.nio.file.Path certificates;

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void h2OverTlsIsBalancedPerStream() throws Exception {
        TestBackend a = fixture.backend("a");
        TestBackend b = fixture.backend("b");
        fixture.mesh.apply(new MeshTable(List.of(new MeshListener("127.0.0.1", 0, MeshListener.Protocol.HTTP,
                TestCertificates.selfSigned(certificates), false,
                List.of(MeshFixture.route("s", null, null, MeshRoute.Balancing.ROUND_ROBIN, a, b))))));
        SSLContext trustAll = SSLContext.getInstance("TLS");
        // an extended trust manager: the JDK wraps a plain one in a host name check the test certificate cannot pass
        trustAll.init(null, new TrustManager[] {new X509ExtendedTrustManager() {
            public void checkClientTrusted(X509Certificate[] chain, String authType) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType) {}
            public void checkClientTrusted(X509Certificate[] chain, String authType, Socket socket) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType, Socket socket) {}
            public void checkClientTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            public void checkServerTrusted(X509Certificate[] chain, String authType, SSLEngine engine) {}
            public X509Certificate[] getAcceptedIssuers() { return new X509Certificate[0]; }
        }}, null);
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2).sslContext(trustAll).build()) {
            Set<String> bodies = new HashSet<>();
            for (int i = 0; i < 4; i++) {
                HttpResponse<String> response = client.send(HttpRequest.newBuilder(URI.create("https://127.0.0.1:" + fixture.port() + "/t")).build(),
                        HttpResponse.BodyHandlers.ofString());
                assertThat(response.version()).isEqualTo(HttpClient.Version.HTTP_2);
                assertThat(response.statusCode()).isEqualTo(200);
                bodies.add(response.body());
            }
            assertThat(bodies).containsExactlyInAnyOrder("a /t", "b /t");
            assertThat(a.headers.get(0).getFirst("X-Forwarded-Proto")).isEqualTo("https");
            assertThat(a.headers.get(0).getFirst("Host")).isEqualTo("127.0.0.1:" + fixture.port());
        }
    }
}
