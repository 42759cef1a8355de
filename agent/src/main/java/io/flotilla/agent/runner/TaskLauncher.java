package io.flotilla.agent.runner;

import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.agent.files.TaskFiles;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;

/**
 * Brings a newly assigned task from ASSIGNED to RUNNING, on the runner's own virtual thread: it
 * waits out the task's restart backoff ({@code notBefore}), then PREPARING (the driver prepares,
 * e.g. pulls the image; the volumes are mounted; the secrets and configs are written into the
 * task's tmpfs, an agent that cannot mount one rejects the task; a fenced task waits for the node's lease; host
 * ports, directories, environment and the task's record), STARTING (the driver starts the
 * process) and RUNNING. What shows this node cannot run the task rejects it, what fails fails it,
 * and a stop asked meanwhile ends it between two steps. The runner ({@link TaskRunner}) keeps
 * the status; this class asks it for each step.
 */
final class TaskLauncher {
    /** How long a fenced task waits for the node's lease before it is rejected. */
    static final Duration LEASE_WAIT = Duration.ofSeconds(3);

    private final TaskRunner runner;
    private final Task task;
    private final TaskRunnerContext context;
    private final TaskWorkspace workspace;
    private final DependencyChanges dependencyChanges;
    private final CountDownLatch stopAsked;
    private final Logger log;

    TaskLauncher(TaskRunner runner, Task task, TaskRunnerContext context, TaskWorkspace workspace,
                 DependencyChanges dependencyChanges, CountDownLatch stopAsked, Logger log) {
        this.runner = runner;
        this.task = task;
        this.context = context;
        this.workspace = workspace;
        this.dependencyChanges = dependencyChanges;
        this.stopAsked = stopAsked;
        this.log = log;
    }

    void launch() {
        try {
            if (!awaitNotBefore()) {
                return;
            }
            Driver driver = context.drivers().get(task.spec().driver());
            if (driver == null) {
                runner.finish(TaskState.REJECTED, "rejected", "this node has no '" + task.spec().driver()
                        + "' driver (it offers " + String.join(", ", context.drivers().keySet()) + ")", null);
                return;
            }
            if (!runner.moveTo(TaskState.PREPARING, "preparing") || runner.endIfStopped()) {
                return;
            }
            try {
                driver.prepare(task, workspace.assignment, runner::preparing);
            } catch (DriverException e) {
                runner.finish(TaskState.REJECTED, "rejected", e.getMessage(), null);
                return;
            }
            if (runner.endIfStopped()) {
                return;
            }
            try {
                workspace.mountVolumes();
            } catch (TaskVolumes.MountFailure e) {
                runner.finish(TaskState.REJECTED, "rejected", e.getMessage(), null);
                return;
            }
            try {
                workspace.writeFiles(dependencyChanges.latestFiles());
            } catch (TaskFiles.Failure e) {
                runner.finish(e.thisNode() ? TaskState.REJECTED : TaskState.FAILED,
                        e.thisNode() ? "rejected" : "preparing failed", e.getMessage(), null);
                return;
            }
            if (workspace.assignment.fenced() && !awaitLease()) {
                if (!runner.endIfStopped()) {
                    Path leaseFile = workspace.leaseFile();
                    runner.finish(TaskState.REJECTED, "rejected", "cannot start a fenced task: this node holds no lease"
                            + " with the managers (" + leaseFile + " " + (LeaseKeeper.read(leaseFile) == 0 ? "missing"
                            : "expired at " + Instant.ofEpochMilli(LeaseKeeper.read(leaseFile))) + ")", null);
                }
                return;
            }
            if (runner.endIfStopped()) {
                return;
            }
            List<String> program = workspace.program();
            Map<String, List<String>> startView;
            try {
                workspace.hostPorts = context.ports().allocateFor(workspace.assignment.ports());
                Files.createDirectories(workspace.directory.root());
                Files.createDirectories(workspace.workingDir);
                workspace.environment = workspace.baseEnvironment(workspace.hostPorts);
                startView = DependencyEnvironment.view(workspace.assignment, dependencyChanges.received());
                workspace.environment = dependencyChanges.withDependencies(workspace.environment, startView, false);
                workspace.directory.writeRecord(TaskRecord.prepared(task, workspace.assignment, workspace.hostPorts,
                        workspace.workingDir.toString()));
            } catch (IOException e) {
                runner.finish(TaskState.FAILED, "preparing failed", "cannot prepare the task: " + e.getMessage(), null);
                return;
            }
            if (!runner.moveTo(TaskState.STARTING, "starting") || runner.endIfStopped()) {
                return;
            }
            TaskHandle launched;
            try {
                launched = driver.start(workspace.launch(program, workspace.environment));
            } catch (DriverException e) {
                runner.finish(TaskState.FAILED, "starting failed", e.getMessage(), null);
                return;
            }
            runner.launched(launched, startView);
        } catch (RuntimeException e) {
            log.error("task {}: runner failed", task.id(), e);
            runner.finish(TaskState.FAILED, "agent error", "agent error: " + e, null);
        }
    }

    /** Waits up to {@link #LEASE_WAIT} for the node's lease to be valid; false if it is not (or the task was stopped). */
    private boolean awaitLease() {
        long deadline = System.nanoTime() + LEASE_WAIT.toNanos();
        while (context.clock().millis() > LeaseKeeper.read(workspace.leaseFile())) {
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
        return !runner.endIfStopped();
    }
}
