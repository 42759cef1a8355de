package io.flotilla.bench;

import io.flotilla.discovery.client.ServiceWatcher;
import io.flotilla.discovery.dns.DnsServer;
import io.flotilla.node.LocalNode;

import io.flotilla.model.Json;
import io.flotilla.model.Registration;
import io.flotilla.model.api.RegistrationRequest;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.Callable;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * {@code flotilla bench discovery}: propagation from an endpoint change to a watcher and to a DNS
 * answer with N endpoints registered, and DNS queries per second (dnsperf) of Flotilla's server
 * against dnsmasq serving the same records.
 */
@Command(name = "discovery", description = {"Benchmark discovery: change → watcher and → DNS answer (p50/p99) with N endpoints,",
        "and DNS qps with dnsperf against dnsmasq serving the same records (if dnsperf and dnsmasq are installed)."})
public final class DiscoveryBenchCommand implements Callable<Integer> {
    private static final int PER_SERVICE = 10;

    @Option(names = "--endpoints", split = ",", defaultValue = "10000,100000", description = "Endpoint counts to run with (default 10000,100000).")
    List<Integer> counts;

    @Option(names = "--changes", defaultValue = "200", description = "Endpoint changes measured per count (default 200).")
    int changes;

    @Option(names = "--dnsperf-seconds", defaultValue = "10", description = "Length of each dnsperf run (0: skip; default 10).")
    int dnsperfSeconds;

    @Override
    public Integer call() throws Exception {
        System.out.printf("%-10s %-22s %8s %8s %8s %8s%n", "endpoints", "measure", "n", "p50", "p99", "max");
        for (int count : counts) {
            Path dir = Files.createTempDirectory("flotilla-bench-discovery");
            try (LocalNode node = LocalNode.start(dir, new InetSocketAddress("127.0.0.1", 0), null)) {
                DnsServer dns = node.startDns(new InetSocketAddress("127.0.0.1", 0), "flotilla",
                        io.flotilla.discovery.dns.SourcePrefix.LOOPBACK);
                preload(node, count);
                propagation(node, dns, count);
                if (dnsperfSeconds > 0) {
                    qps(dns, count, dir);
                }
            } finally {
                deleteQuietly(dir);
            }
        }
        return 0;
    }

    private static void preload(LocalNode node, int count) throws Exception {
        long start = System.nanoTime();
        List<Registration> batch = new ArrayList<>();
        Instant now = Instant.now();
        for (int i = 0; i < count; i++) {
            int service = i / PER_SERVICE;
            int host = (service * 7 + i % PER_SERVICE) % 1000;
            batch.add(new Registration("r" + i, "bench_s" + service, "bench", "10.0." + (host / 250) + "." + (host % 250 + 1),
                    Map.of("http", 8000 + i % PER_SERVICE), List.of("zone=" + (i % 3)), Map.of(), Duration.ofHours(2), now, null));
            if (batch.size() == 5_000) {
                node.manager().submit(new io.flotilla.model.Command.RegisterEndpoints(batch)).get(60, TimeUnit.SECONDS);
                batch = new ArrayList<>();
            }
        }
        if (!batch.isEmpty()) {
            node.manager().submit(new io.flotilla.model.Command.RegisterEndpoints(batch)).get(60, TimeUnit.SECONDS);
        }
        System.err.printf("preloaded %d endpoints in %d services in %d ms (registry holds %d)%n", count,
                (count + PER_SERVICE - 1) / PER_SERVICE, (System.nanoTime() - start) / 1_000_000, node.manager().registry().size());
    }

