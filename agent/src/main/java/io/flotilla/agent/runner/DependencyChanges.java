package io.flotilla.agent.runner;

import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.files.TaskFiles;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.TaskFile;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What one task's dependencies give it, and what their change does to it once it runs. The
 * task's environment gets the agent's variables and its dependencies' ({@link
 * DependencyEnvironment}), and {@value #DEPENDENCIES_FILE} in its directory holds the latter as
 * they are now. A debounced change ({@link DependencyFollower}) applies the task's
 * {@code on_dependency_change} policy: ignore, signal or exec ({@link DependencyActions}), or
 * restart: the process again with the new environment, in place, the task RUNNING throughout (a
 * container is failed instead, so the orchestrator replaces it). A new version of one of its
 * secrets or configs is written, then told to it by the same policy ({@link #filesChanged}). The runner ({@link TaskRunner})
 * keeps the status; this class asks it for each step.
 */
final class DependencyChanges {
    /** In the task's directory: the dependencies' variables now ({@code KEY=value} lines), for a task told by signal. */
    static final String DEPENDENCIES_FILE = "dependencies.env";
    static final String DEPENDENCIES_FILE_KEY = "FLOTILLA_DEPENDENCIES_FILE";
    /** For an exec after a rotation: the cluster names of the secrets and configs rewritten, comma-separated. */
    static final String CHANGED_FILES_KEY = "FLOTILLA_CHANGED_FILES";

    private final TaskRunner runner;
    private final Task task;
    private final TaskRunnerContext context;
    private final TaskWorkspace workspace;
    private final TaskStopper stopper;
    private final Logger log;
    /** One policy action at a time, whether a dependency or a file changed. */
    private final Object actionLock = new Object();
    private Map<String, String> agentEnvironment = Map.of(); // guarded by this
    /** The endpoints of the services the node's tasks depend on, as the agent last received them. */
    private volatile Map<String, List<String>> received = Map.of();
    /** The task's secrets and configs as the agent last received them; null before any set. */
    private volatile List<TaskFile> latestFiles;

    DependencyChanges(TaskRunner runner, Task task, TaskRunnerContext context, TaskWorkspace workspace,
                      TaskStopper stopper, Logger log) {
        this.runner = runner;
        this.task = task;
        this.context = context;
        this.workspace = workspace;
        this.stopper = stopper;
        this.log = log;
    }

    void received(Map<String, List<String>> all) {
        received = all;
    }

    Map<String, List<String>> received() {
        return received;
    }

    /** Variables the agent adds to the task's environment ({@code FLOTILLA_API}). */
    synchronized void agentEnvironment(Map<String, String> variables) {
        agentEnvironment = Map.copyOf(variables);
    }

    private synchronized Map<String, String> agentEnvironment() {
        return agentEnvironment;
    }

    /** {@code env} plus the agent's variables, the dependencies' variables and the file that holds them. */
    Map<String, String> withDependencies(Map<String, String> env, Map<String, List<String>> view, boolean override) {
        Map<String, String> next = new LinkedHashMap<>(env);
        next.putAll(agentEnvironment());
        if (!workspace.assignment.dependencies().isEmpty()) {
            Map<String, String> variables = DependencyEnvironment.variables(task, workspace.assignment, view, next, override);
            next.putAll(variables);
            next.put(DEPENDENCIES_FILE_KEY, workspace.directory.root().resolve(DEPENDENCIES_FILE).toString());
            writeDependencyFile(DependencyEnvironment.variables(task, workspace.assignment, view, Map.of(), true));
        }
        return next;
    }

    private void writeDependencyFile(Map<String, String> variables) {
        StringBuilder content = new StringBuilder();
        variables.forEach((key, value) -> content.append(key).append('=').append(value).append('\n'));
        try {
            Files.createDirectories(workspace.directory.root());
            Path file = workspace.directory.root().resolve(DEPENDENCIES_FILE);
            Path temporary = file.resolveSibling(DEPENDENCIES_FILE + ".tmp");
            Files.writeString(temporary, content);
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
        } catch (IOException e) {
            log.warn("task {}: cannot write {}: {}", task.id(), DEPENDENCIES_FILE, e.getMessage());
        }
    }

    /** The debounced change of this task's dependencies: applies its policy. */
    void changed(Map<String, List<String>> view, List<String> changed) {
        synchronized (actionLock) {
            TaskRunner.Running running = runner.running();
            if (running == null) {
                return;
            }
            Map<String, String> env = withDependencies(running.environment(), view, true);
            String what = "dependency " + String.join(", ", changed);
            DependencyActions actions = new DependencyActions(task, workspace.directory, workspace.workingDir, log);
            switch (task.spec().discovery().onChange()) {
                case DiscoverySpec.OnDependencyChange.Ignore ignore ->
                        log.info("task {}: endpoints of {} changed (policy ignore)", task.id(), what);
                case DiscoverySpec.OnDependencyChange.Signal signal -> {
                    runner.environment(env);
                    actions.signal(running.handle(), signal.signal(), what);
                }
                case DiscoverySpec.OnDependencyChange.Exec exec -> actions.exec(exec.command(), env, changed);
                case DiscoverySpec.OnDependencyChange.Restart restart -> restartInPlace(running.handle(), env, what);
            }
        }
    }

    /** The task's files as the latest set has them; null before any set reached the runner. */
    List<TaskFile> latestFiles() {
        return latestFiles;
    }

    /**
     * The task's files as the latest set has them (null: as last offered, once the task runs): a
     * version the task does not hold is written and told to it, on a virtual thread.
     */
    void offerFiles(List<TaskFile> latest) {
        List<TaskFile> files = latest != null ? latest : latestFiles;
        if (files == null) {
            return;
        }
        latestFiles = files;
        Map<String, Long> held = workspace.files.held();
        if (!workspace.files.isEmpty() && runner.running() != null && files.stream()
                .anyMatch(file -> !Long.valueOf(file.version()).equals(held.get(file.mount().source())))) {
            Thread.ofVirtual().name("files-" + task.id()).start(() -> filesChanged(files));
        }
    }

    /**
     * The assignment set brought {@code latest} for the task's secrets and configs: the files
     * whose version changed are rewritten in the task's tmpfs, its status reports the versions it
     * holds now, and its {@code on_dependency_change} policy tells it, as for a dependency change
     * (exec gets {@value #CHANGED_FILES_KEY}). Nothing while the task does not run (it starts with
     * what the launcher wrote; the runner offers the latest again once it runs).
     */
    void filesChanged(List<TaskFile> latest) {
        synchronized (actionLock) {
            TaskRunner.Running running = runner.running();
            if (running == null) {
                return;
            }
            List<TaskFile> changed;
            try {
                changed = workspace.files.update(latest);
            } catch (TaskFiles.Failure e) {
                log.warn("task {}: {}", task.id(), e.getMessage());
                runner.fail("cannot rotate its secrets and configs", e.getMessage());
                return;
            }
            if (changed.isEmpty()) {
                return;
            }
            String what = String.join(", ", changed.stream().map(TaskFiles::describe).distinct().toList());
            runner.runsStill(what + " written", runner.status().health());
            List<String> names = changed.stream().map(file -> file.mount().source()).distinct().toList();
            DependencyActions actions = new DependencyActions(task, workspace.directory, workspace.workingDir, log);
            switch (task.spec().discovery().onChange()) {
                case DiscoverySpec.OnDependencyChange.Ignore ignore ->
                        log.info("task {}: {} written (policy ignore: the task reads it when it will)", task.id(), what);
                case DiscoverySpec.OnDependencyChange.Signal signal -> actions.signal(running.handle(), signal.signal(), what);
                case DiscoverySpec.OnDependencyChange.Exec exec -> actions.exec(exec.command(), running.environment(),
                        Map.of(CHANGED_FILES_KEY, String.join(",", names)), what);
                case DiscoverySpec.OnDependencyChange.Restart restart ->
                        restartInPlace(running.handle(), running.environment(), what);
            }
        }
    }

    /**
     * Restarts the task's process with the new environment: same task, same ports, same
     * directory; the cluster sees it RUNNING throughout, with the new pid. A non-process task
     * (a container) is failed instead, so the orchestrator replaces it with the new values.
     */
    private void restartInPlace(TaskHandle running, Map<String, String> env, String what) {
        if (!TaskTemplate.PROCESS.equals(task.spec().driver())) {
            runner.fail(what + " changed", "restart: " + what + " changed");
            return;
        }
        if (!runner.restarting()) {
            return;
        }
        log.info("task {}: restarting, {} changed", task.id(), what);
        stopper.terminate(running);
        running.killAll();
        TaskHandle launched;
        try {
            if (workspace.mounts.isEmpty() && !task.spec().volumes().isEmpty()) {
                workspace.mountVolumes(); // adopted: this agent did not mount them yet
            }
            launched = context.drivers().get(task.spec().driver()).start(workspace.launch(workspace.program(), env));
        } catch (DriverException | TaskVolumes.MountFailure | RuntimeException e) {
            runner.restartFailed("restart after " + what + " changed failed: " + e.getMessage());
            return;
        }
        runner.restarted(launched, env, what);
    }
}
