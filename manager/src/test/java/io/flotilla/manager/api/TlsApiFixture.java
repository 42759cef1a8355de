package io.flotilla.manager.api;

import io.flotilla.manager.Manager;
import io.flotilla.manager.TestManagers;
import io.flotilla.model.Json;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.security.KeyPair;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import javax.net.ssl.SSLContext;

/**
 * A manager serving its API over real HTTPS (on loopback, an ephemeral port) and certificates of
 * its CA for any caller, so a test calls as {@code worker w1}, {@code admin} or nobody.
 */
final class TlsApiFixture implements AutoCloseable {
    private final TestManagers managers = new TestManagers();
    final Path dir;
    final CertificateAuthority ca;
    final Manager manager;
    private final String base;

    TlsApiFixture(Path dir) throws Exception {
        this.dir = dir;
        ca = CertificateAuthority.create("c1", Instant.now());
        TlsDirectory tls = TlsDirectory.of(dir.resolve("m1"));
        tls.writeAuthority(ca);
        tls.ensureNodeCredential(new CertificateSubject("m1", CertificateSubject.MANAGER, List.of("127.0.0.1"), null),
                Duration.ofDays(90), Instant.now());
        manager = managers.start(TestManagers.config(dir.resolve("m1"), null).withTls(NodeTls.node(tls)),
                java.time.InstantSource.system(), // certificates are checked against the real time
                TaskLogSource.NONE, TestManagers.tuning());
        base = "https://127.0.0.1:" + manager.apiAddress().getPort();
    }

    /** A client context holding a certificate of the cluster CA with CN {@code name} and OU {@code role}. */
    SSLContext credential(String name, String role) throws IOException {
        return credential(name, name, role);
    }

    /** The same, kept in {@code folder} (two certificates of one name: before and after a role change). */
    SSLContext credential(String folder, String name, String role) throws IOException {
        TlsDirectory credential = TlsDirectory.of(dir.resolve(folder));
        credential.writeCaCertificate(ca.certificate());
        KeyPair keys = CertificateRequests.newKeyPair();
        credential.writeNodeCredential(ca.issue(keys.getPublic(), new CertificateSubject(name, role,
                List.of("127.0.0.1"), null), Duration.ofDays(1), Instant.now()), keys.getPrivate());
        return NodeTls.node(credential).context();
    }

    /** A client context that checks the server but sends no certificate. */
    SSLContext anonymous() {
        return TlsContexts.serverAuthenticated(ca.certificate());
    }

    HttpResponse<String> call(SSLContext tls, String method, String path, Object body) throws Exception {
        return callFrom(null, tls, method, path, body);
    }

    /** A call whose connection leaves from {@code local} (another loopback host: a joining node's address). */
    HttpResponse<String> callFrom(String local, SSLContext tls, String method, String path, Object body) throws Exception {
        HttpClient.Builder builder = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5));
        if (local != null) {
            builder.localAddress(java.net.InetAddress.getByName(local));
        }
        HttpClient client = builder.build();
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofString(body instanceof String s ? s : Json.write(body));
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .header("Content-Type", "application/json").method(method, publisher).build(),
                HttpResponse.BodyHandlers.ofString());
    }

    /** A call with raw bytes (an image archive's part) or none, answering raw bytes. */
    HttpResponse<byte[]> bytes(SSLContext tls, String method, String path, byte[] body) throws Exception {
        HttpClient client = HttpClient.newBuilder().sslContext(tls).connectTimeout(Duration.ofSeconds(5))
                .version(HttpClient.Version.HTTP_1_1).build();
        HttpRequest.BodyPublisher publisher = body == null ? HttpRequest.BodyPublishers.noBody()
                : HttpRequest.BodyPublishers.ofByteArray(body);
        return client.send(HttpRequest.newBuilder(URI.create(base + path)).timeout(Duration.ofSeconds(20))
                .method(method, publisher).build(), HttpResponse.BodyHandlers.ofByteArray());
    }

    @Override
    public void close() {
        managers.close();
    }
}
