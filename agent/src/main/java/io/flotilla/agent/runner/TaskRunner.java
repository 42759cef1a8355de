package io.flotilla.agent.runner;

import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.agent.health.HealthChecker;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskFile;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs one task on this node and owns its status ({@link TaskStatusKeeper}), which moves one step
 * at a time and only forward (the table is in {@link TaskStateMachine}):
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
 *
 * <p>Its helpers change the status only through it: {@link TaskLauncher} (to RUNNING), {@link
 * DependencyChanges}, {@link TaskStopper}, {@link TaskHealth}; {@link TaskWorkspace} holds the rest.
 */
public final class TaskRunner {
    private static final Logger log = LoggerFactory.getLogger(TaskRunner.class);

    /** Why and how a task is being stopped. */
    private record StopRequest(TaskState finalState, String reason, String error) {}

    /** A running task's process and the environment it runs with, taken together under the lock. */
    record Running(TaskHandle handle, Map<String, String> environment) {}

    private final Task task;
    private final TaskRunnerContext context;
    private final TaskWorkspace workspace;
    private final TaskStopper stopper;
    private final DependencyChanges dependencyChanges;
    private final TaskHealth health; // guarded by lock
    private final CountDownLatch stopAsked = new CountDownLatch(1);
    private final Object lock = new Object();
    private final TaskStatusKeeper status; // guarded by lock
    private TaskHandle handle;
    private StopRequest stopRequest;
    private boolean detached;
    private boolean started;
    private DependencyFollower follower; // guarded by lock; set once the task runs, if it has dependencies
    private boolean restarting; // guarded by lock: an in-place restart for a dependency change is under way

    private TaskRunner(Task task, Assignment assignment, TaskStatus status, TaskRunnerContext context) {
        this.task = task;
        this.context = context;
        this.workspace = new TaskWorkspace(task, assignment, context, log);
        this.status = new TaskStatusKeeper(task, context, workspace, status);
        this.stopper = new TaskStopper(task, assignment, log);
        this.dependencyChanges = new DependencyChanges(this, task, context, workspace, stopper, log);
        this.health = new TaskHealth(this, task, workspace, context.clock());
    }

    /** A task newly assigned to this node, wired as {@code assignment} says; {@link #start()} prepares and launches it. */
    public static TaskRunner assigned(Task task, Assignment assignment, TaskRunnerContext context) {
        return new TaskRunner(task, assignment, TaskStatus.of(TaskState.ASSIGNED, context.clock().instant(), "assigned"), context);
    }

    /** A task an earlier agent started and that still runs; {@link #start()} watches it. */
    public static TaskRunner adopted(TaskRecord record, TaskHandle handle, TaskRunnerContext context) {
        Task task = record.task();
        TaskStatus adopted = TaskStatusKeeper.adopted(context.clock().instant(), handle, record.hostPorts(),
                TaskHealth.enabled(task) ? HealthChecker.STARTING : null);
        TaskRunner runner = new TaskRunner(task, record.assignment(), adopted, context);
        runner.handle = handle;
        runner.workspace.adopt(record);
        runner.status.holdFiles();
        return runner;
    }

    /** A task that is already over (ended while no agent ran, or was never started here). */
    public static TaskRunner ended(Task task, TaskStatus finalStatus, TaskRunnerContext context) {
        if (!finalStatus.state().isTerminal()) {
            throw new IllegalArgumentException("not a final status: " + finalStatus.state());
        }
        return new TaskRunner(task, Assignment.NONE, finalStatus, context);
    }

    public Task task() {
        return task;
    }

    public TaskStatus status() {
        synchronized (lock) {
            return status.current();
        }
    }

