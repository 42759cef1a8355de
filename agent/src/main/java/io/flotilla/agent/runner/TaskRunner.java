package io.flotilla.agent.runner;

import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.HostMount;
import io.flotilla.agent.driver.Signals;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.agent.health.HealthChecker;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task on this node and owns its status, which moves one step at a time and only
 * forward (the table is in {@link TaskStateMachine}):
 *
 * <pre>
 * ASSIGNED ─▶ PREPARING ─▶ STARTING ─▶ RUNNING ─▶ COMPLETE (exit 0) | FAILED (exit ≠ 0, unhealthy)
 *    │            │            │           └────▶ SHUTDOWN (stopped by the agent)
 *    └─ REJECTED (no such driver)  FAILED (cannot prepare / start)   SHUTDOWN (stopped before it ran)
 *                 └─ REJECTED (image, volume, no lease: this node cannot run it)
 * </pre>
 *
 * While PREPARING the task's volumes are provided ({@link TaskVolumes}): a volume that cannot be
 * mounted rejects the task ({@code cannot mount volume …}), so the scheduler tries another node.
 * A fenced task ({@link Fencing}) starts only while the node holds its lease, and one that its
 * watchdog killed ends FAILED with {@link Fencing#error}.
 *
 * Every accepted status goes to the listener at once, under the runner's lock, so the listener
 * sees them in order. Stopping is graceful: the template's stop signal to the task's process
 * group, then SIGKILL to the group after the stop grace period. A stop that arrives before the
 * task started ends it without starting it. {@link #detach()} lets the task run on without this
 * runner (the agent is closing; the next agent adopts the task).
 */
public final class TaskRunner {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);
    private static final Duration KILL_WAIT = Duration.ofSeconds(30);
    /** How long a fenced task waits for the node's lease before it is rejected. */
    static final Duration LEASE_WAIT = Duration.ofSeconds(3);
    /** In the task's directory: the dependencies' variables now ({@code KEY=value} lines), for a task told by signal. */
    public static final String DEPENDENCIES_FILE = "dependencies.env";
    public static final String DEPENDENCIES_FILE_KEY = "FLOTILLA_DEPENDENCIES_FILE";

    /** The container label that sets a task's drain delay ({@link #drainDelay}). */
    public static final String DRAIN_DELAY_LABEL = "flotilla.drain_delay";
    /** The drain delay of a task whose service has ports. */
    public static final Duration DEFAULT_DRAIN_DELAY = Duration.ofSeconds(1);

    /** Why and how a task is being stopped. */
    private record StopRequest(TaskState finalState, String reason, String error) {}

    private final Task task;
    private final TaskDirectory directory;
    private final TaskRunnerContext context;
    private final CountDownLatch stopAsked = new CountDownLatch(1);
    private final Object lock = new Object();
    private TaskStatus status;
    private TaskHandle handle;
    private StopRequest stopRequest;
    private HealthChecker healthChecker;
    private Map<String, Integer> hostPorts = Map.of();
    private Map<String, String> environment = Map.of();
    private Path workingDir;
    private volatile List<HostMount> mounts = List.of();
    private boolean detached;
    private boolean started;
    /** The endpoints of the services the node's tasks depend on, as the agent last received them. */
    private volatile Map<String, List<String>> dependencies = Map.of();
    private Map<String, String> agentEnvironment = Map.of();
    private DependencyFollower follower; // guarded by lock; set once the task runs, if it has dependencies
    private boolean restarting; // guarded by lock: an in-place restart for a dependency change is under way

    private TaskRunner(Task task, TaskStatus status, TaskRunnerContext context) {
        this.task = task;
        this.status = status;
        this.context = context;
        this.directory = TaskDirectory.of(context.dataDir(), task.id());
        // A container's working_dir is a path inside the container, not on this host.
        this.workingDir = task.spec().workingDir() != null && TaskTemplate.PROCESS.equals(task.spec().driver())
                ? Path.of(task.spec().workingDir()) : directory.defaultWorkingDir();
    }

    /** A task newly assigned to this node; {@link #start()} prepares and launches it. */
    public static TaskRunner assigned(Task task, TaskRunnerContext context) {
        return new TaskRunner(task, TaskStatus.of(TaskState.ASSIGNED, context.clock().instant(), "assigned"),
                context);
    }

    /** A task an earlier agent started and that still runs; {@link #start()} watches it. */
    public static TaskRunner adopted(TaskRecord record, TaskHandle handle, TaskRunnerContext context) {
        Task task = record.task();
        TaskRunner runner = new TaskRunner(task, new TaskStatus(TaskState.RUNNING, context.clock().instant(),
                "adopted by a restarted agent", null, null, pidOf(handle), handle.containerId(), record.hostPorts(),
                healthEnabled(task) ? HealthChecker.STARTING : null), context);
        runner.handle = handle;
        runner.hostPorts = record.hostPorts();
        if (record.workingDir() != null) {
            runner.workingDir = Path.of(record.workingDir());
        }
        runner.environment = TaskEnvironment.build(task, context.nodeId(), context.nodeAddress(), record.hostPorts(),
                context.hostEnvironment());
        context.ports().hold(record.hostPorts().values());
        return runner;
    }

    /** A task that is already over (ended while no agent ran, or was never started here). */
    public static TaskRunner ended(Task task, TaskStatus finalStatus, TaskRunnerContext context) {
        if (!finalStatus.state().isTerminal()) {
            throw new IllegalArgumentException("not a final status: " + finalStatus.state());
        }
        return new TaskRunner(task, finalStatus, context);
    }

    public Task task() {
        return task;
    }

    public TaskStatus status() {
        synchronized (lock) {
            return status;
        }
    }

    public boolean isTerminal() {
        return status().state().isTerminal();
    }

    /** Starts the runner's work on a virtual thread: launching a new task, or watching an adopted one. */
    public void start() {
        synchronized (lock) {
            if (started || status.state().isTerminal()) {
                return;
            }
            started = true;
            if (handle != null) {
                watch(handle);
                startHealthChecks();
                return;
            }
        }
        Thread.ofVirtual().name("task-" + task.id()).start(this::launch);
    }

    /** Variables the agent adds to the task's environment ({@code FLOTILLA_API}); before {@link #start()}. */
    public void agentEnvironment(Map<String, String> variables) {
        synchronized (lock) {
            agentEnvironment = Map.copyOf(variables);
        }
    }

    /**
     * The endpoints of the services this node's tasks depend on (from the assignment set). Before
     * the task starts they become its environment; once it runs, a change of its own dependencies
     * applies its {@code on_dependency_change} policy (debounced, see {@link DependencyFollower}).
     */
    public void dependencies(Map<String, List<String>> all) {
        dependencies = all;
        if (DependencyEnvironment.dependencies(task).isEmpty()) {
            return;
        }
        Map<String, List<String>> view = DependencyEnvironment.view(task, all);
        DependencyFollower current;
        synchronized (lock) {
            if (follower == null && handle != null && status.state() == TaskState.RUNNING && !detached) {
                follower = new DependencyFollower(view, DependencyFollower.DEBOUNCE, this::dependenciesChanged);
                return; // adopted: what it runs with is taken to be what it saw
            }
            current = follower;
        }
        if (current != null) {
            current.offer(view);
        }
    }

    /** Stops the task gracefully and reports SHUTDOWN. Idempotent. */
    public void stop(String reason) {
        requestStop(new StopRequest(TaskState.SHUTDOWN, reason, null));
    }

    /** Lets the task run on without this runner: no more health checks, no more reports. */
    public void detach() {
        synchronized (lock) {
            detached = true;
            if (follower != null) {
                follower.close();
            }
            if (healthChecker != null) {
                healthChecker.close();
            }
        }
        stopAsked.countDown();
    }

    private void requestStop(StopRequest request) {
        TaskHandle running;
        synchronized (lock) {
            if (status.state().isTerminal() || stopRequest != null || detached) {
                return;
            }
            stopRequest = request;
            running = handle;
            if (healthChecker != null) {
                healthChecker.close();
            }
            log.info("task {}: stopping ({})", task.id(), request.reason());
        }
        stopAsked.countDown();
        if (running != null) {
            Duration drain = request.finalState() == TaskState.SHUTDOWN ? drainDelay(task) : Duration.ZERO;
            Thread.ofVirtual().name("stop-" + task.id()).start(() -> {
                if (!drain.isZero()) {
                    log.info("task {}: draining {} before its stop signal", task.id(), drain);
                    sleepQuietly(drain);
                }
                terminate(running);
            });
        }
    }

    /**
     * How long a task wanted stopped keeps running before its stop signal, so that every node's
     * routing mesh has dropped its endpoint first (the endpoint left the registry when the task
     * was marked to stop; the mesh follows within ~100 ms): requests in flight finish, new ones
     * go elsewhere. {@link #DEFAULT_DRAIN_DELAY} for a task whose service declares ports, none
     * otherwise; the container label {@code flotilla.drain_delay} (compose {@code labels}, e.g.
     * {@code 3s}, {@code 0s}) overrides it.
     */
    static Duration drainDelay(Task task) {
        String label = task.spec().labels().get(DRAIN_DELAY_LABEL);
        if (label != null && !label.isBlank()) {
            try {
                return parseDelay(label.strip());
            } catch (IllegalArgumentException e) {
                return DEFAULT_DRAIN_DELAY;
            }
        }
        String ports = task.injectedEnv().get("FLOTILLA_PORTS");
        return ports == null || ports.isBlank() ? Duration.ZERO : DEFAULT_DRAIN_DELAY;
    }

    private static Duration parseDelay(String text) {
        java.util.regex.Matcher m = java.util.regex.Pattern.compile("(\\d+)(ms|s|m)").matcher(text);
        if (!m.matches()) {
            throw new IllegalArgumentException("not a delay: " + text);
        }
        long amount = Long.parseLong(m.group(1));
        return switch (m.group(2)) {
            case "ms" -> Duration.ofMillis(amount);
            case "s" -> Duration.ofSeconds(amount);
            default -> Duration.ofMinutes(amount);
        };
    }

    private static void sleepQuietly(Duration duration) {
        try {
            Thread.sleep(duration);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void launch() {
        try {
            if (!awaitNotBefore()) {
                return;
            }
            Driver driver = context.drivers().get(task.spec().driver());
            if (driver == null) {
                finish(TaskState.REJECTED, "rejected", "this node has no '" + task.spec().driver()
                        + "' driver (it offers " + String.join(", ", context.drivers().keySet()) + ")", null);
                return;
            }
            if (!moveTo(TaskState.PREPARING, "preparing") || endIfStopped()) {
                return;
            }
            try {
                driver.prepare(task, this::preparing);
            } catch (DriverException e) {
                finish(TaskState.REJECTED, "rejected", e.getMessage(), null);
                return;
            }
            if (endIfStopped()) {
                return;
            }
            try {
                mounts = context.volumes().acquire(task, directory);
            } catch (TaskVolumes.MountFailure e) {
                finish(TaskState.REJECTED, "rejected", e.getMessage(), null);
                return;
            }
            if (Fencing.fenced(task) && !awaitLease()) {
                if (!endIfStopped()) {
                    finish(TaskState.REJECTED, "rejected", "cannot start a fenced task: this node holds no lease with"
                            + " the managers (" + leaseFile() + " " + (LeaseKeeper.read(leaseFile()) == 0 ? "missing"
                            : "expired at " + Instant.ofEpochMilli(LeaseKeeper.read(leaseFile()))) + ")", null);
                }
                return;
            }
            if (endIfStopped()) {
                return;
            }
            List<String> program = program();
            Map<String, List<String>> startView;
            try {
                hostPorts = context.ports().allocateFor(TaskEnvironment.portRequests(task));
                Files.createDirectories(directory.root());
                Files.createDirectories(workingDir);
                environment = TaskEnvironment.build(task, context.nodeId(), context.nodeAddress(), hostPorts, context.hostEnvironment());
                startView = DependencyEnvironment.view(task, dependencies);
                environment = withDependencies(environment, startView, false);
                directory.writeRecord(TaskRecord.prepared(task, hostPorts, workingDir.toString()));
            } catch (IOException e) {
                finish(TaskState.FAILED, "preparing failed", "cannot prepare the task: " + e.getMessage(), null);
                return;
            }
            if (!moveTo(TaskState.STARTING, "starting") || endIfStopped()) {
                return;
            }
            TaskHandle launched;
            try {
                launched = driver.start(launch(program, environment));
            } catch (DriverException e) {
                finish(TaskState.FAILED, "starting failed", e.getMessage(), null);
                return;
            }
            synchronized (lock) {
                handle = launched;
                if (detached) {
                    return; // the agent is closing: the task runs on and the next agent adopts it
                }
                move(new TaskStatus(TaskState.RUNNING, context.clock().instant(), "started", null, null,
                        pidOf(launched), launched.containerId(), hostPorts,
                        healthEnabled(task) ? HealthChecker.STARTING : null));
                watch(launched);
                if (stopRequest != null) {
                    Thread.ofVirtual().name("stop-" + task.id()).start(() -> terminate(launched));
                } else {
                    startHealthChecks();
                    if (!startView.isEmpty()) {
                        follower = new DependencyFollower(startView, DependencyFollower.DEBOUNCE,
                                this::dependenciesChanged);
                    }
                }
            }
            if (!startView.isEmpty()) {
                dependencies(dependencies); // a change that arrived while it started
            }
        } catch (RuntimeException e) {
            log.error("task {}: runner failed", task.id(), e);
            finish(TaskState.FAILED, "agent error", "agent error: " + e, null);
        }
    }

    private TaskLaunch launch(List<String> program, Map<String, String> env) {
        if (!Fencing.fenced(task)) {
            return new TaskLaunch(task, directory, program, env, workingDir, hostPorts, mounts, null);
        }
        Map<String, String> fencedEnv = new java.util.LinkedHashMap<>(env);
        fencedEnv.put(Fencing.LEASE_FILE_VARIABLE, leaseFile().toAbsolutePath().toString());
        return new TaskLaunch(task, directory, program, fencedEnv, workingDir, hostPorts, mounts, leaseFile());
    }

    private Path leaseFile() {
        return Fencing.leaseFile(context.dataDir());
    }

    /** Waits up to {@link #LEASE_WAIT} for the node's lease to be valid; false if it is not (or the task was stopped). */
    private boolean awaitLease() {
        long deadline = System.nanoTime() + LEASE_WAIT.toNanos();
        while (context.clock().millis() > LeaseKeeper.read(leaseFile())) {
            if (System.nanoTime() > deadline) {
                return false;
            }
            try {
                if (stopAsked.await(50, TimeUnit.MILLISECONDS)) {
                    return false;
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return false;
            }
        }
        return true;
    }

    /** Waits until the task's {@code notBefore} (restart backoff); false if it was stopped meanwhile. */
    private boolean awaitNotBefore() {
        if (task.notBefore() != null) {
            long millis = Duration.between(context.clock().instant(), task.notBefore()).toMillis();
            if (millis > 0) {
                try {
                    stopAsked.await(millis, TimeUnit.MILLISECONDS);
                } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                }
            }
        }
        return !endIfStopped();
    }

    /** Ends a task that was asked to stop before its process started. */
    private boolean endIfStopped() {
        StopRequest request;
        synchronized (lock) {
            if (detached) {
                return true;
            }
            request = stopRequest;
        }
        if (request == null) {
            return false;
        }
        finish(request.finalState(), "stopped before it started: " + request.reason(), request.error(), null);
        return true;
    }

    private void watch(TaskHandle running) {
        running.exit().whenComplete((exitStatus, failure) -> exited(running, exitStatus != null ? exitStatus
                : new ExitStatus.Unknown("lost track of the task: " + failure)));
    }

    private void exited(TaskHandle running, ExitStatus exitStatus) {
        synchronized (lock) {
            if (detached || running != handle || restarting) {
                return; // an in-place restart ended it: its successor is watched instead
            }
            if (healthChecker != null) {
                healthChecker.close();
            }
        }
        running.killAll(); // whatever the task left behind in its process group
        StopRequest request;
        synchronized (lock) {
            request = stopRequest;
        }
        Instant fencedAt = Fencing.fenced(task) ? Fencing.fencedAt(directory).orElse(null) : null;
        if (fencedAt != null) {
            finish(TaskState.FAILED, "fenced (" + exitStatus.describe() + ")", Fencing.error(fencedAt),
                    exitStatus.exitCode());
        } else if (request != null) {
            finish(request.finalState(), "stopped: " + request.reason() + " (" + exitStatus.describe() + ")",
                    request.error(), exitStatus.exitCode());
        } else if (exitStatus.succeeded()) {
            finish(TaskState.COMPLETE, "exited with code 0", null, 0);
        } else {
            finish(TaskState.FAILED, exitStatus.describe(), exitStatus.describe(), exitStatus.exitCode());
        }
    }

    private void terminate(TaskHandle running) {
        String signal;
        try {
            signal = Signals.normalize(task.spec().stopSignal());
        } catch (IllegalArgumentException e) {
            log.warn("task {}: {}; using SIGTERM", task.id(), e.getMessage());
            signal = "TERM";
        }
        try {
            running.signal(signal);
        } catch (IOException e) {
            log.warn("task {}: cannot send SIG{}: {}", task.id(), signal, e.getMessage());
        }
        Duration grace = task.spec().stopGracePeriod();
        try {
            running.exit().get(grace.toMillis(), TimeUnit.MILLISECONDS);
            return;
        } catch (TimeoutException e) {
            log.info("task {}: still running {} after SIG{}; sending SIGKILL to its process group", task.id(),
                    grace, signal);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        } catch (ExecutionException e) {
            return;
        }
        running.killAll();
        try {
            running.exit().get(KILL_WAIT.toMillis(), TimeUnit.MILLISECONDS);
        } catch (TimeoutException | ExecutionException e) {
            log.warn("task {}: did not end after SIGKILL", task.id());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    private void startHealthChecks() {
        HealthcheckSpec spec = task.spec().healthcheck();
        if (!healthEnabled(task) || detached) {
            return;
        }
        if (handle != null && handle.checksHealth()) {
            handle.watchHealth(this::healthChanged);
            return;
        }
        healthChecker = new HealthChecker(task.id(), spec, environment, workingDir,
                directory.root().resolve("health.log"), context.clock(), this::healthChanged);
        healthChecker.start();
    }

    private void healthChanged(String health, String output) {
        synchronized (lock) {
            if (status.state() != TaskState.RUNNING || stopRequest != null || detached) {
                return;
            }
            if (health.equals(status.health())) {
                return;
            }
            move(new TaskStatus(TaskState.RUNNING, context.clock().instant(), "health: " + health, null, null,
                    status.pid(), status.containerId(), status.hostPorts(), health));
        }
        if (HealthChecker.UNHEALTHY.equals(health)) {
            requestStop(new StopRequest(TaskState.FAILED, "unhealthy", "unhealthy: " + output));
        }
    }

    /** A progress message while preparing (an image pull), at most as often as the driver sends them. */
    private void preparing(String message) {
        synchronized (lock) {
            if (status.state() == TaskState.PREPARING && !detached) {
                move(new TaskStatus(TaskState.PREPARING, context.clock().instant(), message, null, null, null, null,
                        hostPorts, null));
            }
        }
    }

    private List<String> program() {
        List<String> program = new ArrayList<>(task.spec().entrypoint());
        program.addAll(task.spec().command());
        return program;
    }

    /** {@code env} plus the agent's variables, the dependencies' variables and the file that holds them. */
    private Map<String, String> withDependencies(Map<String, String> env, Map<String, List<String>> view,
                                                 boolean override) {
        Map<String, String> next = new LinkedHashMap<>(env);
        synchronized (lock) {
            next.putAll(agentEnvironment);
        }
        if (!DependencyEnvironment.dependencies(task).isEmpty()) {
            Map<String, String> variables = DependencyEnvironment.variables(task, view, next, override);
            next.putAll(variables);
            next.put(DEPENDENCIES_FILE_KEY, directory.root().resolve(DEPENDENCIES_FILE).toString());
            writeDependencyFile(DependencyEnvironment.variables(task, view, Map.of(), true));
        }
        return next;
    }

    private void writeDependencyFile(Map<String, String> variables) {
        StringBuilder content = new StringBuilder();
        variables.forEach((key, value) -> content.append(key).append('=').append(value).append('\n'));
        try {
            Files.createDirectories(directory.root());
            Path file = directory.root().resolve(DEPENDENCIES_FILE);
            Path temporary = file.resolveSibling(DEPENDENCIES_FILE + ".tmp");
            Files.writeString(temporary, content);
            Files.move(temporary, file, java.nio.file.StandardCopyOption.REPLACE_EXISTING,
                    java.nio.file.StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("task {}: cannot write {}: {}", task.id(), DEPENDENCIES_FILE, e.getMessage());
        }
    }

    /** The debounced change of this task's dependencies: applies its policy. */
    private void dependenciesChanged(Map<String, List<String>> view, List<String> changed) {
        TaskHandle running;
        Map<String, String> env;
        synchronized (lock) {
            if (status.state() != TaskState.RUNNING || stopRequest != null || detached || handle == null) {
                return;
            }
            running = handle;
            env = environment;
        }
        env = withDependencies(env, view, true);
        String what = String.join(", ", changed);
        DependencyActions actions = new DependencyActions(task, directory, workingDir, log);
        switch (task.spec().discovery().onChange()) {
            case DiscoverySpec.OnDependencyChange.Ignore ignore ->
                    log.info("task {}: endpoints of {} changed (policy ignore)", task.id(), what);
            case DiscoverySpec.OnDependencyChange.Signal signal -> {
                synchronized (lock) {
                    environment = env;
                }
                actions.signal(running, signal.signal(), what);
            }
            case DiscoverySpec.OnDependencyChange.Exec exec -> actions.exec(exec.command(), env, changed);
            case DiscoverySpec.OnDependencyChange.Restart restart -> restartInPlace(running, env, what);
        }
    }

    /**
     * Restarts the task's process with the new environment: same task, same ports, same
     * directory; the cluster sees it RUNNING throughout, with the new pid. A non-process task
     * (a container) is failed instead, so the orchestrator replaces it with the new values.
     */
    private void restartInPlace(TaskHandle running, Map<String, String> env, String what) {
        if (!TaskTemplate.PROCESS.equals(task.spec().driver())) {
            requestStop(new StopRequest(TaskState.FAILED, "dependency " + what + " changed",
                    "restart: dependency " + what + " changed"));
            return;
        }
        synchronized (lock) {
            if (stopRequest != null || detached) {
                return;
            }
            restarting = true;
            if (healthChecker != null) {
                healthChecker.close();
                healthChecker = null;
            }
        }
        log.info("task {}: restarting, dependency {} changed", task.id(), what);
        terminate(running);
        running.killAll();
        TaskHandle launched;
        try {
            if (mounts.isEmpty() && !task.spec().volumes().isEmpty()) {
                mounts = context.volumes().acquire(task, directory); // adopted: this agent did not mount them yet
            }
            launched = context.drivers().get(task.spec().driver())
                    .start(launch(program(), env));
        } catch (DriverException | TaskVolumes.MountFailure | RuntimeException e) {
            synchronized (lock) {
                restarting = false;
            }
            finish(TaskState.FAILED, "restart failed", "restart after dependency " + what + " changed failed: "
                    + e.getMessage(), null);
            return;
        }
        synchronized (lock) {
            restarting = false;
            handle = launched;
            environment = env;
            if (detached || status.state().isTerminal()) {
                return;
            }
            move(new TaskStatus(TaskState.RUNNING, context.clock().instant(), "restarted: dependency " + what
                    + " changed", null, null, pidOf(launched), launched.containerId(), hostPorts, status.health()));
            watch(launched);
            if (stopRequest != null) {
                Thread.ofVirtual().name("stop-" + task.id()).start(() -> terminate(launched));
            } else {
                startHealthChecks();
            }
        }
    }

    private static Long pidOf(TaskHandle handle) {
        return handle.pid() > 0 ? handle.pid() : null;
    }

    private boolean moveTo(TaskState state, String message) {
        synchronized (lock) {
            if (detached || status.state().isTerminal()) {
                return false;
            }
            move(new TaskStatus(state, context.clock().instant(), message, null, null, null, null, hostPorts, null));
            return true;
        }
    }

    private void finish(TaskState state, String message, String error, Integer exitCode) {
        TaskStatus last;
        synchronized (lock) {
            if (detached || status.state().isTerminal()) {
                return;
            }
            last = new TaskStatus(state, context.clock().instant(), message, error, exitCode, status.pid(),
                    status.containerId(), status.hostPorts(), status.health());
            move(last);
        }
        synchronized (lock) {
            if (follower != null) {
                follower.close();
            }
        }
        context.ports().release(hostPorts.values());
        if (!mounts.isEmpty()) {
            context.volumes().release(task);
        }
        if (Files.isDirectory(directory.root())) {
            try {
                directory.writeFinalStatus(last);
            } catch (IOException e) {
                log.warn("task {}: cannot record its final status: {}", task.id(), e.getMessage());
            }
        }
        log.info("task {}: {} ({})", task.id(), state.displayName(), error != null ? error : message);
    }

    /** The one place the status changes; callers hold the lock. */
    private void move(TaskStatus next) {
        if (!TaskStateMachine.allows(status.state(), next.state())) {
            throw new IllegalStateException("task " + task.id() + " cannot go from " + status.state() + " to "
                    + next.state());
        }
        status = next;
        context.listener().statusChanged(task.id(), next);
    }

    private static boolean healthEnabled(Task task) {
        return task.spec().healthcheck() != null && !task.spec().healthcheck().disabled();
    }
}
