package io.flotilla.bench;

import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * Steady HTTP load through the routing mesh of every node during a chaos run: an idempotent service
 * (busybox httpd serving one file, {@value #REPLICAS} process tasks) published on port
 * {@value #PUBLISHED}, and one client per node sending {@code GET /} to that node's mesh every
 * 20 ms, with keep-alive. The mesh must hide the loss of a backend (a killed, paused or cut-off host:
 * retries on another task, ejection) and the service's rolling updates ({@link ChaosStacks} rolls it
 * out again every few seconds), so a request fails legitimately only when its entry node itself
 * was under a fault: killed (until it serves again), or cut off by a partition (until a second after the
 * heal, or later until it serves again, at most {@link #PARTITION_CATCH_UP} after the heal) ({@link #judge}),
 * or when every task of the service was cut off from it ({@link ChaosPlacements#allCutOff}). Any
 * other failure is one the mesh should not have let through.
 */
final class ChaosHttp {
    static final String SERVICE = "chaos_web";
    static final int REPLICAS = 2;
    static final int PUBLISHED = 18_380;
    static final String BODY = "chaos ok\n";
    /** The environment variable a rolling update of the service changes ({@link ChaosStacks}): g0, g1, … */
    static final String GENERATION = "CHAOS_GENERATION";
    /**
     * One task at a time, the new one started before the old one stops (so that a rolling update
     * alone never leaves one backend), and on through failures (a fault kills new tasks too).
     */
    static final io.flotilla.model.UpdateConfig ROLLOUT = new io.flotilla.model.UpdateConfig(1, Duration.ZERO, "continue",
            Duration.ofSeconds(5), 0, "start-first");
    private static final Duration TIMEOUT = Duration.ofSeconds(5);
    /** After a partition heals: the entry's own connections to the others may still be in their connect timeout. */
    private static final Duration PARTITION_GRACE = Duration.ofSeconds(1);
    /**
     * ... and, past that second, until the entry serves a request again, for at most this long: an
     * entry cut off missed every change meanwhile (the rolling updates replace the web tasks every
     * few seconds), and routes to tasks that are gone until its node has caught up with the
     * managers, as a restarted entry does.
     */
    static final Duration PARTITION_CATCH_UP = Duration.ofSeconds(10);

    /** A failed request: through which node, when it was sent and ended, and why. */
    record Failure(String entry, Instant start, Instant end, String cause) {}

    /**
     * Requests sent, failures excused by a fault on their entry node, those excused because the entry could
     * reach none of the service's tasks ({@link ChaosPlacements#allCutOff}), and those not excused; {@code samples}:
     * how many samples of the tasks' placement that judgement had.
     */
    record Tally(long requests, long ok, List<Failure> excused, List<Failure> noBackend, List<Failure> failed, int samples) {}

    private final List<String> entries;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<Failure> failures = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, List<Instant>> served = new java.util.concurrent.ConcurrentHashMap<>();
    private final LongAdder requests = new LongAdder();
    private final LongAdder ok = new LongAdder();
    private final List<Thread> threads = new ArrayList<>();

    /** @param entries every node's address: a client each */
    ChaosHttp(List<String> entries) {
        this.entries = List.copyOf(entries);
    }

    /**
     * The service: busybox httpd on the task's address and allocated port, serving {@link #BODY} from
     * {@code dir}, at generation g0, rolled out with {@link #ROLLOUT}.
     */
    static ServiceSpec service(Path dir) throws IOException {
        Files.createDirectories(dir);
        Files.writeString(dir.resolve("index.html"), BODY);
        TaskTemplate task = TaskTemplate.process(List.of("sh", "-c",
                "exec busybox httpd -f -p \"$FLOTILLA_ADDRESS:$PORT\" -h '" + dir.toAbsolutePath() + "'"))
                .withEnvironment(Map.of(GENERATION, "g0"));
        return new ServiceSpec(SERVICE, "chaos", ServiceMode.REPLICATED, REPLICAS, task,
                List.of(new PortSpec("http", 8080, PUBLISHED, "tcp", null, "http")), List.of(), Map.of(), ROLLOUT, null);
    }

    /** Whether one {@code GET /} through {@code entry}'s mesh answers the body. */
    static boolean answers(String entry) {
        try (HttpClient client = client()) {
            HttpResponse<String> response = client.send(request(entry), HttpResponse.BodyHandlers.ofString());
            return response.statusCode() == 200 && response.body().equals(BODY);
        } catch (IOException e) {
            return false;
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    void start() {
        for (String entry : entries) {
            served.put(entry, Collections.synchronizedList(new ArrayList<>()));
            Thread thread = new Thread(() -> loop(entry), "chaos-http-" + entry);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    void stop() throws InterruptedException {
        stop.set(true);
        for (Thread thread : threads) {
            thread.join(TIMEOUT.plusSeconds(2));
        }
    }

    /** The failures judged against the faults' spans and where the service's tasks ran. */
    Tally tally(List<ChaosNemesis.Span> spans, List<ChaosPlacements.Sample> placements) {
        List<Failure> all;
        synchronized (failures) {
            all = List.copyOf(failures);
        }
        List<Failure> excused = new ArrayList<>();
        List<Failure> noBackend = new ArrayList<>();
        List<Failure> failed = new ArrayList<>();
        Map<String, List<Instant>> sorted = new java.util.HashMap<>();
        served.forEach((entry, times) -> {
            synchronized (times) {
                sorted.put(entry, times.stream().sorted().toList());
            }
        });
        for (Failure failure : all) {
            (judge(failure, spans, sorted.getOrDefault(failure.entry(), List.of())) ? excused
                    : ChaosPlacements.allCutOff(failure, placements, spans) ? noBackend : failed).add(failure);
        }
        return new Tally(requests.sum(), ok.sum(), List.copyOf(excused), List.copyOf(noBackend), List.copyOf(failed),
                placements.size());
    }

    /**
     * Whether a fault on the failure's entry node explains it: the request overlapped a kill of the entry,
     * from the kill until the entry served a request again, or a partition of the entry, until
     * {@link #PARTITION_GRACE} after the heal, or until it served again if later, but no later than
     * {@link #PARTITION_CATCH_UP} after the heal. {@code served}: when requests through the entry succeeded, in order.
     */
    static boolean judge(Failure failure, List<ChaosNemesis.Span> spans, List<Instant> served) {
        for (ChaosNemesis.Span span : spans) {
            if (!span.address().equals(failure.entry()) || failure.end().isBefore(span.start())) {
                continue;
            }
            Instant until;
            if (span.kind().kill()) {
                until = firstAfter(served, span.end());
            } else if (span.kind().partition()) {
                Instant servedAgain = firstAfter(served, span.end());
                Instant cap = span.end().plus(PARTITION_CATCH_UP);
                Instant caughtUp = servedAgain.isBefore(cap) ? servedAgain : cap;
                Instant grace = span.end().plus(PARTITION_GRACE);
                until = caughtUp.isAfter(grace) ? caughtUp : grace;
            } else {
                continue;
            }
            if (!failure.start().isAfter(until)) {
                return true;
            }
        }
        return false;
    }

    /** The first time in {@code sorted} after {@code after}, or {@link Instant#MAX}: a binary search (a long run serves ~10^6). */
    static Instant firstAfter(List<Instant> sorted, Instant after) {
        int low = 0;
        int high = sorted.size();
        while (low < high) {
            int mid = (low + high) >>> 1;
            if (sorted.get(mid).isAfter(after)) {
                high = mid;
            } else {
                low = mid + 1;
            }
        }
        return low < sorted.size() ? sorted.get(low) : Instant.MAX;
    }

    /**
     * The failures grouped into episodes: through one entry, each less than 5 s after the one before;
     * one line each (entry, first and last, how many, the causes).
     */
    static List<String> episodes(List<Failure> failures) {
        List<Failure> ordered = failures.stream().sorted(java.util.Comparator.comparing(Failure::entry)
                .thenComparing(Failure::start)).toList();
        List<String> lines = new ArrayList<>();
        for (int i = 0; i < ordered.size(); ) {
            int j = i + 1;
            while (j < ordered.size() && ordered.get(j).entry().equals(ordered.get(i).entry())
                    && Duration.between(ordered.get(j - 1).start(), ordered.get(j).start()).compareTo(Duration.ofSeconds(5)) < 0) {
                j++;
            }
            java.util.Set<String> causes = new java.util.TreeSet<>();
            ordered.subList(i, j).forEach(f -> causes.add(f.cause()));
            lines.add(ordered.get(i).entry() + " " + ordered.get(i).start() + " .. " + ordered.get(j - 1).end() + ": "
                    + (j - i) + " failed, " + causes);
            i = j;
        }
        return lines;
    }

    private void loop(String entry) {
        HttpClient client = client();
        List<Instant> times = served.get(entry);
        while (!stop.get()) {
            Instant start = Instant.now();
            requests.increment();
            String cause = null;
            try {
                HttpResponse<String> response = client.send(request(entry), HttpResponse.BodyHandlers.ofString());
                if (response.statusCode() != 200 || !response.body().equals(BODY)) {
                    String body = response.body().strip(); // the mesh's own answers say which backends it tried
                    cause = "HTTP " + response.statusCode() + (body.isEmpty() || body.equals(BODY) ? ""
                            : ": " + body.substring(0, Math.min(160, body.length())));
                }
            } catch (IOException e) {
                cause = e.getClass().getSimpleName() + ": " + e.getMessage();
                client.close(); // a fresh pool: the broken connection's peer may be gone for good
                client = client();
            } catch (InterruptedException e) {
                break;
            }
            Instant end = Instant.now();
            if (cause == null) {
                ok.increment();
                times.add(end);
            } else {
                failures.add(new Failure(entry, start, end, cause));
            }
            try {
                Thread.sleep(20);
            } catch (InterruptedException e) {
                break;
            }
        }
        client.close();
    }

    private static HttpClient client() {
        return HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).connectTimeout(Duration.ofSeconds(2)).build();
    }

    private static HttpRequest request(String entry) {
        return HttpRequest.newBuilder(URI.create("http://" + entry + ":" + PUBLISHED + "/")).timeout(TIMEOUT).GET().build();
    }
}
