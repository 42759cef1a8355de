package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClientTls;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeState;
import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A Flotilla cluster on the namespace test bed ({@link NetnsTestBed}): {@code init --overlay} in
 * host 1 (the manager), {@code join --overlay} in every other host (workers), each node a JVM of
 * its own inside its host's network namespace with that host's dockerd, as an operator would run
 * them. The nodes' logs are kept next to their data directories.
 */
final class OverlayCluster implements AutoCloseable {
    private static final Duration UP = Duration.ofSeconds(90);

    private final Path dir;
    private final List<Process> nodes = new ArrayList<>();

    private OverlayCluster(Path dir) {
        this.dir = dir;
    }

    /** Starts the nodes and waits until all {@code hosts} are READY. */
    static OverlayCluster start(Path dir, int hosts) throws IOException, InterruptedException {
        OverlayCluster cluster = new OverlayCluster(dir);
        try {
            cluster.node(1, "init", "--data", dir.resolve("n1").toString(), "--advertise", NetnsTestBed.address(1), "--overlay");
            String api = cluster.api();
            System.setProperty(ClientTls.TLS_DIR_PROPERTY, dir.resolve("n1").resolve("tls").toString());
            BenchWaits.awaitUntil("the manager's API at " + api, UP, Duration.ofMillis(200), () -> new ApiClient(api).info() != null);
            String token = String.valueOf(new ClusterClient(api).joinToken("worker", false).get("token"));
            for (int host = 2; host <= hosts; host++) {
                cluster.node(host, "join", "--token", token, "--data", dir.resolve("n" + host).toString(), "--advertise",
                        NetnsTestBed.address(host), "--overlay", api);
            }
            BenchWaits.awaitUntil(hosts + " ready nodes", UP, Duration.ofMillis(250), () -> new ApiClient(api).nodes().stream()
                    .filter(n -> n.status().state() == NodeState.READY).count() == hosts);
            return cluster;
        } catch (IOException | InterruptedException | RuntimeException e) {
            cluster.close();
            throw e;
        }
    }

    String api() {
        return NetnsTestBed.address(1) + ":" + ApiClient.DEFAULT_PORT;
    }

    private void node(int host, String... args) throws IOException {
        String java = ProcessHandle.current().info().command().orElse("java");
        List<String> command = new ArrayList<>(List.of(java, "-XX:+UseSerialGC", "-Xmx256m", "-XX:TieredStopAtLevel=1",
                "--enable-native-access=ALL-UNNAMED", "-cp", System.getProperty("java.class.path"), "io.flotilla.cli.Main"));
        command.addAll(List.of(args));
        nodes.add(new ProcessBuilder(NetnsTestBed.inHost(host, command)).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(dir.resolve("n" + host + ".log").toFile())).start());
    }

    @Override
    public void close() throws InterruptedException {
        for (Process node : nodes) {
            node.descendants().forEach(ProcessHandle::destroyForcibly);
            node.destroyForcibly();
            node.waitFor(20, TimeUnit.SECONDS);
        }
    }
}