    /** Each change: a registration (or deregistration) through the HTTP API; when does a watcher, and DNS, see it? */
    private void propagation(LocalNode node, DnsServer dns, int count) throws Exception {
        // The node's admin credential (LocalNode offers its TLS directory to clients in this process).
        javax.net.ssl.SSLContext tls = io.flotilla.client.ClientTls.context();
        HttpClient http = HttpClient.newBuilder().sslContext(tls).build();
        String api = node.apiHostPort();
        Map<String, Long> seenByWatcher = new ConcurrentHashMap<>();
        java.util.concurrent.atomic.AtomicReference<String> registered = new java.util.concurrent.atomic.AtomicReference<>();
        List<Long> watchLatencies = Collections.synchronizedList(new ArrayList<>());
        List<Long> dnsLatencies = new ArrayList<>();
        try (ServiceWatcher watcher = new ServiceWatcher(List.of(api), "bench_probe", List.of(), tls).start()) {
            watcher.endpoints().onChange(list -> {
                long now = System.nanoTime();
                String key = list.isEmpty() ? "empty" : list.getFirst().address();
                seenByWatcher.putIfAbsent(key, now);
            });
            java.util.concurrent.atomic.AtomicInteger events = new java.util.concurrent.atomic.AtomicInteger();
            watcher.onEvent(line -> events.incrementAndGet());
            Thread.sleep(300);
            SimpleResolver resolver = new SimpleResolver(dns.address());
            resolver.setTimeout(Duration.ofSeconds(1));
            for (int i = 0; i < changes; i++) {
                boolean add = i % 2 == 0;
                String address = "10.200." + (i / 250) + "." + (i % 250 + 1);
                String key = add ? address : "empty";
                seenByWatcher.remove(key);
                long start = System.nanoTime();
                // The server makes a registration's id (reg-…): the add's answer names what the next change deletes.
                HttpRequest request = add
                        ? HttpRequest.newBuilder(URI.create("https://" + api + "/v1/registry"))
                                .POST(HttpRequest.BodyPublishers.ofString(Json.write(new RegistrationRequest(null, "probe",
                                        "bench", address, Map.of("http", 80), List.of(), Map.of(), Duration.ofMinutes(5)))))
                                .build()
                        : HttpRequest.newBuilder(URI.create("https://" + api + "/v1/registry/" + registered.get())).DELETE().build();
                AtomicBoolean done = new AtomicBoolean();
                Thread.ofVirtual().start(() -> {
                    try {
                        HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
                        if (response.statusCode() >= 300) {
                            refused(request.method() + " " + request.uri().getPath() + ": HTTP " + response.statusCode()
                                    + " " + response.body());
                        } else if (add) {
                            registered.set(String.valueOf(Json.read(response.body(), Map.class).get("id")));
                        }
                    } catch (IOException | InterruptedException e) {
                        refused(request.method() + " " + request.uri().getPath() + ": " + e);
                    } finally {
                        done.set(true);
                    }
                });
                long deadline = start + TimeUnit.SECONDS.toNanos(5);
                while (System.nanoTime() < deadline) { // DNS: poll until the answer shows the change
                    Message answer = resolver.send(Message.newQuery(Record.newRecord(
                            Name.fromString("probe.bench.flotilla."), Type.A, DClass.IN)));
                    boolean has = answer.getSection(Section.ANSWER).stream()
                            .anyMatch(r -> r instanceof ARecord a && a.getAddress().getHostAddress().equals(address));
                    if (has == add) {
                        dnsLatencies.add(System.nanoTime() - start);
                        break;
                    }
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000); // leave the 2 cores to the server
                }
                while (System.nanoTime() < deadline && !seenByWatcher.containsKey(key)) {
                    java.util.concurrent.locks.LockSupport.parkNanos(200_000);
                }
                Long seen = seenByWatcher.get(key);
                if (seen != null) {
                    watchLatencies.add(seen - start);
                }
                while (!done.get()) {
                    Thread.sleep(1);
                }
            }
            if (watchLatencies.size() < changes) {
                System.out.printf("the watcher saw %d of %d changes (%d events, %d reconnects)%n", watchLatencies.size(),
                        changes, events.get(), watcher.reconnects());
            }
        }
        if (refusals.get() > 0) {
            System.out.printf("%d of %d changes were refused or failed (first: %s): their figures are missing%n",
                    refusals.get(), changes, firstRefusal.get());
            refusals.set(0);
        }
        print(count, "change → watcher", watchLatencies);
        print(count, "change → DNS answer", dnsLatencies);
    }

    private final java.util.concurrent.atomic.AtomicInteger refusals = new java.util.concurrent.atomic.AtomicInteger();
    private final java.util.concurrent.atomic.AtomicReference<String> firstRefusal = new java.util.concurrent.atomic.AtomicReference<>();

    /** A change the API did not take: counted and shown, never silently missing from the figures. */
    private void refused(String why) {
        refusals.incrementAndGet();
        firstRefusal.compareAndSet(null, why);
    }

    private static void print(int count, String what, List<Long> nanos) {
        List<Long> sorted = new ArrayList<>(nanos);
        Collections.sort(sorted);
        if (sorted.isEmpty()) {
            System.out.printf("%-10d %-22s %8d %8s %8s %8s%n", count, what, 0, "-", "-", "-");
            return;
        }
        System.out.printf("%-10d %-22s %8d %8s %8s %8s%n", count, what, sorted.size(), ms(percentile(sorted, 50)),
                ms(percentile(sorted, 99)), ms(sorted.getLast()));
    }

    private static long percentile(List<Long> sorted, int p) {
        return sorted.get(Math.min(sorted.size() - 1, (int) Math.ceil(p / 100.0 * sorted.size()) - 1));
    }

    private static String ms(long nanos) {
        return String.format("%.1fms", nanos / 1e6);
    }

    /** dnsperf against Flotilla's DNS and against dnsmasq with the same A records. */
    private void qps(DnsServer dns, int count, Path dir) throws Exception {
        if (!Files.isExecutable(Path.of("/usr/bin/dnsperf"))) {
            System.out.println("(dnsperf not installed: apt-get install dnsperf dnsmasq — qps skipped)");
            return;
        }
        int services = (count + PER_SERVICE - 1) / PER_SERVICE;
        Random random = new Random(1);
        StringBuilder queries = new StringBuilder();
        for (int i = 0; i < 20_000; i++) {
            queries.append("s").append(random.nextInt(services)).append(".bench.flotilla A\n");
        }
        Path queryFile = dir.resolve("queries.txt");
        Files.writeString(queryFile, queries);
        double flotilla = dnsperf(dns.address().getPort(), queryFile);
        System.out.printf("%-10d %-22s %26s%n", count, "DNS qps Flotilla", String.format("%.0f", flotilla));
        if (!Files.isExecutable(Path.of("/usr/sbin/dnsmasq"))) {
            System.out.println("(dnsmasq not installed — comparison skipped)");
            return;
        }
        StringBuilder hosts = new StringBuilder();
        for (int i = 0; i < count; i++) {
            int service = i / PER_SERVICE;
            int host = (service * 7 + i % PER_SERVICE) % 1000;
            hosts.append("10.0.").append(host / 250).append('.').append(host % 250 + 1).append(" s").append(service)
                    .append(".bench.flotilla\n");
        }
        Path hostsFile = dir.resolve("hosts");
        Files.writeString(hostsFile, hosts);
        int port;
        try (ServerSocket socket = new ServerSocket(0)) {
            port = socket.getLocalPort();
        }
        Process dnsmasq = new ProcessBuilder("/usr/sbin/dnsmasq", "--keep-in-foreground", "--no-resolv", "--no-hosts",
                "--addn-hosts=" + hostsFile, "--listen-address=127.0.0.1", "--bind-interfaces", "--port=" + port,
                "--cache-size=0", "--user=root", "--pid-file=" + dir.resolve("dnsmasq.pid"), "--local-ttl=5")
                .redirectErrorStream(true).redirectOutput(dir.resolve("dnsmasq.log").toFile()).start();
        try {
            Thread.sleep(1_000);
            double other = dnsperf(port, queryFile);
            System.out.printf("%-10d %-22s %26s%n", count, "DNS qps dnsmasq", String.format("%.0f", other));
        } finally {
            dnsmasq.destroy();
            dnsmasq.waitFor(5, TimeUnit.SECONDS);
            dnsmasq.destroyForcibly();
        }
    }

    private double dnsperf(int port, Path queries) throws Exception {
        Process process = new ProcessBuilder("/usr/bin/dnsperf", "-s", "127.0.0.1", "-p", Integer.toString(port), "-d",
                queries.toString(), "-l", Integer.toString(dnsperfSeconds), "-c", "4", "-q", "200")
                .redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        process.waitFor(dnsperfSeconds + 30L, TimeUnit.SECONDS);
        for (String line : out.split("\n")) {
            if (line.contains("Queries per second:")) {
                return Double.parseDouble(line.replaceAll("[^0-9.]", ""));
            }
        }
        System.err.println(out);
        return Double.NaN;
    }

    private static void deleteQuietly(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(java.util.Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (IOException e) {
            // temp dir: leave it
        }
    }
}
