package io.flotilla.mesh;

import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/** A mesh on loopback with helpers to build tables and send requests through it. */
class MeshFixture implements AutoCloseable {
    final PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    final Mesh mesh;
    final List<AutoCloseable> closeables = new ArrayList<>();
    final HttpClient client = HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(5)).build();

    MeshFixture(MeshOptions options) {
        mesh = new Mesh(options, registry);
    }

    MeshFixture() {
        this(MeshOptions.defaults().withIoThreads(2).withConnectTimeout(Duration.ofMillis(500)).withDrainTimeout(Duration.ofSeconds(5)));
    }

    TestBackend backend(String name) {
        TestBackend backend = new TestBackend(name);
        closeables.add(backend);
        return backend;
    }

    static MeshRoute route(String service, String host, String path, MeshRoute.Balancing balancing, TestBackend... backends) {
        List<MeshBackend> list = new ArrayList<>();
        for (TestBackend backend : backends) {
            list.add(backend.backend());
        }
        return new MeshRoute(service, host, path, balancing, list);
    }

    /** Applies one plaintext HTTP listener on 127.0.0.1 with the routes; returns its port. */
    int http(MeshRoute... routes) {
        mesh.apply(new MeshTable(List.of(new MeshListener("127.0.0.1", 0, MeshListener.Protocol.HTTP, null, false, List.of(routes)))));
        return port();
    }

    int port() {
        return mesh.boundAddresses().iterator().next().getPort();
    }

    HttpResponse<String> get(int port, String path) {
        return send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + path)).GET());
    }

    HttpResponse<String> send(HttpRequest.Builder request) {
        try {
            return client.send(request.timeout(Duration.ofSeconds(20)).build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** A loopback port nobody listens on (bound, then closed). */
    static int deadPort() {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    @Override
    public void close() throws Exception {
        mesh.close();
        client.close();
        for (AutoCloseable closeable : closeables) {
            closeable.close();
        }
    }

    /** Reads an HTTP head from a raw socket, up to and including the blank line. */
    static String readHead(InputStream in) throws IOException {
        StringBuilder head = new StringBuilder();
        while (!head.toString().endsWith("\r\n\r\n")) {
            int b = in.read();
            if (b < 0) {
                throw new IOException("closed in the head: " + head);
            }
            head.append((char) b);
        }
        return head.toString();
    }
}
