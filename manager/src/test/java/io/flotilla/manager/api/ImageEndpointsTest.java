package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.ImageArchive;
import io.flotilla.security.CertificateSubject;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.security.MessageDigest;
import java.util.Arrays;
import java.util.HexFormat;
import java.util.Random;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The cluster's image store over the real HTTPS API: the admin uploads an archive in parts, it is
 * checked by digest, stored in the manager's data directory and recorded in the state; a worker's
 * certificate reads it and may not write.
 */
class ImageEndpointsTest {
    private static final String REF = "flbld-test/web:build-0123456789abcdef";
    @TempDir java.nio.file.Path dir;
    private TlsApiFixture api;
    private SSLContext admin;
    private SSLContext worker;
    private byte[] archive;
    private String digest;

    @BeforeEach
    void start() throws Exception {
        api = new TlsApiFixture(dir);
        admin = api.credential("admin", CertificateSubject.ADMIN);
        worker = api.credential("w1", CertificateSubject.WORKER);
        archive = new byte[ImageEndpoints.MAX_PART + 1000];
        new Random(7).nextBytes(archive);
        digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
    }

    @AfterEach
    void stop() {
        api.close();
    }

    private String put(long offset, String sha) {
        return "/v1/images/archive?ref=" + REF + "&id=sha256:" + "e".repeat(64) + "&digest=" + sha + "&size="
                + archive.length + "&offset=" + offset;
    }

    @Test
    void anArchiveUploadedInPartsIsStoredCheckedAndReadableByAWorker() throws Exception {
        var first = api.bytes(admin, "PUT", put(0, digest), Arrays.copyOfRange(archive, 0, ImageEndpoints.MAX_PART));
        assertThat(first.statusCode()).as(new String(first.body(), StandardCharsets.UTF_8)).isEqualTo(200);
        assertThat(api.manager.state().images().get(REF)).as("not before the last part").isEmpty();
        var resume = api.bytes(admin, "GET", "/v1/images/upload?digest=" + digest + "&size=" + archive.length, null);
        assertThat(new String(resume.body(), StandardCharsets.UTF_8)).contains("\"received\":" + ImageEndpoints.MAX_PART);

        var last = api.bytes(admin, "PUT", put(ImageEndpoints.MAX_PART, digest),
                Arrays.copyOfRange(archive, ImageEndpoints.MAX_PART, archive.length));

        assertThat(new String(last.body(), StandardCharsets.UTF_8)).contains("\"stored\":true");
        ImageArchive image = api.manager.state().images().get(REF).orElseThrow();
        assertThat(image.digest()).isEqualTo(digest);
        assertThat(image.holders()).as("the manager that received it").hasSize(1);
        assertThat(Files.readAllBytes(dir.resolve("m1/images/" + digest + ".tar"))).isEqualTo(archive);
        var read = api.bytes(worker, "GET", "/v1/images/archive?ref=" + REF, null);
        assertThat(read.statusCode()).isEqualTo(200);
        assertThat(read.body()).isEqualTo(archive);
        assertThat(new String(api.bytes(worker, "GET", "/v1/images", null).body(), StandardCharsets.UTF_8))
                .contains(REF, digest);
    }

    @Test
    void aWorkerMayNotUploadAndABadArchiveChangesNothing() throws Exception {
        var forbidden = api.bytes(worker, "PUT", put(0, digest), Arrays.copyOfRange(archive, 0, 100));
        assertThat(forbidden.statusCode()).as(new String(forbidden.body(), StandardCharsets.UTF_8)).isEqualTo(403);

        String wrong = "0".repeat(64);
        api.bytes(admin, "PUT", put(0, wrong), Arrays.copyOfRange(archive, 0, ImageEndpoints.MAX_PART));
        var bad = api.bytes(admin, "PUT", put(ImageEndpoints.MAX_PART, wrong),
                Arrays.copyOfRange(archive, ImageEndpoints.MAX_PART, archive.length));
        assertThat(bad.statusCode()).isEqualTo(400);
        assertThat(new String(bad.body(), StandardCharsets.UTF_8)).contains("upload discarded");

        var gap = api.bytes(admin, "PUT", put(5, digest), Arrays.copyOfRange(archive, 5, 100));
        assertThat(gap.statusCode()).isEqualTo(409);
        assertThat(api.manager.state().images().all()).isEmpty();
        assertThat(api.bytes(worker, "GET", "/v1/images/archive?ref=" + REF, null).statusCode()).isEqualTo(404);
        assertThat(dir.resolve("m1/images/" + wrong + ".tar")).doesNotExist();
    }
}
