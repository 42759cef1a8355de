package io.flotilla.agent.runner;

import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.agent.volume.GlusterDefaults;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.agent.volume.VolumeDrivers;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.Map;

/**
 * What every task runner of an agent shares.
 *
 * @param nodeAddress     the address this node's tasks are reached at (FLOTILLA_ADDRESS)
 * @param drivers         driver name → driver; a task whose driver is missing is rejected
 * @param hostEnvironment the agent's environment, of which a task inherits only a few variables
 * @param volumes         provides the tasks' named volumes (this node's volume drivers)
 * @param filesTmpfs      mounts the tmpfs of each task's secrets and configs (as the agent by default)
 */
public record TaskRunnerContext(String nodeId, String nodeAddress, Path dataDir, Map<String, Driver> drivers, PortAllocator ports,
                                Map<String, String> hostEnvironment, InstantSource clock,
                                TaskStatusListener listener, TaskVolumes volumes, FilesTmpfs filesTmpfs) {
    public TaskRunnerContext {
        filesTmpfs = filesTmpfs != null ? filesTmpfs : FilesTmpfs.SYSTEM;
        drivers = Map.copyOf(drivers);
        hostEnvironment = Map.copyOf(hostEnvironment);
        volumes = volumes != null ? volumes
                : new TaskVolumes(VolumeDrivers.standard(dataDir, GlusterDefaults.of(null, null, hostEnvironment)));
    }

    /** Mounting the tasks' secrets as the agent. */
    public TaskRunnerContext(String nodeId, String nodeAddress, Path dataDir, Map<String, Driver> drivers,
                             PortAllocator ports, Map<String, String> hostEnvironment, InstantSource clock,
                             TaskStatusListener listener, TaskVolumes volumes) {
        this(nodeId, nodeAddress, dataDir, drivers, ports, hostEnvironment, clock, listener, volumes, null);
    }

    /** With the standard volume drivers on {@code dataDir} and the Gluster defaults of {@code hostEnvironment}. */
    public TaskRunnerContext(String nodeId, String nodeAddress, Path dataDir, Map<String, Driver> drivers,
                             PortAllocator ports, Map<String, String> hostEnvironment, InstantSource clock,
                             TaskStatusListener listener) {
        this(nodeId, nodeAddress, dataDir, drivers, ports, hostEnvironment, clock, listener, null, null);
    }
}
