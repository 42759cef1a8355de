package io.flotilla.agent.runner;

import io.flotilla.agent.driver.Driver;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;

/**
 * What every task runner of an agent shares.
 *
 * @param nodeAddress     the address this node's tasks are reached at (FLOTILLA_ADDRESS)
 * @param drivers         driver name → driver; a task whose driver is missing is rejected
 * @param hostEnvironment the agent's environment, of which a task inherits only a few variables
 */
public record TaskRunnerContext(String nodeId, String nodeAddress, Path dataDir, Map<String, Driver> drivers, PortAllocator ports,
                                Map<String, String> hostEnvironment, InstantSource clock,
                                TaskStatusListener listener) {
    public TaskRunnerContext {
        drivers = Map.copyOf(drivers);
        hostEnvironment = Map.copyOf(hostEnvironment);
    }
}
