package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;

/** What a real manager refuses: plaintext, a certificate of another CA, a token pinning another CA, no certificate. */
final class TlsChecks {
    private TlsChecks() {}

    static void refusesStrangers(ClusterNodeProcess manager, String workerToken, Path tmp) throws Exception {
        // Plaintext HTTP gets no answer at all.
        assertThatThrownBy(() -> HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build().send(
                HttpRequest.newBuilder(URI.create("http://" + manager.api() + "/v1/info")).timeout(Duration.ofSeconds(5))
                        .build(), HttpResponse.BodyHandlers.ofString())).isInstanceOf(IOException.class);
        // An admin credential from another CA fails the handshake.
        TlsDirectory foreign = TlsDirectory.of(tmp.resolve("foreign"));
        foreign.writeAuthority(CertificateAuthority.create("other", Instant.now()));
        foreign.ensureAdminCredential(Duration.ofDays(1), Instant.now());
        assertThatThrownBy(() -> new ApiClient(manager.api(), NodeTls.admin(foreign).context()).nodes())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.getMessage()).contains("TLS handshake"));
        // Server-authenticated TLS without a client certificate: /v1/info yes, the rest no.
        var anonymous = TlsContexts.serverAuthenticated(TlsDirectory.of(manager.data).readCaCertificate());
        assertThat(new ApiClient(manager.api(), anonymous).info()).isNotEmpty();
        assertThatThrownBy(() -> new ApiClient(manager.api(), anonymous).nodes())
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401));
        // A token whose digest names another CA: the manager refuses it...
        String wrongDigest = "FLT-2-" + "0".repeat(64) + workerToken.substring(("FLT-2-" + "0".repeat(64)).length());
        String csr = CertificateRequests.csr(CertificateRequests.newKeyPair(), "intruder");
        assertThatThrownBy(() -> new ClusterClient(manager.api(), anonymous).join(
                new JoinRequest(wrongDigest, "intruder", "h", "127.0.0.9", csr)))
                .isInstanceOfSatisfying(ApiException.class, e -> assertThat(e.status()).isEqualTo(401))
                .hasMessageContaining("another cluster CA");
        // ...and `flotilla join` with it stops at the handshake, before sending the token.
        ShopEndToEndIT.CliResult join = Cli.run(null, "join", "--token", wrongDigest, "--data",
                tmp.resolve("intruder").toString(), "--advertise", "127.0.0.9", manager.api());
        assertThat(join.exitCode()).isNotZero();
        assertThat(join.err() + join.out()).contains("TLS handshake");
    }
}
