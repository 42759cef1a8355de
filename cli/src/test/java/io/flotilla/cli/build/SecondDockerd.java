package io.flotilla.cli.build;

import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.cli.DockerRequirement;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.Optional;
import java.util.stream.Stream;

/**
 * A second Docker daemon of the tests' own, in the host namespace, without iptables rules or
 * masquerading: another node's daemon, which has none of the images of the first. Its paths are
 * {@code /tmp/flbld-dockerd*}; {@link #close} stops it and removes them.
 *
 * <p>Its default bridge is a bridge of its own, {@value #BRIDGE} (no uplink, a subnet nothing else
 * uses), not {@code --bridge=none}: a dockerd started with {@code --bridge=none} deletes the
 * interface {@code docker0} at start (moby's removeDefaultBridgeInterface), which is the host's
 * main daemon's bridge. Its containers run with {@code --network none} anyway.
 */
final class SecondDockerd implements AutoCloseable {
    static final Path ROOT = Path.of("/tmp/flbld-dockerd");
    static final Path EXEC = Path.of("/tmp/flbld-dockerd-exec");
    static final Path SOCKET = Path.of("/tmp/flbld-dockerd.sock");
    static final Path PIDFILE = Path.of("/tmp/flbld-dockerd.pid");
    static final Path LOG = Path.of("/tmp/flbld-dockerd.log");
    static final String BRIDGE = "flbld-br0";
    private static final String BRIDGE_ADDRESS = "10.251.199.1/24";

    private final Process process;
    final DockerDaemon daemon;

    private SecondDockerd(Process process, DockerDaemon daemon) {
        this.process = process;
        this.daemon = daemon;
    }

    static SecondDockerd start() throws Exception {
        DockerRequirement.requireThat("root".equals(System.getProperty("user.name")), "a second dockerd needs root");
        DockerRequirement.requireThat(Files.isExecutable(Path.of("/usr/sbin/dockerd"))
                || Files.isExecutable(Path.of("/usr/bin/dockerd")), "no dockerd binary");
        removePaths();
        ip("link", "add", "name", BRIDGE, "type", "bridge");
        ip("addr", "add", BRIDGE_ADDRESS, "dev", BRIDGE);
        Process process = new ProcessBuilder("dockerd", "--data-root", ROOT.toString(), "--exec-root", EXEC.toString(),
                "-H", "unix://" + SOCKET, "--pidfile", PIDFILE.toString(), "--bridge=" + BRIDGE, "--iptables=false",
                "--ip-masq=false", "--ip6tables=false")
                .redirectErrorStream(true).redirectOutput(LOG.toFile()).start();
        Instant deadline = Instant.now().plus(Duration.ofSeconds(60));
        while (Instant.now().isBefore(deadline) && process.isAlive()) {
            Optional<DockerDaemon> daemon = Files.exists(SOCKET) ? DockerDaemon.connect("unix://" + SOCKET) : Optional.empty();
            if (daemon.isPresent()) {
                return new SecondDockerd(process, daemon.get());
            }
            Thread.sleep(200);
        }
        process.destroyForcibly().waitFor();
        throw new IOException("the second dockerd did not answer within 60 s: " + Files.readString(LOG));
    }

    String host() {
        return "unix://" + SOCKET;
    }

    @Override
    public void close() throws Exception {
        daemon.close();
        process.destroy();
        if (!process.waitFor(30, java.util.concurrent.TimeUnit.SECONDS)) {
            process.destroyForcibly().waitFor();
        }
        removePaths();
        Files.deleteIfExists(LOG);
    }

    private static void ip(String... args) throws IOException, InterruptedException {
        java.util.List<String> command = new java.util.ArrayList<>(java.util.List.of("ip"));
        command.addAll(java.util.List.of(args));
        Process ip = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(ip.getInputStream().readAllBytes());
        if (ip.waitFor() != 0) {
            throw new IOException(command + " failed: " + out);
        }
    }

    private static void removePaths() throws IOException, InterruptedException {
        new ProcessBuilder("ip", "link", "del", BRIDGE).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        for (Path path : new Path[] {ROOT, EXEC}) {
            if (Files.exists(path)) {
                new ProcessBuilder("umount", "-R", path.toString()).redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
                try (Stream<Path> walk = Files.walk(path)) {
                    walk.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
                }
            }
        }
        Files.deleteIfExists(SOCKET);
        Files.deleteIfExists(PIDFILE);
    }
}
