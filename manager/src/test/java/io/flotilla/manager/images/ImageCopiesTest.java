package io.flotilla.manager.images;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.ImageArchive;
import io.flotilla.model.api.ManagerPeer;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A manager copies an archive it lacks from the manager that holds it, over that manager's API,
 * checks it and records itself as a holder; a copy whose bytes do not match the digest is refused.
 */
class ImageCopiesTest {
    @TempDir Path dir;

    @Test
    void aManagerCopiesAnArchiveFromItsHolderAndRecordsIt() throws Exception {
        byte[] archive = new byte[300_000];
        new Random(3).nextBytes(archive);
        String digest = HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(archive));
        try (TestManagers managers = new TestManagers()) {
            Manager holder = managers.start(dir.resolve("m1"));
            String api = "127.0.0.1:" + holder.apiAddress().getPort();
            HttpResponse<String> put = HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://" + api
                            + "/v1/images/archive?ref=web:build-1&id=sha256:" + "e".repeat(64) + "&digest=" + digest
                            + "&size=" + archive.length + "&offset=0"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(archive)).timeout(Duration.ofSeconds(20)).build(),
                    HttpResponse.BodyHandlers.ofString());
            assertThat(put.body()).contains("\"stored\":true");
            String holderId = holder.state().images().get("web:build-1").orElseThrow().holders().getFirst();

            ImageStore store = new ImageStore(dir.resolve("m2/images"));
            ImageCopies copies = new ImageCopies("m2", holder.store(), store,
                    () -> List.of(new ManagerPeer(holderId, api, "127.0.0.1:1")), null, Duration.ofSeconds(1));
            copies.copyMissing();

            assertThat(Files.readAllBytes(store.archive(digest))).isEqualTo(archive);
            org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(() ->
                    holder.state().images().get("web:build-1").map(ImageArchive::holders).orElseThrow().contains("m2"));
        }
    }

    @Test
    void aCopyThatDoesNotMatchItsDigestIsNotStored() throws Exception {
        ImageStore store = new ImageStore(dir.resolve("images"));
        String digest = "a".repeat(64);

        assertThatThrownBy(() -> store.copy(digest, new ByteArrayInputStream(new byte[] {1, 2, 3})))
                .isInstanceOf(IOException.class).hasMessageContaining("not " + digest);
        assertThat(store.has(digest)).isFalse();
        try (var files = Files.list(dir.resolve("images/uploads"))) {
            assertThat(files).isEmpty();
        }
    }
}
