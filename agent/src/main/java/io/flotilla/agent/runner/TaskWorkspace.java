package io.flotilla.agent.runner;

import io.flotilla.agent.driver.HostMount;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.Fencing;
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
 * mounted volumes and its environment. Filled while the task prepares (or from the record of an
 * adopted task), the base of every launch of its process, and given back once the task has
 * ended. The runner that owns it decides when each field changes; the environment is guarded by
 * the runner's lock once the task runs.
 */
final class TaskWorkspace {
    final TaskDirectory directory;
    /** How the manager wired the task into the cluster (or the record of an adopted task said). */
    final Assignment assignment;
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
        environment = TaskEnvironment.build(task, assignment, context.nodeId(), context.nodeAddress(),
                record.hostPorts(), context.hostEnvironment());
        context.ports().hold(record.hostPorts().values());
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

    /** The task has ended with {@code last}: gives back its host ports and volumes, and records its final status. */
    void ended(TaskStatus last) {
        context.ports().release(hostPorts.values());
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
