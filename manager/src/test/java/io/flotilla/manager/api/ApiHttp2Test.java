package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.security.CertificateSubject;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The API speaks h2 to a client that offers it (ALPN), and HTTP/1.1 to one that does not. */
class ApiHttp2Test {
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
    void anH2ClientGetsItsAnswersOverH2AndAnHttp11ClientOverHttp11() throws Exception {
        SSLContext admin = api.credential("admin", CertificateSubject.ADMIN);
        String base = "https://127.0.0.1:" + api.manager.apiAddress().getPort();
        for (HttpClient.Version version : HttpClient.Version.values()) {
            try (HttpClient client = HttpClient.newBuilder().version(version).sslContext(admin).build()) {
                HttpResponse<String> services = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/services"))
                        .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
                assertThat(services.version()).isEqualTo(version);
                assertThat(services.statusCode()).as(services.body()).isEqualTo(200);
                assertThat(services.body()).isEqualTo("[]");
                // a body, and an error answer, on the same connection
                HttpResponse<String> refused = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/stacks/shop"))
                        .timeout(Duration.ofSeconds(10)).POST(HttpRequest.BodyPublishers.ofString("{\"name\": 7"))
                        .build(), HttpResponse.BodyHandlers.ofString());
                assertThat(refused.version()).isEqualTo(version);
                assertThat(refused.statusCode()).isEqualTo(400);
                assertThat(refused.body()).contains("malformed JSON");
            }
        }
    }

    @Test
    void anH2StreamWhoseBodyNeverEndsIsResetInTime() throws Exception {
        String base = "https://127.0.0.1:" + api.manager.apiAddress().getPort();
        // one byte of the body, then nothing: the request never ends
        HttpRequest.BodyPublisher trickle = HttpRequest.BodyPublishers.fromPublisher(subscriber ->
                subscriber.onSubscribe(new java.util.concurrent.Flow.Subscription() {
                    private boolean sent;

                    @Override
                    public void request(long n) {
                        if (!sent) {
                            sent = true;
                            subscriber.onNext(java.nio.ByteBuffer.wrap(new byte[] {'{'}));
                        }
                    }

                    @Override
                    public void cancel() {}
                }));
        try (HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_2)
                .sslContext(api.anonymous()).build()) {
            long start = System.nanoTime();
            assertThatThrownBy(() -> client.send(HttpRequest.newBuilder(URI.create(base + "/v1/cluster/join"))
                    .timeout(HttpServerLimits.REQUEST_ARRIVAL.plusSeconds(20)).POST(trickle).build(),
                    HttpResponse.BodyHandlers.ofString()))
                    .isInstanceOf(java.io.IOException.class)
                    .isNotInstanceOf(java.net.http.HttpTimeoutException.class);
            assertThat(Duration.ofNanos(System.nanoTime() - start))
                    .isGreaterThan(HttpServerLimits.REQUEST_ARRIVAL.minusSeconds(1))
                    .isLessThan(HttpServerLimits.REQUEST_ARRIVAL.plusSeconds(5));
            // the connection serves the next request
            HttpResponse<String> info = client.send(HttpRequest.newBuilder(URI.create(base + "/v1/info"))
                    .timeout(Duration.ofSeconds(10)).build(), HttpResponse.BodyHandlers.ofString());
            assertThat(info.statusCode()).isEqualTo(200);
        }
    }

    @Test
    void aWatchStreamsItsFirstEventOverEither() throws Exception {
        String base = "https://127.0.0.1:" + api.manager.apiAddress().getPort();
        for (HttpClient.Version version : HttpClient.Version.values()) {
            try (HttpClient client = HttpClient.newBuilder().version(version).sslContext(api.anonymous()).build()) {
                HttpResponse<java.util.stream.Stream<String>> watch = client.send(HttpRequest.newBuilder(
                        URI.create(base + "/v1/discovery/watch")).timeout(Duration.ofSeconds(10)).build(),
                        HttpResponse.BodyHandlers.ofLines());
                assertThat(watch.version()).isEqualTo(version);
                assertThat(watch.statusCode()).isEqualTo(200);
                try (java.util.stream.Stream<String> lines = watch.body()) {
                    assertThat(lines.findFirst().orElseThrow()).contains("\"type\":\"snapshot\"");
                }
            }
        }
    }
}
