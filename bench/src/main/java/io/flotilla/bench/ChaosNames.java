package io.flotilla.bench;

import io.flotilla.client.ApiException;
import io.flotilla.client.DiscoveryClient;
import io.flotilla.model.Registration;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.model.api.RegistrationResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Function;

/**
 * The chaos run's self-registrations (docs/api.md, Registry): {@value #NAMES} instances of
 * {@code chaos-names}, registered with a {@link #TTL} through a random manager and renewed every second
 * through whichever manager leads (a manager that does not lead answers 503: the next one is asked);
 * now and then one is deregistered and registered again. A call that does not answer within 3 s counts
 * as indeterminate, and the client moves on. Checks:
 * <ul>
 *   <li><b>expired early</b>: a renewal answered 404 (expired or removed) although the registration's
 *       last acknowledged registration or renewal had been sent less than the TTL minus 2 s before —
 *       renewals live in the leader's memory only, so a new leader must give every registration a
 *       fresh TTL from its takeover;</li>
 *   <li><b>lost</b>: after the run, a registration the client holds (registered or renewed, acknowledged)
 *       that a manager does not list;</li>
 *   <li><b>back</b>: one whose removal was acknowledged that a manager still lists.</li>
 * </ul>
 * The renewals go on while the cluster converges, and the final reads follow at once.
 */
final class ChaosNames {
    static final int NAMES = 3;
    static final String SERVICE = "chaos-names";
    static final Duration TTL = Duration.ofSeconds(10);
    private static final Duration CALL = Duration.ofSeconds(3);
    private static final long EARLY_NANOS = TTL.minusSeconds(2).toNanos();

    /** What the names client saw and what the final reads found. */
    record Check(int registered, int renewed, int deregistered, Map<String, Long> failures, List<String> expiredEarly,
                 List<String> lost, List<String> back) {
        boolean ok() {
            return expiredEarly.isEmpty() && lost.isEmpty() && back.isEmpty() && registered > 0;
        }
    }

    private final List<String> managers;
    private final AtomicBoolean stop = new AtomicBoolean();
    private final ExecutorService calls = Executors.newVirtualThreadPerTaskExecutor();
    private final String[] held = new String[NAMES];
    private final long[] lastAckSent = new long[NAMES];
    private final Set<String> removed = ConcurrentHashMap.newKeySet();
    /** One client (and HTTP client) per manager for the whole run. */
    private final Map<String, DiscoveryClient> clients = new ConcurrentHashMap<>();
    private final List<String> expiredEarly = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, LongAdder> failures = new ConcurrentHashMap<>();
    private final LongAdder registered = new LongAdder();
    private final LongAdder renewed = new LongAdder();
    private final LongAdder deregistered = new LongAdder();
    private Thread thread;

    ChaosNames(List<String> managers) {
        this.managers = List.copyOf(managers);
    }

    void start(long seed) {
        Random random = new Random(seed * 31 + 700);
        thread = new Thread(() -> {
            while (!stop.get()) {
                long round = System.nanoTime();
                for (int i = 0; i < NAMES && !stop.get(); i++) {
                    step(i, random);
                }
                long rest = TimeUnit.SECONDS.toNanos(1) - (System.nanoTime() - round);
                if (rest > 0) {
                    try {
                        TimeUnit.NANOSECONDS.sleep(rest);
                    } catch (InterruptedException e) {
                        return;
                    }
                }
            }
        }, "chaos-names");
        thread.setDaemon(true);
        thread.start();
    }

    /** Stops the client and reads every manager's registry: call right after (the held ones live a TTL). */
    Check stopAndCheck(Duration wait) throws InterruptedException {
        stop.set(true);
        if (thread != null) {
            thread.join(wait);
        }
        List<String> lost = new ArrayList<>();
        List<String> back = new ArrayList<>();
        Map<String, Long> young = new java.util.HashMap<>();
        for (int i = 0; i < NAMES; i++) {
            if (held[i] != null) {
                young.put(held[i], System.nanoTime() - lastAckSent[i]);
            }
        }
        for (String manager : managers) {
            try {
                List<String> listed = clients.computeIfAbsent(manager, DiscoveryClient::new).registrations().stream()
                        .map(Registration::id).toList();
                judge(manager, listed, young, removed, lost, back);
            } catch (ApiException e) {
                lost.add(manager + " cannot list the registry: " + e.getMessage());
            }
        }
        calls.shutdownNow();
        Map<String, Long> counts = new java.util.TreeMap<>();
        failures.forEach((cause, n) -> counts.put(cause, n.sum()));
        return new Check(registered.intValue(), renewed.intValue(), deregistered.intValue(), counts,
                List.copyOf(expiredEarly), lost, back);
    }

