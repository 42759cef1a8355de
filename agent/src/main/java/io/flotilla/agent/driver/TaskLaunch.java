package io.flotilla.agent.driver;

import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a driver needs to start one task: the agent has already picked host ports and built
 * the environment, so a driver only runs it.
 *
 * @param assignment  how the manager wired the task (its ports, fencing, dependencies, volumes)
 * @param program     entrypoint + command, in exec form
 * @param environment the task's complete environment (nothing else is inherited)
 * @param mounts      the task's volumes, bind mounts and tmpfs as resolved on this node (volume
 *                    drivers have provided the named volumes' directories already)
 * @param leaseFile   for a fenced task, the node's lease file its watchdog reads; null otherwise
 */
public record TaskLaunch(Task task, Assignment assignment, TaskDirectory directory, List<String> program, Map<String, String> environment,
                         Path workingDir, Map<String, Integer> hostPorts, List<HostMount> mounts, Path leaseFile) {
    public TaskLaunch {
        assignment = assignment == null ? Assignment.NONE : assignment;
        program = List.copyOf(program);
        environment = Map.copyOf(environment);
        hostPorts = Map.copyOf(hostPorts);
        mounts = mounts == null ? List.of() : List.copyOf(mounts);
    }

    /** A task without mounts and without fencing. */
    public TaskLaunch(Task task, Assignment assignment, TaskDirectory directory, List<String> program,
                      Map<String, String> environment, Path workingDir, Map<String, Integer> hostPorts) {
        this(task, assignment, directory, program, environment, workingDir, hostPorts, List.of(), null);
    }
}
