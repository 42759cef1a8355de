package io.flotilla.cli;

import com.sun.net.httpserver.HttpExchange;
import com.sun.net.httpserver.HttpsConfigurator;
import com.sun.net.httpserver.HttpsParameters;
import com.sun.net.httpserver.HttpsServer;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;

/**
 * The training run of the client commands' class cache (scripts/cli-cache.sh runs it under
 * {@code -XX:AOTCacheOutput}, or {@code -XX:ArchiveClassesAtExit} before JDK 25): {@code --version}
 * and the client path — credential, TLS handshake, HTTP, JSON, tables —
 * of {@code service ls|ps}, {@code node ls}, {@code stack ls} and a no-change {@code stack deploy},
 * against a loopback HTTPS server of its own that answers with recorded API answers
 * (resources {@code training/*.json}). What it loads is what the cache holds; it prints nothing.
 */
public final class CacheTraining {
    private CacheTraining() {}

    public static void main(String[] args) throws Exception {
        Path dir = Files.createTempDirectory("flotilla-cli-training");
        PrintStream out = System.out;
        PrintStream err = System.err;
        HttpsServer server = null;
        try {
            TlsDirectory tls = TlsDirectory.of(dir.resolve("data"));
            Instant now = Instant.now();
            tls.writeAuthority(CertificateAuthority.create("flotilla-cli-training", now));
            tls.ensureAdminCredential(Duration.ofHours(1), now);
            tls.ensureNodeCredential(new CertificateSubject("training", CertificateSubject.MANAGER, List.of("127.0.0.1"),
                    List.of()), Duration.ofHours(1), now);
            server = server(NodeTls.node(tls));
            String host = "127.0.0.1:" + server.getAddress().getPort();
            Path stack = dir.resolve("compose.yaml");
            Files.writeString(stack, """
                    name: twenty
                    services:
                      s01:
                        command: ["sleep", "3600"]
                        x-flotilla: {driver: process}
                      s02:
                        image: nginx:alpine
                        ports: ["8080:80"]
                        deploy: {replicas: 2}
                    """);
            PrintStream nowhere = new PrintStream(OutputStream.nullOutputStream(), true, StandardCharsets.UTF_8);
            System.setOut(nowhere);
            System.setErr(nowhere);
            // Only what client commands load: every class in the cache is loaded at each start,
            // and a cache of all commands' help (6,000 classes) made --version slower than none.
            Main.run("--version");
            String[] client = {"--host", host, "--tls-dir", tls.path().toString()};
            run(client, "service", "ls");
            run(client, "service", "ls", "--format", "json");
            run(client, "service", "ps", "twenty_s01");
            run(client, "node", "ls");
            run(client, "stack", "ls");
            run(client, "stack", "deploy", "-c", stack.toString(), "twenty");
        } finally {
            System.setOut(out);
            System.setErr(err);
            if (server != null) {
                server.stop(0);
            }
            try (var files = Files.walk(dir)) {
                files.sorted(Comparator.reverseOrder()).forEach(f -> f.toFile().delete());
            }
        }
    }

    private static void run(String[] client, String... command) {
        List<String> args = new ArrayList<>(List.of(command));
        args.addAll(List.of(client));
        Main.run(args.toArray(String[]::new));
    }

    private static HttpsServer server(NodeTls tls) throws IOException {
        HttpsServer server = HttpsServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.setHttpsConfigurator(new HttpsConfigurator(tls.context()) {
            @Override
            public void configure(HttpsParameters params) {
                params.setNeedClientAuth(true);
            }
        });
        server.createContext("/", CacheTraining::answer);
        server.start();
        return server;
    }

    /** The recorded answer for the path, {@code {"index":1}} to a change, {@code []} to any other read. */
    private static void answer(HttpExchange exchange) throws IOException {
        try (exchange) {
            exchange.getRequestBody().readAllBytes();
            String path = exchange.getRequestURI().getPath();
            String resource = switch (path) {
                case "/v1/services" -> "services.json";
                case "/v1/nodes" -> "nodes.json";
                case "/v1/stacks" -> "stacks.json";
                case "/v1/progress" -> "progress.json";
                default -> path.startsWith("/v1/services/") && path.endsWith("/tasks") ? "tasks.json" : null;
            };
            byte[] body;
            if (!exchange.getRequestMethod().equals("GET")) {
                body = "{\"index\":1,\"message\":\"training\"}".getBytes(StandardCharsets.UTF_8);
            } else if (resource != null) {
                try (InputStream in = CacheTraining.class.getResourceAsStream("training/" + resource)) {
                    body = in.readAllBytes();
                }
            } else if (path.startsWith("/v1/services/")) {
                body = "{}".getBytes(StandardCharsets.UTF_8);
            } else {
                body = "[]".getBytes(StandardCharsets.UTF_8);
            }
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
        }
    }
}
