package io.flotilla.bench;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The peer of {@code flotilla bench build}: what a Compose user does to get built images to a
 * cluster — {@code docker compose build} then a push to a registry on the same machine. The
 * registry is Debian's {@code docker-registry} ({@code serve CONFIG}) on 127.0.0.1 and a free port,
 * its storage in a temporary directory, stopped by {@link #close}. The build is Debian's
 * docker-compose 1.29 when it runs ({@code build --parallel}, as {@code docker compose} v2 builds in
 * parallel, then {@code push}); without it, {@code docker build} per service and {@code docker push}
 * per image, each set started at once. The daemon trusts 127.0.0.0/8 without TLS by default.
 */
final class RegistryPeer implements AutoCloseable {
    static final String REGISTRY = "/usr/bin/docker-registry";

    private final Process registry;
    private final String address;
    private final boolean compose;

    private RegistryPeer(Process registry, String address, boolean compose) {
        this.registry = registry;
        this.address = address;
        this.compose = compose;
    }

    /** Starts the registry in {@code dir} and waits until it answers {@code /v2/}. */
    static RegistryPeer start(Path dir) throws IOException, InterruptedException {
        if (!Files.isExecutable(Path.of(REGISTRY))) {
            throw new IllegalStateException("bench build needs Debian's docker-registry (" + REGISTRY
                    + "; apt-get install -y docker-registry)");
        }
        int port;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            port = socket.getLocalPort();
        }
        String address = "127.0.0.1:" + port;
        Path storage = Files.createDirectories(dir.resolve("storage"));
        Path config = Files.writeString(dir.resolve("config.yml"), """
                version: 0.1
                log: {level: error}
                storage:
                  filesystem: {rootdirectory: %s}
                  delete: {enabled: true}
                http: {addr: "%s"}
                """.formatted(storage, address));
        Process process = new ProcessBuilder(REGISTRY, "serve", config.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("registry.log").toFile()).start();
        RegistryPeer peer = new RegistryPeer(process, address, composeWorks());
        HttpClient http = HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        try {
            BenchWaits.awaitUntil("docker-registry on " + address, Duration.ofSeconds(30), Duration.ofMillis(50), () ->
                    http.send(HttpRequest.newBuilder(URI.create("http://" + address + "/v2/")).build(),
                            HttpResponse.BodyHandlers.discarding()).statusCode() == 200);
        } catch (RuntimeException e) {
            peer.close();
            throw new IllegalStateException(e.getMessage() + "; see " + dir.resolve("registry.log"), e);
        }
        return peer;
    }

    private static boolean composeWorks() {
        try {
            Process process = new ProcessBuilder("docker-compose", "version").redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(30, TimeUnit.SECONDS) && process.exitValue() == 0;
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /** host:port, the prefix of the images pushed to it. */
    String address() {
        return address;
    }

    /** What builds and pushes, for the report. */
    String how() {
        return compose ? "docker-compose 1.29 build --parallel + docker-compose push"
                : "docker build per service + docker push per image, each set in parallel (no docker-compose)";
    }

    /** Build then push; seconds of each. */
    record Times(double build, double push) {
        double total() {
            return build + push;
        }
    }

    Times buildAndPush(BuildContexts contexts, String project) throws IOException, InterruptedException {
        long start = System.nanoTime();
        if (compose) {
            run(List.of("docker-compose", "-p", project, "-f", contexts.composeFile().toString(), "build", "--parallel"));
        } else {
            List<List<String>> builds = new ArrayList<>();
            contexts.names().forEach(s -> builds.add(List.of("build", "-q", "-t", contexts.image(s), contexts.context(s).toString())));
            DockerCli.parallel(builds);
        }
        long built = System.nanoTime();
        if (compose) {
            run(List.of("docker-compose", "-p", project, "-f", contexts.composeFile().toString(), "push"));
        } else {
            List<List<String>> pushes = new ArrayList<>();
            contexts.names().forEach(s -> pushes.add(List.of("push", "-q", contexts.image(s))));
            DockerCli.parallel(pushes);
        }
        long pushed = System.nanoTime();
        return new Times((built - start) / 1e9, (pushed - built) / 1e9);
    }

    /** The peer's image of {@code service}, in the registry. */
    String image(String service) {
        return address + "/flbb-peer-" + service + ":1";
    }

    private static void run(List<String> command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), java.nio.charset.StandardCharsets.UTF_8);
        if (process.waitFor() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output.strip());
        }
    }

    @Override
    public void close() {
        registry.destroy();
        try {
            if (!registry.waitFor(10, TimeUnit.SECONDS)) {
                registry.destroyForcibly();
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            registry.destroyForcibly();
        }
    }
}
