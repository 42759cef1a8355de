package io.flotilla.mesh;

import static io.flotilla.mesh.MeshFixture.route;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.mesh.MeshRoute.Balancing;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.ByteBufAllocatorMetric;
import io.netty.buffer.ByteBufAllocatorMetricProvider;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * Bodies stream through the proxy: large responses and uploads pass with the proxy's memory
 * bounded far below their size, a client that does not read stops the backend, and a request
 * whose body was too large to keep is not sent twice. The client and backends are the JDK's, so
 * every Netty buffer in this JVM is the mesh's: the allocator's own count is the proxy's memory.
 */
class MeshStreamingTest {
    private static final long MB = 1024 * 1024;
    /** Far below the bodies (50 and 20 MB), far above a few socket reads per connection (≈ 0.5-1 MB seen). */
    private static final long MEMORY_BOUND = 8 * MB;

    private final MeshFixture fixture = new MeshFixture();

    @AfterEach
    void tearDown() throws Exception {
        fixture.close();
    }

    @Test
    void fiftyMegabyteResponseStreamsWithBoundedMemory() throws Exception {
        TestBackend big = fixture.backend("big");
        int port = fixture.http(route("s", null, null, Balancing.P2C, big));
        try (MemoryWatch memory = new MemoryWatch()) {
            HttpResponse<InputStream> response = fixture.client.send(
                    HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/big/" + 50 * MB)).build(),
                    HttpResponse.BodyHandlers.ofInputStream());
            assertThat(response.statusCode()).isEqualTo(200);
            assertThat(response.headers().firstValueAsLong("content-length")).hasValue(50 * MB);
            try (InputStream body = response.body()) {
                assertThat(readPattern(body)).isEqualTo(50 * MB);
            }
            assertThat(memory.peak()).as("mesh buffer memory while relaying 50 MB").isLessThan(MEMORY_BOUND);
        }
    }

    @Test
    void twentyMegabyteUploadsStreamWithBoundedMemory() throws Exception {
        TestBackend sink = fixture.backend("sink");
        int port = fixture.http(route("s", null, null, Balancing.P2C, sink));
        byte[] upload = new byte[(int) (20 * MB)];
        new java.util.Random(7).nextBytes(upload);
        CRC32 crc = new CRC32();
        crc.update(upload);
        String expected = upload.length + " " + crc.getValue();
        try (MemoryWatch memory = new MemoryWatch()) {
            // with a Content-Length, and Expect: 100-continue (answered by the mesh)
            HttpResponse<String> sized = fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                    .expectContinue(true).POST(HttpRequest.BodyPublishers.ofByteArray(upload)));
            assertThat(sized.statusCode()).isEqualTo(200);
            assertThat(sized.body()).isEqualTo(expected);
            // chunked: the JDK client sends a body of unknown length so
            HttpResponse<String> chunked = fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                    .PUT(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(upload))));
            assertThat(chunked.statusCode()).isEqualTo(200);
            assertThat(chunked.body()).isEqualTo(expected);
            assertThat(memory.peak()).as("mesh buffer memory while relaying 2 x 20 MB").isLessThan(MEMORY_BOUND);
        }
        assertThat(sink.methods).containsExactly("POST /upload", "PUT /upload");
    }

    @Test
    void clientThatStopsReadingStopsTheBackend() throws Exception {
        TestBackend big = fixture.backend("big");
        int port = fixture.http(route("s", null, null, Balancing.P2C, big));
        long length = 50 * MB;
        try (Socket socket = new Socket()) {
            socket.setReceiveBufferSize(64 * 1024);
            socket.connect(new java.net.InetSocketAddress("127.0.0.1", port));
            socket.getOutputStream().write(("GET /big/" + length + " HTTP/1.1\r\nHost: t\r\n\r\n").getBytes(StandardCharsets.US_ASCII));
            InputStream in = socket.getInputStream();
            String head = MeshFixture.readHead(in);
            assertThat(head).startsWith("HTTP/1.1 200").containsIgnoringCase("content-length: " + length);
            // the client reads nothing more: the backend must stall once the socket buffers and the
            // proxy's write watermark are full, instead of the proxy taking the whole 50 MB
            AtomicLong last = new AtomicLong(-1);
            await().atMost(Duration.ofSeconds(20)).pollInterval(Duration.ofMillis(500))
                    .until(() -> last.getAndSet(big.bytesSent.get()) == big.bytesSent.get() && big.bytesSent.get() > 0);
            assertThat(big.bytesSent.get()).as("bytes the backend could write to a client that does not read")
                    .isLessThan(length / 2);
            assertThat(readPattern(in, length)).isEqualTo(length); // and then it all arrives, intact
        }
        assertThat(big.bytesSent.get()).isEqualTo(length);
    }

    @Test
    void idempotentRequestWithABodyTooLargeToKeepIsNotRetried() {
        TestBackend dying = fixture.backend("dying");
        dying.status = 503;
        TestBackend good = fixture.backend("good");
        int port = fixture.http(route("s", null, null, Balancing.ROUND_ROBIN, dying, good));
        byte[] small = new byte[MeshOptions.RETRY_BUFFER_BYTES];
        byte[] large = new byte[MeshOptions.RETRY_BUFFER_BYTES + 1];
        for (int i = 0; i < 4; i++) {
            HttpResponse<String> kept = fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(small)));
            assertThat(kept.statusCode()).isEqualTo(200);
            assertThat(kept.body()).startsWith(small.length + " ");
        }
        Set<Integer> streamed = new HashSet<>();
        for (int i = 0; i < 4; i++) {
            streamed.add(fixture.send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/upload"))
                    .PUT(HttpRequest.BodyPublishers.ofByteArray(large))).statusCode());
        }
        assertThat(streamed).containsExactlyInAnyOrder(200, 503);
    }

    /** Reads to the end, checking every byte against the backend's pattern; returns the count. */
    private static long readPattern(InputStream in) throws IOException {
        return readPattern(in, Long.MAX_VALUE);
    }

    private static long readPattern(InputStream in, long limit) throws IOException {
        byte[] buffer = new byte[64 * 1024];
        long offset = 0;
        while (offset < limit) {
            int n = in.read(buffer, 0, (int) Math.min(buffer.length, limit - offset));
            if (n < 0) {
                break;
            }
            for (int i = 0; i < n; i++) {
                if (buffer[i] != TestBackend.patternByte(offset + i)) {
                    throw new AssertionError("byte " + (offset + i) + " differs");
                }
            }
            offset += n;
        }
        return offset;
    }

    /** Samples the Netty allocator's used memory (heap + direct) every few milliseconds. */
    static final class MemoryWatch implements AutoCloseable {
        private final ByteBufAllocatorMetric metric = ((ByteBufAllocatorMetricProvider) ByteBufAllocator.DEFAULT).metric();
        private final AtomicLong peak = new AtomicLong();
        private final AtomicBoolean running = new AtomicBoolean(true);
        private final Thread sampler;

        MemoryWatch() {
            sampler = Thread.ofPlatform().daemon().start(() -> {
                while (running.get()) {
                    peak.accumulateAndGet(metric.usedDirectMemory() + metric.usedHeapMemory(), Math::max);
                    try {
                        Thread.sleep(2);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            });
        }

        long peak() {
            return peak.get();
        }

        @Override
        public void close() throws InterruptedException {
            running.set(false);
            sampler.join();
        }
    }
}
