package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.model.Node;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Where the web service's tasks ran during a chaos run, sampled every {@value #PERIOD_MILLIS} ms from
 * every manager at once: a sample counts when a majority answered within {@link #TIMEOUT}, and holds
 * the union of the tasks they saw in state running (whatever their desired state: an old task of a
 * rolling update still serves until it is marked to stop), each with its node's address, and which
 * of them every answer listing them had marked to stop. The union errs towards more tasks, so
 * that a manager cut off and stale cannot make a backend look gone.
 *
 * <p>With it {@link #allCutOff} judges a failed request that no fault on its entry explains: when every
 * task of the service sat on a node the entry could not reach (killed with its tasks, or on the other
 * side of a partition), the mesh had no backend to send the request to. Run E of docs/benchmarks.md
 * met this: a partition of the leader cut it off with a second manager, and both web tasks ran on those two.
 */
final class ChaosPlacements implements AutoCloseable {
    static final long PERIOD_MILLIS = 250;
    static final Duration TIMEOUT = Duration.ofSeconds(1);
    /** A sample counts for a request from this long before the request's start (to its end). */
    static final Duration LOOK_BACK = Duration.ofSeconds(1);
    /** After a partition heals: the entry's mesh may still wait on a connection it opened into the partition. */
    static final Duration HEAL_GRACE = Duration.ofSeconds(1);

    /** A task seen running: its id and its node's address. */
    record Placed(String task, String address) {}

    /**
     * What a majority of managers answered at {@code at}: the tasks running, and of them those
     * {@code leaving}: marked to stop in every answer that listed them (draining, out of the
     * registry: no mesh sends them a new request).
     */
    record Sample(Instant at, Set<Placed> tasks, Set<String> leaving) {
        Sample(Instant at, Set<Placed> tasks) {
            this(at, tasks, Set.of());
        }
    }

    private final List<String> managers;
    private final String service;
    private final List<Sample> samples = Collections.synchronizedList(new ArrayList<>());
    private final Map<String, String> addressOf = new ConcurrentHashMap<>();
    private final ExecutorService asks = Executors.newVirtualThreadPerTaskExecutor();
    private volatile boolean running = true;
    private final Thread thread;

    ChaosPlacements(List<String> managers, String service) {
        this.managers = List.copyOf(managers);
        this.service = service;
        thread = Thread.ofPlatform().daemon().name("chaos-placements").start(this::sample);
    }

    /** The samples so far, in time order. */
    List<Sample> samples() {
        synchronized (samples) {
            return List.copyOf(samples);
        }
    }

    @Override
    public void close() throws InterruptedException {
        running = false;
        thread.interrupt();
        thread.join(TIMEOUT.toMillis() * 3);
        asks.shutdownNow();
    }

    private void sample() {
        while (running) {
            Instant at = Instant.now();
            List<Future<Task[]>> answers = managers.stream().map(m -> asks.submit(() -> new ApiClient(m)
                    .get("/v1/services/" + service + "/tasks", Task[].class, TIMEOUT))).toList();
            Set<Placed> tasks = new java.util.HashSet<>();
            Set<String> stopping = new java.util.HashSet<>();
            Set<String> wanted = new java.util.HashSet<>();
            int answered = 0;
            for (Future<Task[]> answer : answers) {
                try {
                    for (Task task : answer.get(TIMEOUT.toMillis() + 200, TimeUnit.MILLISECONDS)) {
                        if (task.state() == TaskState.RUNNING) {
                            tasks.add(new Placed(task.id(), address(task.nodeId())));
                            (task.desiredState() == TaskState.RUNNING ? wanted : stopping).add(task.id());
                        }
                    }
                    answered++;
                } catch (InterruptedException e) {
                    return;
                } catch (Exception e) {
                    answer.cancel(true); // no answer in time, or an error: this manager does not count
                }
            }
            if (answered > managers.size() / 2) {
                stopping.removeAll(wanted);
                samples.add(new Sample(at, Set.copyOf(tasks), Set.copyOf(stopping)));
            }
            try {
                Thread.sleep(PERIOD_MILLIS);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** The node's address, asked of the managers once per node id (a node keeps its id across restarts). */
    private String address(String nodeId) {
        String known = addressOf.get(nodeId);
        if (known != null) {
            return known;
        }
        for (String manager : managers) {
            try {
                for (Node node : new ApiClient(manager).get("/v1/nodes", Node[].class, TIMEOUT)) {
                    addressOf.put(node.id(), node.status().address());
                }
                break;
            } catch (RuntimeException e) {
                // the next manager
            }
        }
        return addressOf.getOrDefault(nodeId, "unknown node " + nodeId);
    }

    /** The tasks of the last sample taken at or before {@code time}, or none. */
    static Set<Placed> at(List<Sample> samples, Instant time) {
        Set<Placed> last = Set.of();
        for (Sample sample : samples) {
            if (sample.at().isAfter(time)) {
                break;
            }
            last = sample.tasks();
        }
        return last;
    }

    /**
     * Whether the entry of {@code failure} could reach none of the service's tasks: every sample taken
     * from {@link #LOOK_BACK} before the request's start to its end (at least one) holds only tasks
     * that were cut off from the entry during the request. A task is cut off by a kill of its node's
     * host (not of the agent alone, whose tasks keep serving) that began during the request or before,
     * when the task was already seen before the kill: its process died with the host; or by a
     * partition that cut its node off during the request or up to {@link #HEAL_GRACE} before, with the
     * entry not on the node's side. A pause, a full disk or a task the entry reaches: no excuse.
     * A task seen leaving (marked to stop, out of the registry) at or before the request's start
     * is no backend for it, wherever it runs: run I of docs/benchmarks.md met a request whose two
     * backends were cut off while a third, reachable, was draining after a rolling update.
     */
    static boolean allCutOff(ChaosHttp.Failure failure, List<Sample> samples, List<ChaosNemesis.Span> spans) {
        Map<String, Instant> firstSeen = new java.util.HashMap<>();
        Map<String, Instant> leftAt = new java.util.HashMap<>();
        for (Sample sample : samples) {
            for (String task : sample.leaving()) {
                leftAt.putIfAbsent(task, sample.at());
            }
        }
        boolean any = false;
        for (Sample sample : samples) {
            for (Placed placed : sample.tasks()) {
                firstSeen.putIfAbsent(placed.task(), sample.at());
            }
            if (sample.at().isBefore(failure.start().minus(LOOK_BACK)) || sample.at().isAfter(failure.end())) {
                continue;
            }
            any = true;
            for (Placed placed : sample.tasks()) {
                Instant left = leftAt.get(placed.task());
                if (left != null && !left.isAfter(failure.start())) {
                    continue;
                }
                if (!cutOff(placed.address(), firstSeen.get(placed.task()), failure, spans)) {
                    return false;
                }
            }
        }
        return any;
    }

    private static boolean cutOff(String address, Instant seen, ChaosHttp.Failure failure, List<ChaosNemesis.Span> spans) {
        for (ChaosNemesis.Span span : spans) {
            if (!span.address().equals(address) || span.start().isAfter(failure.end())) {
                continue;
            }
            ChaosNemesis.Kind kind = span.kind();
            if (kind.kill() && kind != ChaosNemesis.Kind.KILL_AGENT && kind != ChaosNemesis.Kind.EXITED
                    && seen.isBefore(span.start())) {
                return true;
            }
            if (kind.partition() && !failure.start().isAfter(span.end().plus(HEAL_GRACE))
                    && !address.equals(failure.entry()) && !sameSide(failure.entry(), span, spans)) {
                return true;
            }
        }
        return false;
    }

    /** Whether {@code entry} was cut off with the span's node: a span of the same partition (same kind and times). */
    private static boolean sameSide(String entry, ChaosNemesis.Span span, List<ChaosNemesis.Span> spans) {
        return spans.stream().anyMatch(s -> s.address().equals(entry) && s.kind() == span.kind()
                && s.start().equals(span.start()) && s.end().equals(span.end()));
    }
}