    /**
     * One manager's list against what the client knows: a held registration acknowledged less than the
     * TTL minus 2 s ago ({@code heldSince}: nanoseconds since its last acknowledged registration or
     * renewal was sent) that it does not list is lost; a removed one it lists is back.
     */
    static void judge(String manager, List<String> listed, Map<String, Long> heldSince, Set<String> removed,
                      List<String> lost, List<String> back) {
        heldSince.forEach((id, since) -> {
            if (early(since) && !listed.contains(id)) {
                lost.add(manager + " does not list " + id + ", registered or renewed (acknowledged) "
                        + TimeUnit.NANOSECONDS.toMillis(since) + " ms before");
            }
        });
        removed.stream().filter(listed::contains).sorted().forEach(id -> back.add(manager + " lists " + id + ", removed (acknowledged)"));
    }

    /** Gone this long after an acknowledged registration or renewal was sent is too early (TTL minus 2 s). */
    static boolean early(long sinceNanos) {
        return sinceNanos < EARLY_NANOS;
    }

    private void step(int i, Random random) {
        String id = held[i];
        if (id == null) {
            long sent = System.nanoTime();
            RegistrationResult result = call(random, client -> client.register(new RegistrationRequest(null, SERVICE, null,
                    "127.0.0.1", Map.of("http", 1 + i), List.of(), Map.of("slot", Integer.toString(i)), TTL)));
            if (result != null) {
                held[i] = result.id();
                lastAckSent[i] = sent;
                registered.increment();
            }
            return;
        }
        long sent = System.nanoTime();
        try {
            if (random.nextInt(20) == 0) {
                held[i] = null; // removed, or (its answer lost) left to expire
                try {
                    if (call(random, client -> client.deregister(id)) != null) {
                        removed.add(id);
                        deregistered.increment();
                    }
                } catch (Expired e) {
                    count("names removal 404"); // gone already: an earlier attempt that timed out may have removed it
                }
            } else if (call(random, client -> client.renew(id)) != null) {
                lastAckSent[i] = sent;
                renewed.increment();
            }
        } catch (Expired e) {
            held[i] = null;
            long since = sent - lastAckSent[i];
            if (early(since)) {
                expiredEarly.add(id + " gone " + TimeUnit.NANOSECONDS.toMillis(since) + " ms after its last acknowledged"
                        + " registration or renewal was sent (TTL " + TTL.toSeconds() + " s): " + e.getMessage());
            }
        }
    }

    /** A 404 to a renewal: the registration is gone. */
    private static final class Expired extends RuntimeException {
        Expired(String message) {
            super(message, null, false, false);
        }
    }

    /**
     * The call through the managers in a random order until one answers other than 503 or unreachable;
     * null if none did (each failure counted). Throws {@link Expired} on a 404.
     */
    private <T> T call(Random random, Function<DiscoveryClient, T> what) {
        List<String> order = new ArrayList<>(managers);
        Collections.shuffle(order, random);
        for (String manager : order) {
            DiscoveryClient client = clients.computeIfAbsent(manager, DiscoveryClient::new);
            Future<T> answer = calls.submit(() -> what.apply(client));
            try {
                return answer.get(CALL.toMillis(), TimeUnit.MILLISECONDS);
            } catch (TimeoutException e) {
                answer.cancel(true);
                count("names timeout");
            } catch (java.util.concurrent.ExecutionException e) {
                if (!(e.getCause() instanceof ApiException api)) {
                    count("names " + e.getCause().getClass().getSimpleName());
                    continue;
                }
                if (api.status() == 404) {
                    throw new Expired(manager + ": " + api.getMessage());
                }
                count("names " + ChaosClients.cause(api));
                if (api.status() != 503 && api.status() != 0) {
                    return null; // an answer that another manager would give too
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return null;
            }
        }
        return null;
    }

    private void count(String cause) {
        failures.computeIfAbsent(cause, k -> new LongAdder()).increment();
    }
}
