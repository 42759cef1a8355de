package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Node;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;

/**
 * The chaos run's clients: writers setting node labels (one label key per register) and readers of
 * them, each through a manager drawn at random, recording every operation as it saw it.
 *
 * <p>A write is acknowledged only by a 2xx answer; a refused connection never reached a manager
 * (FAIL), and anything else — a timeout, a 503 after proposing, a connection broken mid-request — may
 * or may not have been committed (INFO). A read asks for a consistent answer
 * ({@code GET …?consistent}: a Raft read index, docs/api.md), from any manager, so every read is
 * checked against the writes.
 */
final class ChaosClients {
    private static final Duration READ_TIMEOUT = Duration.ofSeconds(5);

    private final List<String> managers;
    private final Map<String, String> nodeOf;
    private final List<String> registers;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final List<RegisterOp> history = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final Map<Integer, RegisterOp> pending = new ConcurrentHashMap<>();
    private final List<Thread> threads = new ArrayList<>();

    /** @param managers the managers' addresses; {@code nodeOf} each register (a label key) and the node whose label it is */
    ChaosClients(List<String> managers, Map<String, String> nodeOf) {
        this.managers = List.copyOf(managers);
        this.nodeOf = Map.copyOf(nodeOf);
        this.registers = nodeOf.keySet().stream().sorted().toList();
    }

    /** Starts {@code writers} writer and {@code readers} reader threads, client numbers from 0, randoms from {@code seed}. */
    void start(int writers, int readers, long seed) {
        for (int c = 0; c < writers + readers; c++) {
            int client = c;
            Random random = new Random(seed * 31 + c);
            boolean writer = c < writers;
            Thread thread = new Thread(() -> loop(client, random, writer), "chaos-client-" + c);
            thread.setDaemon(true);
            threads.add(thread);
            thread.start();
        }
    }

    /** Stops the clients; a write still unanswered after {@code wait} stays in the history as indeterminate. */
    void stop(Duration wait) throws InterruptedException {
        stop.set(true);
        long deadline = System.nanoTime() + wait.toNanos();
        for (Thread thread : threads) {
            thread.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
        synchronized (history) {
            pending.values().forEach(history::add);
            pending.clear();
        }
    }

    /** The writes and the checked (leader) reads. */
    List<RegisterOp> history() {
        synchronized (history) {
            return List.copyOf(history);
        }
    }

    /** Failed client requests by cause (reads and writes). */
    Map<String, Long> failures() {
        Map<String, Long> out = new java.util.TreeMap<>();
        failures.forEach((cause, n) -> out.put(cause, n.sum()));
        return out;
    }

    private void loop(int client, Random random, boolean writer) {
        int seq = 0;
        while (!stop.get()) {
            String manager = managers.get(random.nextInt(managers.size()));
            String register = registers.get(random.nextInt(registers.size()));
            if (writer) {
                write(client, manager, register, "c" + client + "-" + seq++);
            } else {
                read(client, manager, register);
            }
            try {
                Thread.sleep(20 + random.nextInt(40));
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    private void write(int client, String manager, String register, String value) {
        long invoke = System.nanoTime();
        pending.put(client, RegisterOp.indeterminateWrite(client, register, value, invoke));
        RegisterOp.Outcome outcome;
        try {
            new ClusterClient(manager).updateNode(nodeOf.get(register), Map.of("labelAdd", List.of(register + "=" + value)));
            outcome = RegisterOp.Outcome.OK;
        } catch (ApiException e) {
            outcome = neverSent(e) ? RegisterOp.Outcome.FAIL : RegisterOp.Outcome.INFO;
            count("write " + cause(e));
        }
        long complete = System.nanoTime();
        synchronized (history) {
            if (pending.remove(client) != null) {
                history.add(new RegisterOp(client, RegisterOp.Kind.WRITE, register, value, invoke, complete, outcome));
            }
        }
    }

    private void read(int client, String manager, String register) {
        try {
            long invoke = System.nanoTime();
            Node node = new ApiClient(manager).get("/v1/nodes/" + nodeOf.get(register) + "?consistent", Node.class,
                    READ_TIMEOUT);
            long complete = System.nanoTime();
            history.add(RegisterOp.read(client, register, node.spec().labels().get(register), invoke, complete));
        } catch (ApiException e) {
            count("read " + cause(e));
        }
    }

    private void count(String cause) {
        failures.computeIfAbsent(cause, k -> new LongAdder()).increment();
    }

    /** A refused connection: the request never reached a manager, so the write certainly did not happen. */
    static boolean neverSent(ApiException e) {
        return e.status() == 0 && String.valueOf(e.getMessage()).contains("connection refused");
    }

    /** A short cause for the table: the status and code, or what broke the connection. */
    static String cause(ApiException e) {
        String message = String.valueOf(e.getMessage());
        if (e.status() != 0) {
            return e.status() + " " + e.code();
        }
        if (message.contains("connection refused")) {
            return "connection refused";
        }
        if (message.toLowerCase(java.util.Locale.ROOT).contains("timed out") || message.contains("timeout")) {
            return "timeout";
        }
        return e.code();
    }
}
