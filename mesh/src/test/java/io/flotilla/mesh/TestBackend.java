package io.flotilla.mesh;

import com.sun.net.httpserver.Headers;
import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.zip.CRC32;

/**
 * A real HTTP backend on loopback (the JDK's server): answers "name path", records what it got, can
 * hold or fail. Two paths stream: {@code GET /big/<n>} answers n bytes of {@link #patternByte}
 * (counting what it wrote in {@link #bytesSent}), {@code POST|PUT /upload} answers "<bytes> <crc32>"
 * of the body it read.
 */
final class TestBackend implements AutoCloseable {
    final String name;
    final HttpServer server;
    final AtomicInteger requests = new AtomicInteger();
    final List<Headers> headers = new CopyOnWriteArrayList<>();
    final List<String> methods = new CopyOnWriteArrayList<>();
    volatile int status = 200;
    volatile CountDownLatch hold; // while set, requests wait for it
    final AtomicLong bytesSent = new AtomicLong();

    TestBackend(String name) {
        this.name = name;
        try {
            server = HttpServer.create(new InetSocketAddress("127.0.0.1", 0), 64);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
        server.setExecutor(Executors.newCachedThreadPool());
        server.createContext("/", this::handle);
        server.start();
    }

    private void handle(HttpExchange exchange) throws IOException {
        requests.incrementAndGet();
        headers.add(exchange.getRequestHeaders());
        String path = exchange.getRequestURI().getPath();
        methods.add(exchange.getRequestMethod() + " " + path);
        if (path.startsWith("/big/")) {
            streamBig(exchange, Long.parseLong(path.substring(5)));
            return;
        }
        if (path.equals("/upload")) {
            upload(exchange);
            return;
        }
        exchange.getRequestBody().readAllBytes();
        CountDownLatch latch = hold;
        if (latch != null) {
            try {
                latch.await(20, TimeUnit.SECONDS);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
        byte[] body = (name + " " + exchange.getRequestURI().getPath()).getBytes(StandardCharsets.UTF_8);
        exchange.getResponseHeaders().set("Content-Type", "text/plain");
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    /** The byte at {@code offset} of a /big answer. */
    static byte patternByte(long offset) {
        return (byte) (offset % 251);
    }

    private void streamBig(HttpExchange exchange, long length) throws IOException {
        exchange.getRequestBody().readAllBytes();
        exchange.sendResponseHeaders(status, length);
        byte[] block = new byte[64 * 1024];
        try (var out = exchange.getResponseBody()) {
            for (long sent = 0; sent < length; ) {
                int n = (int) Math.min(block.length, length - sent);
                for (int i = 0; i < n; i++) {
                    block[i] = patternByte(sent + i);
                }
                out.write(block, 0, n);
                sent += n;
                bytesSent.addAndGet(n);
            }
        }
    }

    private void upload(HttpExchange exchange) throws IOException {
        CRC32 crc = new CRC32();
        long total = 0;
        byte[] block = new byte[64 * 1024];
        try (var in = exchange.getRequestBody()) {
            for (int n; (n = in.read(block)) > 0; ) {
                crc.update(block, 0, n);
                total += n;
            }
        }
        byte[] body = (total + " " + crc.getValue()).getBytes(StandardCharsets.UTF_8);
        exchange.sendResponseHeaders(status, body.length);
        exchange.getResponseBody().write(body);
        exchange.close();
    }

    int port() {
        return server.getAddress().getPort();
    }

    MeshBackend backend() {
        return new MeshBackend(name, "127.0.0.1", port());
    }

    @Override
    public void close() {
        server.stop(0);
        ((java.util.concurrent.ExecutorService) server.getExecutor()).shutdownNow();
    }
}
