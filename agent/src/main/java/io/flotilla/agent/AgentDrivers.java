package io.flotilla.agent;

import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.ProcessDriver;
import io.flotilla.agent.driver.ProcessNetworks;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.agent.driver.docker.DockerDriver;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.TaskLogSource;
import java.time.InstantSource;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The drivers an agent offers, from the names its configuration asks for: the process driver
 * always, the Docker driver only while a Docker daemon answers, and no driver this agent does not
 * have built in. What it does not offer it says why, once, at start.
 */
final class AgentDrivers {
    /** Logs as the agent: one category for the node's trace. */
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private AgentDrivers() {}

    /**
     * By name; {@code diskLogs} is the agent's own log source (the Docker driver reads a removed container's output
     * there), {@code clusterImages} where it loads the images the cluster built and stores.
     */
    static Map<String, Driver> available(AgentConfig config, InstantSource clock, TaskLogSource diskLogs,
                                         io.flotilla.agent.driver.docker.ClusterImages clusterImages) {
        Map<String, Driver> drivers = new HashMap<>();
        for (String name : config.drivers()) {
            if (name.equals(TaskTemplate.PROCESS)) {
                String missing = ProcessNetworks.missingPrivilege();
                drivers.put(name, new ProcessDriver(clock, missing == null ? ProcessNetworks.host(config.dnsDomain(), config.dataDir()) : null,
                        missing));
                if (missing != null) {
                    log.info("process driver: tasks on networks are rejected: {}", missing);
                }
            } else if (name.equals(TaskTemplate.DOCKER)) {
                Optional<DockerDaemon> daemon = DockerDaemon.connect();
                if (daemon.isPresent()) {
                    drivers.put(name, new DockerDriver(daemon.get(), config.nodeId(), config.address(), config.dataDir(),
                            clock, diskLogs, config.dnsDomain(), clusterImages));
                    log.info("docker driver: daemon at {}", daemon.get().host());
                } else {
                    log.warn("driver 'docker': no Docker daemon answers (DOCKER_HOST or /var/run/docker.sock); not offering it");
                }
            } else {
                log.warn("driver '{}' is not built into this agent; not offering it", name);
            }
        }
        return Map.copyOf(drivers);
    }
}
