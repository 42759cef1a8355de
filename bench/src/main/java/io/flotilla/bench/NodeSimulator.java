package io.flotilla.bench;

import io.flotilla.model.Json;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Thousands of simulated agents in one JVM (as Nomad's nodesim or Kubernetes' kubemark), each
 * speaking the real dispatcher protocol over HTTP to the manager: hello, long-polled assignment
 * sets, status reports that are also heartbeats. A simulated task has no process: it goes
 * ASSIGNED → RUNNING as soon as its node learns of it, and counts as running once the node's next
 * assignment set shows it RUNNING (the manager accepts a report at once and applies it later).
 *
 * <p>No thread per node: every request is asynchronous on a few shared JDK {@link HttpClient}s
 * (node i on client i mod {@value #CLIENTS}), and the nodes' timers (report coalescing, poll pacing,
 * heartbeats) run on one scheduler thread, so 10,000 nodes cost a few threads and one TCP
 * connection each for the long poll. Not one client: a JDK client keeps its idle connections to
 * one address in one list that each request walks under a lock, and with 5,000 nodes that walk
 * was a fifth of the simulator's CPU (which the managers share the machine with).
 */
final class NodeSimulator implements AutoCloseable {
    /**
     * @param pollWait          how long one long poll may wait on the manager
     * @param pollPause         pause after an answer before the next poll (lets changes coalesce)
     * @param reportDelay       how long a node gathers status changes before it reports them
     * @param heartbeatInterval an empty report is sent when a node has not reported for this long
     */
    record Settings(Duration pollWait, Duration pollPause, Duration reportDelay, Duration heartbeatInterval) {}

    /** HTTP clients the nodes are spread over, each with its own connection pool and selector thread. */
    static final int CLIENTS = 16;

    final Settings settings;
    private final List<HttpClient> clients = new ArrayList<>();
    final ScheduledExecutorService timers;
    final List<URI> managers;
    private final List<SimulatedNode> nodes = new ArrayList<>();
    /** Limits concurrent hellos, so that the manager's accept backlog is not flooded at start. */
    final Semaphore helloSlots = new Semaphore(64);
    /** RUNNING reports the manager accepted (it answers at once and commits them shortly after). */
    final AtomicLong runningReported = new AtomicLong();
    /** Tasks reported RUNNING and since seen RUNNING in their node's assignment set: applied through Raft. */
    final AtomicLong runningConfirmed = new AtomicLong();
    /** RUNNING reports sent again because the set still showed the task behind long after. */
    final AtomicLong reportedAgain = new AtomicLong();
    final AtomicLong requests = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    /** Failed requests by what and why ({@code poll: HTTP 503}, {@code report: HttpTimeoutException}). */
    private final java.util.concurrent.ConcurrentHashMap<String, java.util.concurrent.atomic.LongAdder> failureKinds =
            new java.util.concurrent.ConcurrentHashMap<>();

    /** Counts a failed request of kind {@code what} (hello, poll, report). */
    void failed(String what, Throwable error) {
        failures.incrementAndGet();
        Throwable cause = error instanceof java.util.concurrent.CompletionException && error.getCause() != null
                ? error.getCause() : error;
        String why = cause instanceof SimulatorException e ? "HTTP " + e.status : cause.getClass().getSimpleName();
        failureKinds.computeIfAbsent(what + ": " + why, k -> new java.util.concurrent.atomic.LongAdder()).increment();
    }

    /** The failed requests by kind, most frequent first ({@code poll: HTTP 503 ×12}), or "none". */
    String failureSummary() {
        if (failureKinds.isEmpty()) {
            return "none";
        }
        return failureKinds.entrySet().stream()
                .sorted((a, b) -> Long.compare(b.getValue().sum(), a.getValue().sum()))
                .map(e -> e.getKey() + " ×" + e.getValue().sum())
                .collect(java.util.stream.Collectors.joining(", "));
    }

    NodeSimulator(List<URI> managers, Settings settings) {
        this.managers = List.copyOf(managers);
        this.settings = settings;
        java.util.concurrent.Executor executor = Executors.newFixedThreadPool(2,
                Thread.ofPlatform().name("sim-http-", 0).daemon().factory());
        for (int i = 0; i < CLIENTS; i++) {
            clients.add(HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).executor(executor)
                    .version(HttpClient.Version.HTTP_1_1).build());
        }
        this.timers = Executors.newSingleThreadScheduledExecutor(Thread.ofPlatform().name("sim-timers").daemon().factory());
    }

    /** Starts {@code count} nodes and waits until every one has said hello. */
    List<SimulatedNode> start(int count, Duration timeout) throws InterruptedException {
        List<CompletableFuture<Void>> hellos = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            SimulatedNode node = new SimulatedNode(this, String.format("sim-%05d", i), i);
            nodes.add(node);
            hellos.add(node.start());
        }
        long deadline = System.nanoTime() + timeout.toNanos();
        for (CompletableFuture<Void> hello : hellos) {
            try {
                hello.get(Math.max(1, deadline - System.nanoTime()), TimeUnit.NANOSECONDS);
            } catch (java.util.concurrent.ExecutionException | java.util.concurrent.TimeoutException e) {
                throw new IllegalStateException("simulated nodes did not all register within " + timeout + ": " + e, e);
            }
        }
        timers.scheduleAtFixedRate(this::heartbeatSlice, 100, 100, TimeUnit.MILLISECONDS);
        return List.copyOf(nodes);
    }

    /** Every 100 ms, each node checks whether its heartbeat is due (cheap: a time comparison). */
    private void heartbeatSlice() {
        long now = System.nanoTime();
        for (SimulatedNode node : nodes) {
            node.heartbeatIfDue(now);
        }
    }

    /** The leader named by the last "not the leader" answer (Flotilla-Leader header); null until one came. */
    private volatile URI leader;

    /**
     * Where node {@code i} sends its next request: the leader, once a follower named it (after a
     * re-election the old leader answers with the new one's address, as real agents follow it),
     * else the managers in turn.
     */
    URI manager(int i) {
        URI known = leader;
        return known != null ? known : managers.get(i % managers.size());
    }

    /** Sends node {@code number}'s request on its client; a status other than 2xx fails with a {@link SimulatorException}. */
    <T> CompletableFuture<T> send(int number, HttpRequest request, Class<T> type) {
        requests.incrementAndGet();
        return clients.get(number % CLIENTS).sendAsync(request, HttpResponse.BodyHandlers.ofByteArray()).thenApply(response -> {
            if (response.statusCode() / 100 != 2) {
                response.headers().firstValue("Flotilla-Leader")
                        .ifPresent(address -> leader = URI.create("http://" + address));
                throw new SimulatorException(response.statusCode(), new String(response.body(),
                        java.nio.charset.StandardCharsets.UTF_8));
            }
            return type == Void.class ? null : Json.read(response.body(), type);
        });
    }

    long tasksHeld() {
        return nodes.stream().mapToLong(SimulatedNode::tasksHeld).sum();
    }

    @Override
    public void close() {
        nodes.forEach(SimulatedNode::stop);
        timers.shutdownNow();
        clients.forEach(HttpClient::shutdownNow);
    }

    static final class SimulatorException extends RuntimeException {
        final int status;

        SimulatorException(int status, String body) {
            super("HTTP " + status + ": " + (body.length() > 200 ? body.substring(0, 200) : body));
            this.status = status;
        }
    }
}
