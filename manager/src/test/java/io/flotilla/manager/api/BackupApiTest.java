package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.manager.cluster.BackupFile;
import io.flotilla.model.Json;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Base64;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code GET /v1/cluster/backup} on a manager serving HTTPS: the admin gets the state with the CA
 * and data keys of the manager's {@code DATA/tls}; no other certificate, not even a manager's, gets it.
 */
class BackupApiTest {
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

    @Test
    void theAdminGetsTheStateAndTheKeys() throws Exception {
        HttpResponse<String> answer = api.call(api.credential("admin", "admin"), "GET", "/v1/cluster/backup", null);

        assertThat(answer.statusCode()).as(answer.body()).isEqualTo(200);
        byte[] file = Base64.getDecoder().decode(String.valueOf(Json.read(answer.body(), Map.class).get("file")));
        BackupFile.Contents backup = BackupFile.parse(file);
        TlsDirectory tls = TlsDirectory.of(tmp.resolve("m1"));
        assertThat(Pem.privateKey(backup.body().caKey())).isEqualTo(api.ca.key());
        assertThat(backup.body().caCertificates()).isEqualTo(Files.readString(tls.caCertificate()));
        assertThat(backup.body().dataKey()).isEqualTo(Files.readString(tls.dataKey()));
        assertThat(backup.header().clusterId()).isEqualTo(api.manager.state().cluster().clusterId());
        assertThat(backup.header().index()).isGreaterThanOrEqualTo(backup.body().state().index());
    }

    @Test
    void noOtherCertificateGetsIt() throws Exception {
        assertThat(api.call(api.anonymous(), "GET", "/v1/cluster/backup", null).statusCode()).isEqualTo(401);
        assertThat(api.call(api.credential("w1", CertificateSubject.WORKER), "GET", "/v1/cluster/backup", null)
                .statusCode()).isEqualTo(403);
        assertThat(api.call(api.credential("m7", CertificateSubject.MANAGER), "GET", "/v1/cluster/backup", null)
                .statusCode()).isEqualTo(403);
        assertThat(api.call(api.credential("admin", "admin"), "POST", "/v1/cluster/backup", null).statusCode())
                .isEqualTo(405);
    }
}
