package io.flotilla.manager.api;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.security.CertificateSubject;
import java.lang.management.ManagementFactory;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;
import javax.net.ssl.SSLContext;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The API's throughput and p99 for a small authenticated GET ({@code /v1/services} with the admin
 * certificate) over TLS 1.3 with keep-alive, on loopback: each of N clients holds one connection
 * and sends its next request when the answer came. Not a test (it asserts only that the answers
 * are 200), and its name is not one surefire runs by default (*Test): it runs only when named,
 * alone, on a quiet machine, with {@code ./mvnw -o -pl manager -am test -Dtest=ApiLoadBench
 * -Dsurefire.failIfNoSpecifiedTests=false}; {@code -Dflotilla.bench.http=2} measures h2 (one
 * connection per client as well). Figures: docs/benchmarks.md (API server).
 */
class ApiLoadBench {
    private static final Duration WARMUP = Duration.ofSeconds(Long.getLong("flotilla.bench.warmup", 8));
    private static final Duration MEASURE = Duration.ofSeconds(Long.getLong("flotilla.bench.seconds", 15));

    @TempDir Path tmp;

    @Test
    void smallAuthenticatedGets() throws Exception {
        HttpClient.Version version = "2".equals(System.getProperty("flotilla.bench.http"))
                ? HttpClient.Version.HTTP_2 : HttpClient.Version.HTTP_1_1;
        try (TlsApiFixture api = new TlsApiFixture(tmp)) {
            SSLContext admin = api.credential("admin", CertificateSubject.ADMIN);
            URI uri = URI.create("https://127.0.0.1:" + api.manager.apiAddress().getPort() + "/v1/services");
            for (int connections : new int[] {16, 64}) {
                run(admin, uri, version, connections, WARMUP);
                Result result = run(admin, uri, version, connections, MEASURE);
                double load = ManagementFactory.getOperatingSystemMXBean().getSystemLoadAverage();
                System.out.printf("BENCH %s %s connections=%d requests/s=%.0f p50=%.2fms p99=%.2fms load1=%.2f%n",
                        System.getProperty("flotilla.bench.server", "this"), version, connections,
                        result.perSecond(), result.p50Millis(), result.p99Millis(), load);
            }
        }
    }

    private record Result(double perSecond, double p50Millis, double p99Millis) {}

    private static Result run(SSLContext tls, URI uri, HttpClient.Version version, int connections, Duration length)
            throws Exception {
        List<HttpClient> clients = new ArrayList<>();
        for (int i = 0; i < connections; i++) {
            clients.add(HttpClient.newBuilder().version(version).sslContext(tls).build());
        }
        HttpRequest request = HttpRequest.newBuilder(uri).timeout(Duration.ofSeconds(30)).GET().build();
        AtomicBoolean stop = new AtomicBoolean();
        List<Future<long[]>> runs = new ArrayList<>();
        long start = System.nanoTime();
        try (ExecutorService threads = Executors.newVirtualThreadPerTaskExecutor()) {
            for (HttpClient client : clients) {
                runs.add(threads.submit(() -> {
                    long[] latencies = new long[1 << 16];
                    int n = 0;
                    while (!stop.get()) {
                        long sent = System.nanoTime();
                        HttpResponse<byte[]> answer = client.send(request, HttpResponse.BodyHandlers.ofByteArray());
                        assertThat(answer.statusCode()).isEqualTo(200);
                        if (n == latencies.length) {
                            latencies = Arrays.copyOf(latencies, n * 2);
                        }
                        latencies[n++] = System.nanoTime() - sent;
                    }
                    return Arrays.copyOf(latencies, n);
                }));
            }
            Thread.sleep(length.toMillis());
            stop.set(true);
            long[] all = new long[0];
            for (Future<long[]> run : runs) {
                long[] some = run.get();
                int at = all.length;
                all = Arrays.copyOf(all, at + some.length);
                System.arraycopy(some, 0, all, at, some.length);
            }
            double seconds = (System.nanoTime() - start) / 1e9;
            Arrays.sort(all);
            return new Result(all.length / seconds, all[all.length / 2] / 1e6,
                    all[(int) Math.min(all.length - 1, Math.ceil(all.length * 0.99) - 1)] / 1e6);
        } finally {
            clients.forEach(HttpClient::close);
        }
    }
}
