package io.flotilla.agent.driver;

import io.flotilla.model.Task;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;

/**
 * Everything a driver needs to start one task: the agent has already picked host ports and built
 * the environment, so a driver only runs it.
 *
 * @param program     entrypoint + command, in exec form
 * @param environment the task's complete environment (nothing else is inherited)
 */
public record TaskLaunch(Task task, TaskDirectory directory, List<String> program, Map<String, String> environment,
                         Path workingDir, Map<String, Integer> hostPorts) {
    public TaskLaunch {
        program = List.copyOf(program);
        environment = Map.copyOf(environment);
        hostPorts = Map.copyOf(hostPorts);
    }
}
