package io.flotilla.bench;

import io.flotilla.cli.Table;
import io.flotilla.mesh.Mesh;
import io.flotilla.mesh.MeshOptions;
import io.flotilla.model.Endpoint;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.node.mesh.MeshTableBuilder;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeUnit;
import java.util.function.LongSupplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The routing mesh side by side with HAProxy and nginx on this machine: the same three backends
 * (one nginx answering {@code return 200} on three loopback ports), the same wrk load, through
 * Flotilla's mesh (the engine a node runs, fed the table {@link MeshTableBuilder} builds for a
 * service with three endpoints, in this JVM), HAProxy (roundrobin), nginx (upstream, keep-alive),
 * and straight to one backend. Every proxy gets its own config on loopback ports; nothing is
 * installed or started as a system service. Prints figures; asserts nothing.
 *
 * <p>CPU per request ({@link ProcessCpu}): the CPU time (user + system, all threads) a proxy used
 * while wrk ran, divided by the requests wrk completed, and the same for the backends' nginx. HAProxy
 * counts as its process, the nginx proxy as its master and workers (not the backends' nginx, a
 * separate instance). The Flotilla mesh runs in this JVM, so its figure is the <em>whole JVM</em>:
 * the mesh's event loops and its share of GC, JIT and the VM's own threads, which are costs of the
 * mesh too. Nothing else in the JVM works during a run: this thread waits for wrk's report, the mesh
 * has no timers but its connections' and requests' own, and no meter registry publishes; wrk, the
 * JVM's child, is left out (the JVM's own time does not include its children's).
 */
@Command(name = "mesh", description = "Benchmark the routing mesh against HAProxy, nginx and a direct connection (wrk).")
public final class MeshBenchCommand implements Callable<Integer> {
    private static final Pattern RPS = Pattern.compile("Requests/sec:\\s+([0-9.]+)");
    private static final Pattern PERCENTILE = Pattern.compile("^\\s+(50|99)(?:\\.000)?%\\s+([0-9.]+)(us|ms|s)\\s*$", Pattern.MULTILINE);
    private static final Pattern ERRORS = Pattern.compile("Non-2xx or 3xx responses: (\\d+)|Socket errors: .*");

    @Option(names = "--duration", defaultValue = "30s", description = "wrk duration per run (default 30s).")
    String duration;

    @Option(names = "--connections", split = ",", defaultValue = "32,128", description = "Connection counts (default 32,128).")
    List<Integer> connections;

    @Option(names = "--warmup", defaultValue = "10s", description = "wrk warm-up per target before measuring (default 10s: the mesh's JIT).")
    String warmup;

    @Option(names = "--threads", defaultValue = "2", description = "wrk threads (default 2).")
    int threads;

    @Option(names = "--mesh-threads", defaultValue = "0", description = "The mesh's event loops (default 0: one per core, as a node runs it).")
    int meshThreads;

    @Option(names = "--only", split = ",", description = "Run only these targets: direct, flotilla, haproxy, nginx.")
    List<String> only;

    private static final Pattern REQUESTS = Pattern.compile("(\\d+) requests in ");
    /** "µs" where the terminal's charset has µ. */
    private static final String MICROS = System.out.charset().newEncoder().canEncode('µ') ? "µs" : "us";

    /** A wrk run's figures; the CPU per request is NaN where no process was measured. */
    private record Figures(double rps, double p50Ms, double p99Ms, String errors, double proxyCpuUs, double backendsCpuUs,
                           double meshP50Ms, double meshP99Ms) {}

    /**
     * Where wrk goes and whose CPU time counts for it: a reading in nanoseconds, null for none; and,
     * for the mesh, its meters, whose request timer gives the latency inside it ({@link MeshLatency}).
     */
    private record Target(int port, LongSupplier proxyCpu, MeterRegistry meshMeters) {}

