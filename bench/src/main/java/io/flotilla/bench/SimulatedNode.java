package io.flotilla.bench;

import io.flotilla.model.Command.TaskStatusUpdate;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import java.net.http.HttpRequest;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

/**
 * One simulated agent: its session as a chain of asynchronous requests (hello, then long poll
 * after long poll), a set of tasks it "runs", and status reports coalesced over
 * {@code reportDelay}. Level-triggered like the real agent: each assignment set is compared with
 * what the node runs; a task new to it is reported RUNNING, a task asked to stop is reported
 * SHUTDOWN. {@link #stop} silences it entirely (no polls, no reports, no heartbeats): to the
 * manager the node died.
 *
 * <p>Thread-safety: callbacks run on the HTTP client's and the simulator's threads; the mutable
 * fields are guarded by {@code this}.
 */
final class SimulatedNode {
    private static final Duration RETRY = Duration.ofSeconds(1);
    /** A task reported RUNNING that the manager's set still shows behind after this long is reported again. */
    private static final long REPORT_AGAIN_NANOS = Duration.ofSeconds(30).toNanos();

    private final NodeSimulator sim;
    private final String id;
    private final int number;
    private volatile boolean stopped;
    private long index = -1;
    private final Set<String> running = new HashSet<>();
    private final Set<String> stopping = new HashSet<>();
    private final List<TaskStatusUpdate> pending = new ArrayList<>();
    private int pendingRunning;
    /** Tasks reported RUNNING and not yet seen RUNNING in an assignment set: id → when last reported. */
    private final java.util.Map<String, Long> unconfirmed = new java.util.HashMap<>();
    private boolean reportScheduled;
    private boolean reportInFlight;
    private volatile long lastReportNanos = System.nanoTime();

    SimulatedNode(NodeSimulator sim, String id, int number) {
        this.sim = sim;
        this.id = id;
        this.number = number;
    }

    String id() {
        return id;
    }

    synchronized int tasksHeld() {
        return running.size();
    }

    synchronized Set<String> taskIds() {
        return Set.copyOf(running);
    }

    CompletableFuture<Void> start() {
        return hello().thenAccept(ignored -> poll());
    }

    void stop() {
        stopped = true;
    }

    private CompletableFuture<Void> hello() {
        Node node = new Node(id, new NodeSpec(NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of("zone", "z" + (id.hashCode() & 3))),
                new NodeStatus(NodeState.UNKNOWN, id, "10.255.0.1", Resources.NONE, Set.of("process"), null, null));
        HttpRequest request = HttpRequest.newBuilder(sim.manager(number).resolve("/v1/dispatcher/hello"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(new AgentHello(node)))).build();
        sim.helloSlots.acquireUninterruptibly();
        return sim.send(number, request, AssignmentSet.class)
                .whenComplete((set, error) -> sim.helloSlots.release())
                .handle((set, error) -> {
                    if (error != null) {
                        sim.failed("hello", error);
                        return delay(RETRY).thenCompose(ignored -> hello());
                    }
                    accept(set);
                    return CompletableFuture.<Void>completedFuture(null);
                }).thenCompose(future -> future);
    }

    private void poll() {
        if (stopped) {
            return;
        }
        long after;
        synchronized (this) {
            after = index;
        }
        Duration wait = sim.settings.pollWait();
        HttpRequest request = HttpRequest.newBuilder(sim.manager(number).resolve("/v1/dispatcher/assignments?node=" + id
                        + "&after=" + after + "&wait=" + wait.toMillis()))
                .timeout(wait.plusSeconds(60)).GET().build();
        sim.send(number, request, AssignmentSet.class).whenComplete((set, error) -> {
            if (stopped) {
                return;
            }
            if (error != null) {
                sim.failed("poll", error);
                boolean unknown = error.getCause() instanceof NodeSimulator.SimulatorException e && e.status == 404;
                delay(RETRY).thenCompose(ignored -> unknown ? hello() : CompletableFuture.completedFuture(null))
                        .thenRun(this::poll);
                return;
            }
            accept(set);
            delay(sim.settings.pollPause()).thenRun(this::poll);
        });
    }

