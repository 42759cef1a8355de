package io.flotilla.agent.runner;

import io.flotilla.agent.driver.HostMount;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.agent.files.TaskFiles;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.Assignment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.slf4j.Logger;

/**
 * What one task holds on this node: its directory and working directory, its host ports, its
 * mounted volumes, its secrets and configs ({@link TaskFiles}) and its environment. Filled while the task prepares (or from the record of an
 * adopted task), the base of every launch of its process, and given back once the task has
 * ended. The runner that owns it decides when each field changes; the environment is guarded by
 * the runner's lock once the task runs.
 */
final class TaskWorkspace {
    final TaskDirectory directory;
    /** How the manager wired the task into the cluster (or the record of an adopted task said). */
    final Assignment assignment;
    /** The task's secrets and configs, in their tmpfs. */
    final TaskFiles files;
    private final Task task;
    private final TaskRunnerContext context;
    private final Logger log;
    Path workingDir;
    Map<String, Integer> hostPorts = Map.of();
    Map<String, String> environment = Map.of();
    volatile List<HostMount> mounts = List.of();

    TaskWorkspace(Task task, Assignment assignment, TaskRunnerContext context, Logger log) {
        this.task = task;
        this.assignment = assignment;
        this.context = context;
        this.log = log;
        this.directory = TaskDirectory.of(context.dataDir(), task.id());
        this.files = TaskFiles.of(task, directory, context.filesTmpfs());
        // A container's working_dir is a path inside the container, not on this host.
        this.workingDir = task.spec().workingDir() != null && TaskTemplate.PROCESS.equals(task.spec().driver())
                ? Path.of(task.spec().workingDir()) : directory.defaultWorkingDir();
    }

    /** Takes over what an earlier agent set up for a task that still runs. */
    void adopt(TaskRecord record) {
        hostPorts = record.hostPorts();
        if (record.workingDir() != null) {
            workingDir = Path.of(record.workingDir());
        }
        environment = baseEnvironment(record.hostPorts());
        context.ports().hold(record.hostPorts().values());
        files.adopt(assignment.files()); // its tmpfs outlived the agent, as the task did: nothing to rewrite
    }

    /** The task's own environment ({@link TaskEnvironment}) and, for a process task with files, {@link TaskFiles#DIRECTORY_VARIABLE}. */
    Map<String, String> baseEnvironment(Map<String, Integer> ports) {
        Map<String, String> env = new LinkedHashMap<>(TaskEnvironment.build(task, assignment, context.nodeId(),
                context.nodeAddress(), ports, context.hostEnvironment()));
        env.putAll(files.environment());
        return env;
    }

    /**
     * Writes the task's secrets and configs into their tmpfs, before it starts: {@code latest}, the
     * versions of the newest set (null: the assignment's), so a rotation while it waited to start
     * is already in.
     */
    void writeFiles(List<io.flotilla.model.api.TaskFile> latest) throws TaskFiles.Failure {
        files.write(latest != null ? latest : assignment.files());
    }

    /** Provides the task's volumes on this node. */
    void mountVolumes() throws TaskVolumes.MountFailure {
        mounts = context.volumes().acquire(task, assignment, directory);
    }

    /** The task's entrypoint and command, in exec form. */
    List<String> program() {
        List<String> program = new ArrayList<>(task.spec().entrypoint());
        program.addAll(task.spec().command());
        return program;
    }

    /** What a driver needs to start {@code program} with {@code env}; a fenced task also gets the lease file. */
    TaskLaunch launch(List<String> program, Map<String, String> env) {
        List<HostMount> fileMounts = files.containerMounts();
        List<HostMount> mounts = this.mounts;
        if (!fileMounts.isEmpty()) {
            mounts = new ArrayList<>(mounts);
            mounts.addAll(fileMounts);
        }
        if (!assignment.fenced()) {
            return new TaskLaunch(task, assignment, directory, program, env, workingDir, hostPorts, mounts, null);
        }
        Map<String, String> fencedEnv = new LinkedHashMap<>(env);
        fencedEnv.put(Fencing.LEASE_FILE_VARIABLE, leaseFile().toAbsolutePath().toString());
        return new TaskLaunch(task, assignment, directory, program, fencedEnv, workingDir, hostPorts, mounts, leaseFile());
    }

    Path leaseFile() {
        return Fencing.leaseFile(context.dataDir());
    }

    /**
     * The task has ended with {@code last}: gives back its host ports and volumes, removes its
     * secrets and configs (their tmpfs), and records its final status.
     */
    void ended(TaskStatus last) {
        context.ports().release(hostPorts.values());
        if (!files.isEmpty()) {
            try {
                files.remove();
            } catch (IOException e) {
                log.warn("task {}: cannot remove its secrets and configs now (the janitor retries): {}", task.id(),
                        e.getMessage());
            }
        }
        if (!mounts.isEmpty()) {
            context.volumes().release(task, assignment);
        }
        if (Files.isDirectory(directory.root())) {
            try {
                directory.writeFinalStatus(last);
            } catch (IOException e) {
                log.warn("task {}: cannot record its final status: {}", task.id(), e.getMessage());
            }
        }
    }
}