    @Override
    public Integer call() throws Exception {
        List<String> missing = new ArrayList<>();
        for (String tool : List.of("wrk", "haproxy", "nginx")) {
            if (!onPath(tool)) {
                missing.add(tool);
            }
        }
        if (!missing.isEmpty()) {
            System.err.println("bench mesh needs " + String.join(", ", missing) + ": apt-get install -y haproxy nginx wrk "
                    + "(then `systemctl disable --now nginx haproxy`: the bench runs its own instances on loopback ports)");
            return 2;
        }
        Path dir = Files.createTempDirectory("flotilla-bench-mesh");
        List<Integer> backends = List.of(freePort(), freePort(), freePort());
        int haproxyPort = freePort();
        int nginxPort = freePort();
        List<Process> processes = new ArrayList<>();
        Mesh mesh = null;
        try {
            Process backendsNginx = startNginx(dir.resolve("backends"), backendsConfig(backends));
            processes.add(backendsNginx);
            Process proxyNginx = startNginx(dir.resolve("proxy"), proxyConfig(nginxPort, backends));
            processes.add(proxyNginx);
            Process haproxyProcess = startHaproxy(dir, haproxyPort, backends);
            processes.add(haproxyProcess);
            SimpleMeterRegistry meters = new SimpleMeterRegistry();
            MeshLatency.configure(meters);
            mesh = new Mesh(MeshOptions.defaults().withIoThreads(meshThreads), meters);
            int meshPort = freePort();
            ServiceSpec service = ServiceSpec.process("bench_web", 3, List.of("x")).withPorts(List.of(new PortSpec("http", 8080, meshPort, "tcp", null, "http")))
                    .withLabels(Map.of("flotilla.lb", "round_robin"));
            List<Endpoint> endpoints = new ArrayList<>();
            for (int i = 0; i < backends.size(); i++) {
                endpoints.add(new Endpoint("task" + i, "bench_web", "bench", "task" + i, "node", "127.0.0.1",
                        Map.of("http", backends.get(i)), List.of(), Map.of(), null));
            }
            ServiceSpec spec = service;
            mesh.apply(MeshTableBuilder.build("127.0.0.1", List.of(spec), s -> endpoints, false).table());

            Map<String, Target> targets = new LinkedHashMap<>();
            targets.put("direct (one backend)", new Target(backends.getFirst(), null, null));
            targets.put("flotilla mesh", new Target(meshPort, () -> ProcessCpu.nanos(ProcessHandle.current()), meters));
            targets.put("haproxy roundrobin", new Target(haproxyPort, () -> ProcessCpu.treeNanos(haproxyProcess.toHandle()), null));
            targets.put("nginx upstream", new Target(nginxPort, () -> ProcessCpu.treeNanos(proxyNginx.toHandle()), null));
            LongSupplier backendsCpu = () -> ProcessCpu.treeNanos(backendsNginx.toHandle());
            for (Target target : targets.values()) {
                awaitPort(target.port());
            }
            System.out.printf("Mesh bench: %d CPUs, load average %s, wrk -t%d, %s per run; mesh transport %s%n",
                    Runtime.getRuntime().availableProcessors(), loadAverage(), threads, duration, mesh.transportName());
            Map<String, Map<Integer, Figures>> results = new LinkedHashMap<>();
            for (Map.Entry<String, Target> target : targets.entrySet()) {
                if (only != null && only.stream().noneMatch(o -> target.getKey().startsWith(o))) {
                    continue;
                }
                wrk(target.getValue(), backendsCpu, 32, warmup); // warm-up (JIT, connection pools), not counted
                for (int c : connections) {
                    Figures figures = wrk(target.getValue(), backendsCpu, c, duration);
                    results.computeIfAbsent(target.getKey(), k -> new LinkedHashMap<>()).put(c, figures);
                    System.out.printf("  %-22s c=%-4d %10.0f req/s  p50 %.3f ms  p99 %.3f ms  CPU/req %s, backends %s%s%s%n",
                            target.getKey(), c, figures.rps(), figures.p50Ms(), figures.p99Ms(), micros(figures.proxyCpuUs()),
                            micros(figures.backendsCpuUs()), Double.isNaN(figures.meshP99Ms()) ? ""
                                    : String.format(Locale.ROOT, "; inside the mesh p50 ≤ %.3f ms, p99 ≤ %.3f ms",
                                            figures.meshP50Ms(), figures.meshP99Ms()),
                            figures.errors().isEmpty() ? "" : "  " + figures.errors());
                }
            }
            Table table = new Table("TARGET", "CONNS", "REQ/S", "P50", "P99", "PROXY CPU/REQ", "BACKENDS CPU/REQ", "REQ/S VS HAPROXY",
                    "P99 ADDED VS DIRECT");
            for (int c : connections) {
                Figures haproxy = results.getOrDefault("haproxy roundrobin", Map.of()).get(c);
                Figures direct = results.getOrDefault("direct (one backend)", Map.of()).get(c);
                for (Map.Entry<String, Map<Integer, Figures>> entry : results.entrySet()) {
                    Figures f = entry.getValue().get(c);
                    table.row(entry.getKey(), Integer.toString(c), String.format(Locale.ROOT, "%.0f", f.rps()),
                            String.format(Locale.ROOT, "%.3f ms", f.p50Ms()), String.format(Locale.ROOT, "%.3f ms", f.p99Ms()),
                            micros(f.proxyCpuUs()), micros(f.backendsCpuUs()),
                            haproxy == null ? "-" : String.format(Locale.ROOT, "%.2f", f.rps() / haproxy.rps()),
                            direct == null ? "-" : String.format(Locale.ROOT, "%+.3f ms", f.p99Ms() - direct.p99Ms()));
                }
            }
            System.out.println();
            table.print(System.out);
            System.out.println("CPU/REQ: CPU time (user + system, all threads) used while wrk ran, per request wrk completed. PROXY: the");
            System.out.println("  HAProxy process; nginx's master and workers; for the flotilla mesh the whole bench JVM (event loops, GC, JIT;");
            System.out.println("  it does nothing else meanwhile). BACKENDS: the backends' nginx. wrk counts in neither. /proc/<pid>/stat: 10 ms");
            System.out.println("  resolution per process and run.");
            Map<Integer, Figures> meshRuns = results.getOrDefault("flotilla mesh", Map.of());
            for (Map.Entry<Integer, Figures> run : meshRuns.entrySet()) {
                System.out.printf(Locale.ROOT, "INSIDE THE MESH c=%d: p50 ≤ %.3f ms, p99 ≤ %.3f ms (wrk: %.3f / %.3f ms)%n", run.getKey(),
                        run.getValue().meshP50Ms(), run.getValue().meshP99Ms(), run.getValue().p50Ms(), run.getValue().p99Ms());
            }
            if (!meshRuns.isEmpty()) {
                System.out.println("  the mesh's own timer: a request's arrival to the backend's full answer, before it is written back;");
                System.out.println("  the upper bound of its histogram bucket (buckets a fifth apart).");
            }
            System.out.println("load average after: " + loadAverage());
            return 0;
        } finally {
            if (mesh != null) {
                mesh.close();
            }
            for (Process process : processes) {
                process.destroy();
                if (!process.waitFor(5, TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            }
            try (java.util.stream.Stream<Path> files = Files.walk(dir)) {
                for (Path file : files.sorted(java.util.Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            }
        }
    }

    /** One wrk run; the CPU readings bracket wrk's whole life (start, connect, load, exit). */
    private Figures wrk(Target target, LongSupplier backendsCpu, int connections, String runFor) throws IOException, InterruptedException {
        long proxyBefore = target.proxyCpu() == null ? 0 : target.proxyCpu().getAsLong();
        long backendsBefore = backendsCpu.getAsLong();
        MeterRegistry meshMeters = target.meshMeters();
        TreeMap<Double, Double> meshBefore = meshMeters == null ? null : MeshLatency.snapshot(meshMeters);
        Process process = new ProcessBuilder("wrk", "-t" + Math.min(threads, connections), "-c" + connections, "-d" + runFor,
                "--latency", "http://127.0.0.1:" + target.port() + "/").redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor();
        long proxyNanos = target.proxyCpu() == null ? 0 : target.proxyCpu().getAsLong() - proxyBefore;
        long backendsNanos = backendsCpu.getAsLong() - backendsBefore;
        TreeMap<Double, Double> meshAfter = meshMeters == null ? null : MeshLatency.snapshot(meshMeters);
        Matcher rps = RPS.matcher(out);
        Matcher requests = REQUESTS.matcher(out);
        if (!rps.find() || !requests.find()) {
            throw new IllegalStateException("wrk said:\n" + out);
        }
        long completed = Long.parseLong(requests.group(1));
        double p50 = Double.NaN;
        double p99 = Double.NaN;
        Matcher m = PERCENTILE.matcher(out);
        while (m.find()) {
            double value = Double.parseDouble(m.group(2)) * switch (m.group(3)) {
                case "us" -> 0.001;
                case "s" -> 1000.0;
                default -> 1.0;
            };
            if (m.group(1).equals("50")) {
                p50 = value;
            } else {
                p99 = value;
            }
        }
        StringBuilder errors = new StringBuilder();
        Matcher e = ERRORS.matcher(out);
        while (e.find()) {
            errors.append(e.group().strip()).append(' ');
        }
        return new Figures(Double.parseDouble(rps.group(1)), p50, p99, errors.toString().strip(),
                target.proxyCpu() == null ? Double.NaN : perRequestMicros(proxyNanos, completed), perRequestMicros(backendsNanos, completed),
                meshMeters == null ? Double.NaN : MeshLatency.percentileMs(meshBefore, meshAfter, 50),
                meshMeters == null ? Double.NaN : MeshLatency.percentileMs(meshBefore, meshAfter, 99));
    }

    private static double perRequestMicros(long nanos, long requests) {
        return requests == 0 ? Double.NaN : nanos / 1000.0 / requests;
    }

    private static String micros(double value) {
        return Double.isNaN(value) ? "-" : String.format(Locale.ROOT, "%.1f %s", value, MICROS);
    }

    private static String backendsConfig(List<Integer> ports) {
        StringBuilder servers = new StringBuilder();
        for (int port : ports) {
            servers.append("  server { listen 127.0.0.1:").append(port).append(" backlog=4096; access_log off;")
                    .append(" location / { return 200 \"ok\\n\"; } }\n");
        }
        return common() + "http {\n" + servers + "}\n";
    }

    private static String proxyConfig(int port, List<Integer> backends) {
        StringBuilder upstream = new StringBuilder("  upstream backends {\n");
        for (int backend : backends) {
            upstream.append("    server 127.0.0.1:").append(backend).append(";\n");
        }
        upstream.append("    keepalive 256;\n  }\n");
        return common() + "http {\n" + upstream + "  server { listen 127.0.0.1:" + port + " backlog=4096; access_log off;\n"
                + "    location / { proxy_pass http://backends; proxy_http_version 1.1; proxy_set_header Connection \"\";\n"
                + "      proxy_set_header X-Forwarded-For $remote_addr; } }\n}\n";
    }

    private static String common() {
        return "worker_processes auto;\npid nginx.pid;\nerror_log stderr warn;\ndaemon off;\n"
                + "events { worker_connections 4096; }\n";
    }

    private static Process startNginx(Path prefix, String config) throws IOException {
        Files.createDirectories(prefix.resolve("logs"));
        Path file = prefix.resolve("nginx.conf");
        Files.writeString(file, config);
        return new ProcessBuilder("nginx", "-p", prefix.toString(), "-c", file.toString(), "-e", "stderr")
                .redirectErrorStream(true).redirectOutput(prefix.resolve("nginx.log").toFile()).start();
    }

    private static Process startHaproxy(Path dir, int port, List<Integer> backends) throws IOException {
        StringBuilder config = new StringBuilder("""
                global
                  maxconn 4096
                defaults
                  mode http
                  timeout connect 1s
                  timeout client 30s
                  timeout server 30s
                  option http-keep-alive
                  option forwardfor
                frontend bench
                """);
        config.append("  bind 127.0.0.1:").append(port).append("\n  default_backend backends\nbackend backends\n  balance roundrobin\n");
        for (int i = 0; i < backends.size(); i++) {
            config.append("  server b").append(i).append(" 127.0.0.1:").append(backends.get(i)).append("\n");
        }
        Path file = dir.resolve("haproxy.cfg");
        Files.writeString(file, config);
        return new ProcessBuilder("haproxy", "-db", "-f", file.toString()).redirectErrorStream(true)
                .redirectOutput(dir.resolve("haproxy.log").toFile()).start();
    }

    private static void awaitPort(int port) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(10).toNanos();
        while (System.nanoTime() < deadline) {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
                return;
            } catch (IOException e) {
                Thread.sleep(50);
            }
        }
        throw new IllegalStateException("nothing listens on 127.0.0.1:" + port);
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getByName("127.0.0.1"))) {
            return socket.getLocalPort();
        }
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    private static String loadAverage() {
        try {
            String[] parts = Files.readString(Path.of("/proc/loadavg")).split(" ");
            return parts[0] + " " + parts[1] + " " + parts[2];
        } catch (IOException e) {
            return "?";
        }
    }
}