    /**
     * Compares the set with what runs here; what changed goes into the next report. Level-triggered
     * like the real agent: a task this node reported RUNNING is counted as running once the set
     * (the manager's applied state) shows it so, and reported again if the set still shows it behind
     * long after (the manager accepts reports at once and commits them later; a commit can fail).
     */
    private void accept(AssignmentSet set) {
        Instant now = Instant.now();
        long nowNanos = System.nanoTime();
        synchronized (this) {
            index = Math.max(index, set.index());
            int wanted = 0;
            for (Task task : set.tasks()) {
                if (task.desiredState() == TaskState.RUNNING) {
                    wanted++;
                    if (running.add(task.id()) && task.state().compareTo(TaskState.RUNNING) < 0) {
                        pending.add(new TaskStatusUpdate(task.id(), TaskStatus.of(TaskState.RUNNING, now, "started")));
                        pendingRunning++;
                        unconfirmed.put(task.id(), nowNanos);
                    } else if (task.state() == TaskState.RUNNING) {
                        if (unconfirmed.remove(task.id()) != null) {
                            sim.runningConfirmed.incrementAndGet();
                        }
                    } else if (task.state().compareTo(TaskState.RUNNING) < 0 && unconfirmed.containsKey(task.id())
                            && nowNanos - unconfirmed.get(task.id()) > REPORT_AGAIN_NANOS) {
                        pending.add(new TaskStatusUpdate(task.id(), TaskStatus.of(TaskState.RUNNING, now, "started")));
                        unconfirmed.put(task.id(), nowNanos);
                        sim.reportedAgain.incrementAndGet();
                    }
                } else if (!task.state().isTerminal() && stopping.add(task.id())) {
                    running.remove(task.id());
                    pending.add(new TaskStatusUpdate(task.id(), TaskStatus.of(TaskState.SHUTDOWN, now, "stopped")));
                }
            }
            // Level-triggered: missing from the set means not wanted. Every task the set wants is in
            // running now, so running holds more only when some are no longer wanted (the sets
            // answer every few seconds with up to 200 tasks: no set is built when nothing left).
            if (running.size() > wanted) {
                Set<String> ids = new HashSet<>();
                for (Task task : set.tasks()) {
                    if (task.desiredState() == TaskState.RUNNING) {
                        ids.add(task.id());
                    }
                }
                running.retainAll(ids);
            }
            unconfirmed.keySet().retainAll(running);
            if (!stopping.isEmpty()) {
                stopping.retainAll(set.tasks().stream().map(Task::id).collect(java.util.stream.Collectors.toSet()));
            }
            if (!pending.isEmpty() && !reportScheduled && !reportInFlight) {
                reportScheduled = true;
                delay(sim.settings.reportDelay()).thenRun(this::report);
            }
        }
    }

    void heartbeatIfDue(long nowNanos) {
        if (stopped || nowNanos - lastReportNanos < sim.settings.heartbeatInterval().toNanos()) {
            return;
        }
        synchronized (this) {
            if (reportScheduled || reportInFlight) {
                return;
            }
            reportScheduled = true;
        }
        report();
    }

    private void report() {
        List<TaskStatusUpdate> updates;
        int reportedRunning;
        synchronized (this) {
            reportScheduled = false;
            if (stopped) {
                return;
            }
            reportInFlight = true;
            updates = List.copyOf(pending);
            reportedRunning = pendingRunning;
            pending.clear();
            pendingRunning = 0;
        }
        lastReportNanos = System.nanoTime();
        HttpRequest request = HttpRequest.newBuilder(sim.manager(number).resolve("/v1/dispatcher/status"))
                .timeout(Duration.ofSeconds(60)).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofByteArray(Json.writeBytes(new StatusReport(id, updates)))).build();
        sim.send(number, request, Void.class).whenComplete((ignored, error) -> {
            boolean again;
            synchronized (this) {
                reportInFlight = false;
                if (error != null) {
                    sim.failed("report", error);
                    pending.addAll(0, updates);
                    pendingRunning += reportedRunning;
                } else {
                    sim.runningReported.addAndGet(reportedRunning);
                }
                again = !pending.isEmpty() && !reportScheduled && !stopped;
                if (again) {
                    reportScheduled = true;
                }
            }
            if (again) {
                delay(error != null ? RETRY : sim.settings.reportDelay()).thenRun(this::report);
            }
        });
    }

    private CompletableFuture<Void> delay(Duration duration) {
        CompletableFuture<Void> done = new CompletableFuture<>();
        sim.timers.schedule(() -> done.complete(null), duration.toMillis(), TimeUnit.MILLISECONDS);
        return done;
    }
}
