package io.flotilla.mesh;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * A transparent listener on a real kernel, the way a node serves a VIP: a bridge {@code fltp-br0}
 * in the machine's namespace holding 198.18.201.1/24 (the "gateway", where the listener binds) and
 * the VIP 198.18.201.100/32; a client namespace and three backend namespaces on it; a nat rule
 * (chain {@code FLTP-VIP}) sending every TCP port of the VIP that enters from the bridge to the
 * listener, as the data plane's {@code FLOTILLA-VIP} does. The backends are busybox httpd on ports
 * 7001 and 7002 answering which backend and port they are; the third runs nothing (dead).
 *
 * <p>Needs root, iproute2, iptables, busybox and curl; fails without them. Sends only inside
 * 198.18.201.0/24 (checked unused before, and through {@code fltp-br0} after setting up); the
 * namespaces have no default route. Everything is removed afterwards, also after a failure.
 * The machine has {@code bridge-nf-call-iptables=1} (Docker's), the case in which TPROXY fails.
 */
class MeshTransparentKernelTest {
    static final String BRIDGE = "fltp-br0";
    static final String GATEWAY = "198.18.201.1";
    static final String VIP = "198.18.201.100";
    static final String CHAIN = "FLTP-VIP";
    static final List<String> BACKENDS = List.of("b1", "b2", "b3");
    static final List<Process> servers = new ArrayList<>();
    static Path root;
    static MeshFixture fixture;

    @BeforeAll
    static void setUp() throws Exception {
        cleanUp();
        String used = sh("ip -o -4 addr show; ip route show match 198.18.201.0/24 | grep -v '^default' || true");
        assertThat(used).as("198.18.201.0/24 must be unused on this machine").doesNotContain("198.18.201.");
        root = Files.createTempDirectory("fltp-mesh");
        sh("ip link add " + BRIDGE + " type bridge && ip addr add " + GATEWAY + "/24 dev " + BRIDGE
                + " && ip addr add " + VIP + "/32 dev " + BRIDGE + " && ip link set " + BRIDGE + " up");
        namespace("fltp-client", "fltp-c", "198.18.201.10");
        for (int i = 0; i < BACKENDS.size(); i++) {
            namespace("fltp-" + BACKENDS.get(i), "fltp-" + BACKENDS.get(i), "198.18.201." + (21 + i));
        }
        assertThat(sh("ip route get 198.18.201.21")).contains("dev " + BRIDGE);
        assertThat(sh("ip netns exec fltp-client ip route get " + VIP)).contains("dev eth0");
        for (String backend : BACKENDS.subList(0, 2)) {
            for (int port : List.of(7001, 7002)) {
                Path dir = Files.createDirectories(root.resolve(backend + "-" + port));
                Files.writeString(dir.resolve("id"), backend + ":" + port);
                servers.add(new ProcessBuilder("ip", "netns", "exec", "fltp-" + backend, "busybox", "httpd", "-f",
                        "-p", address(backend) + ":" + port, "-h", dir.toString()).redirectErrorStream(true)
                        .redirectOutput(root.resolve(backend + "-" + port + ".log").toFile()).start());
            }
        }
        fixture = new MeshFixture(MeshOptions.defaults().withIoThreads(2).withConnectTimeout(Duration.ofMillis(500))
                .withDrainTimeout(Duration.ofSeconds(1)).withEjection(2, Duration.ofSeconds(30)));
        apply(BACKENDS, 0);
        int port = fixture.port();
        sh("iptables -w -t nat -N " + CHAIN
                + " && iptables -w -t nat -A " + CHAIN + " -d " + VIP + "/32 -i " + BRIDGE
                + " -p tcp -j DNAT --to-destination " + GATEWAY + ":" + port
                + " && iptables -w -t nat -I PREROUTING 1 -m comment --comment fltp -j " + CHAIN);
        for (String backend : BACKENDS.subList(0, 2)) {
            for (int port2 : List.of(7001, 7002)) {
                waitUntil(() -> run("ip netns exec fltp-" + backend + " ss -ltn | grep -q :" + port2) == 0);
            }
        }
    }

    /** The listener with a route for the VIP to these backends (on the same port once bound: its socket stays). */
    static void apply(List<String> names, int port) {
        List<MeshBackend> backends = new ArrayList<>();
        for (String backend : names) {
            backends.add(new MeshBackend("t-" + backend, address(backend), 0, GATEWAY));
        }
        fixture.mesh.apply(new MeshTable(List.of(new MeshListener(GATEWAY, port, MeshListener.Protocol.TRANSPARENT_TCP, null,
                false, List.of(new MeshRoute("shop_db", VIP, null, null, backends))))));
    }

    @BeforeEach
    void allBackends() {
        apply(BACKENDS, fixture.port());
    }

    @AfterAll
    static void tearDown() throws Exception {
        try {
            if (fixture != null) {
                fixture.close();
            }
            for (Process server : servers) {
                server.destroyForcibly().waitFor(5, TimeUnit.SECONDS);
            }
        } finally {
            cleanUp();
            if (root != null) {
                try (var files = Files.walk(root)) {
                    files.sorted(java.util.Comparator.reverseOrder()).forEach(path -> path.toFile().delete());
                }
            }
        }
    }

    static void cleanUp() throws Exception {
        run("iptables -w -t nat -D PREROUTING -m comment --comment fltp -j " + CHAIN);
        run("iptables -w -t nat -F " + CHAIN + "; iptables -w -t nat -X " + CHAIN);
        run("ip link del fltp-c; ip netns del fltp-client");
        for (String backend : BACKENDS) {
            run("ip link del fltp-" + backend + "; ip netns del fltp-" + backend);
        }
        run("ip link del " + BRIDGE);
        // a namespace's devices go asynchronously after `ip netns del`
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (sh("ip -o link show; ip netns list; iptables -w -t nat -S").contains("fltp") && System.nanoTime() < deadline) {
            Thread.sleep(100);
        }
        assertThat(sh("ip -o link show; ip netns list; iptables -w -t nat -S")).doesNotContain("fltp");
    }

    @Test
    void every_port_of_the_vip_reaches_the_same_port_of_a_backend() throws Exception {
        assertThat(get(7001)).matches("b[12]:7001");
        assertThat(get(7002)).matches("b[12]:7002");
    }

    @Test
    void connections_spread_over_the_live_backends_and_skip_the_dead_one() throws Exception {
        Set<String> answered = new HashSet<>();
        for (int i = 0; i < 24; i++) {
            answered.add(get(7001 + i % 2));
        }
        assertThat(answered).containsExactlyInAnyOrder("b1:7001", "b1:7002", "b2:7001", "b2:7002");
        assertThat(fixture.registry.scrape()).containsPattern(
                "flotilla_mesh_backend_errors_total\\{backend=\"t-b3\",service=\"shop_db\"} [1-9]");
    }

    @Test
    void the_dead_backend_is_ejected_and_a_backend_taken_out_of_the_table_gets_no_new_connection() throws Exception {
        for (int i = 0; i < 60 && !fixture.registry.scrape().matches(
                "(?s).*flotilla_mesh_backend_ejections_total\\{backend=\"t-b3\",service=\"shop_db\"} [1-9].*"); i++) {
            assertThat(get(7001)).matches("b[12]:7001");
        }
        assertThat(fixture.registry.scrape()).containsPattern(
                "flotilla_mesh_backend_ejections_total\\{backend=\"t-b3\",service=\"shop_db\"} [1-9]");

        apply(List.of("b1", "b3"), fixture.port());
        for (int i = 0; i < 10; i++) {
            assertThat(get(7001 + i % 2)).isEqualTo("b1:" + (7001 + i % 2));
        }
    }

    @Test
    void a_connection_to_the_listener_itself_has_no_route_and_is_closed() throws Exception {
        int port = fixture.port();
        assertThat(run("ip netns exec fltp-client curl -s --max-time 3 http://" + GATEWAY + ":" + port + "/id")).isNotZero();
        assertThat(get(7001)).startsWith("b"); // the listener still serves the VIP
    }

    static String get(int port) throws Exception {
        return sh("ip netns exec fltp-client curl -sS --max-time 5 http://" + VIP + ":" + port + "/id");
    }

    static String address(String backend) {
        return "198.18.201." + (21 + BACKENDS.indexOf(backend));
    }

    static void namespace(String name, String hostSide, String address) throws Exception {
        sh("ip netns add " + name + " && ip link add " + hostSide + " type veth peer name eth0 netns " + name
                + " && ip link set " + hostSide + " master " + BRIDGE + " up"
                + " && ip netns exec " + name + " sh -c 'ip link set lo up && ip addr add " + address
                + "/24 dev eth0 && ip link set eth0 up'");
    }

    static void waitUntil(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
        while (!condition.getAsBoolean()) {
            if (System.nanoTime() > deadline) {
                throw new AssertionError("timed out");
            }
            Thread.sleep(50);
        }
    }

    /** Runs a shell command; its output, or an AssertionError with it when it fails. */
    static String sh(String command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new AssertionError("`" + command + "` failed (needs root, iproute2, iptables, busybox, curl): " + output);
        }
        return output.strip();
    }

    static int run(String command) {
        try {
            Process process = new ProcessBuilder("sh", "-c", command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD).start();
            return process.waitFor(30, TimeUnit.SECONDS) ? process.exitValue() : -1;
        } catch (IOException e) {
            return -1;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return -1;
        }
    }
}