    /**
     * Tells the listener the current status again (the manager shows an older one). Under the lock
     * that orders every change, so a stale copy can never be told after a newer status.
     */
    public void reportStatus() {
        synchronized (lock) {
            status.tell();
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
                if (!detached) {
                    health.start(handle);
                }
                return;
            }
        }
        TaskLauncher launcher = new TaskLauncher(this, task, context, workspace, dependencyChanges, stopAsked, log);
        Thread.ofVirtual().name("task-" + task.id()).start(launcher::launch);
    }

    /** Variables the agent adds to the task's environment ({@code FLOTILLA_API}); before {@link #start()}. */
    public void agentEnvironment(Map<String, String> variables) {
        dependencyChanges.agentEnvironment(variables);
    }

    /**
     * The endpoints of the services this node's tasks depend on (from the assignment set). Before
     * the task starts they become its environment; once it runs, a change of its own dependencies
     * applies its {@code on_dependency_change} policy (debounced, see {@link DependencyFollower}).
     */
    public void dependencies(Map<String, List<String>> all) {
        dependencyChanges.received(all);
        if (workspace.assignment.dependencies().isEmpty()) {
            return;
        }
        Map<String, List<String>> view = DependencyEnvironment.view(workspace.assignment, all);
        DependencyFollower current;
        synchronized (lock) {
            if (follower == null && handle != null && status.state() == TaskState.RUNNING && !detached) {
                follower = new DependencyFollower(view, DependencyFollower.DEBOUNCE, dependencyChanges::changed);
                return; // adopted: what it runs with is taken to be what it saw
            }
            current = follower;
        }
        if (current != null) {
            current.offer(view);
        }
    }

    /** The task's secrets and configs as the latest set has them: a new version is written and told to it. */
    public void files(List<TaskFile> latest) {
        dependencyChanges.offerFiles(latest);
    }

    /** Stops the task gracefully and reports SHUTDOWN. Idempotent. */
    public void stop(String reason) {
        requestStop(new StopRequest(TaskState.SHUTDOWN, reason, null));
    }

    /** Stops the task gracefully and reports FAILED: it cannot go on as it is. */
    void fail(String reason, String error) {
        requestStop(new StopRequest(TaskState.FAILED, reason, error));
    }

    /** Lets the task run on without this runner: no more health checks, no more reports. */
    public void detach() {
        synchronized (lock) {
            detached = true;
            if (follower != null) {
                follower.close();
            }
            health.close();
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
            health.close();
            log.info("task {}: stopping ({})", task.id(), request.reason());
        }
        stopAsked.countDown();
        if (running != null) {
            stopper.stopAfter(request.finalState() == TaskState.SHUTDOWN ? stopper.drainDelay() : Duration.ZERO, running);
        }
    }

    /** Ends a task that was asked to stop before its process started. */
    boolean endIfStopped() {
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

    /** The launched process of a new task: RUNNING, watched, and followed for its dependencies ({@code startView}). */
    void launched(TaskHandle launched, Map<String, List<String>> startView) {
        synchronized (lock) {
            handle = launched;
            if (detached) {
                return; // the agent is closing: the task runs on and the next agent adopts it
            }
            runs(launched, "started", TaskHealth.enabled(task) ? HealthChecker.STARTING : null);
            if (stopRequest == null && !startView.isEmpty()) {
                follower = new DependencyFollower(startView, DependencyFollower.DEBOUNCE, dependencyChanges::changed);
            }
        }
        if (!startView.isEmpty()) {
            dependencies(dependencyChanges.received()); // a change that arrived while it started
        }
        dependencyChanges.offerFiles(null); // a rotation that arrived while it started
    }

    /** The task's process and environment while it runs and is not being stopped; null otherwise. */
    Running running() {
        synchronized (lock) {
            boolean running = status.state() == TaskState.RUNNING && stopRequest == null && !detached && handle != null;
            return running ? new Running(handle, workspace.environment) : null;
        }
    }

    /** The environment the task runs with from now on (its process was told of it). */
    void environment(Map<String, String> env) {
        synchronized (lock) {
            workspace.environment = env;
        }
    }

    /** An in-place restart begins: the exit of the old process is no end of the task. False if it may not. */
    boolean restarting() {
        synchronized (lock) {
            if (stopRequest != null || detached) {
                return false;
            }
            restarting = true;
            health.closeForRestart();
            return true;
        }
    }

    /** The in-place restart could not start the new process: the task fails. */
    void restartFailed(String error) {
        synchronized (lock) {
            restarting = false;
        }
        finish(TaskState.FAILED, "restart failed", error, null);
    }

    /** The in-place restart started {@code launched} with {@code env}: RUNNING still, with the new pid. */
    void restarted(TaskHandle launched, Map<String, String> env, String what) {
        synchronized (lock) {
            restarting = false;
            handle = launched;
            workspace.environment = env;
            if (detached || status.state().isTerminal()) {
                return;
            }
            runs(launched, "restarted: " + what + " changed", status.health());
        }
    }

    /** {@code launched} runs: RUNNING with its pid, watched, and health-checked unless a stop is asked. Holds the lock. */
    private void runs(TaskHandle launched, String message, String healthNow) {
        status.running(launched, message, healthNow);
        watch(launched);
        if (stopRequest != null) {
            stopper.stopAfter(Duration.ZERO, launched);
        } else if (!detached) {
            health.start(handle);
        }
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
            health.close();
        }
        running.killAll(); // whatever the task left behind in its process group
        StopRequest request;
        synchronized (lock) {
            request = stopRequest;
        }
        Instant fencedAt = workspace.assignment.fenced() ? Fencing.fencedAt(workspace.directory).orElse(null) : null;
        TaskEnding ending = request == null ? TaskEnding.of(exitStatus, fencedAt, null, null, null)
                : TaskEnding.of(exitStatus, fencedAt, request.finalState(), request.reason(), request.error());
        finish(ending.state(), ending.message(), ending.error(), ending.exitCode());
    }

    /** RUNNING still, with a new message, health and the file versions held now; false if it does not run. */
    boolean runsStill(String message, String healthNow) {
        synchronized (lock) {
            if (status.state() != TaskState.RUNNING || stopRequest != null || detached) {
                return false;
            }
            status.stillRunning(message, healthNow);
            return true;
        }
    }

    /** A progress message while preparing (an image pull), at most as often as the driver sends them. */
    void preparing(String message) {
        synchronized (lock) {
            if (status.state() == TaskState.PREPARING) {
                moveTo(TaskState.PREPARING, message);
            }
        }
    }

    boolean moveTo(TaskState state, String message) {
        synchronized (lock) {
            if (detached || status.state().isTerminal()) {
                return false;
            }
            status.step(state, message);
            return true;
        }
    }

    void finish(TaskState state, String message, String error, Integer exitCode) {
        TaskStatus last;
        synchronized (lock) {
            if (detached || status.state().isTerminal()) {
                return;
            }
            last = status.end(state, message, error, exitCode);
            if (follower != null) {
                follower.close();
            }
        }
        workspace.ended(last);
        log.info("task {}: {} ({})", task.id(), state.displayName(), error != null ? error : message);
    }
}
