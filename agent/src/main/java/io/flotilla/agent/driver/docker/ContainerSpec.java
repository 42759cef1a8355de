package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.command.CreateContainerCmd;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import java.util.List;
import java.util.Map;

/**
 * Everything the driver asks the daemon for when it creates a task's container: made by
 * {@link ContainerSpecMapper} without a daemon, applied to a {@link CreateContainerCmd} by
 * {@link #applyTo}. Null fields are left to the image (its entrypoint, command, user…).
 *
 * @param stopTimeout seconds the daemon waits after the stop signal on {@code docker stop}
 * @param networking  its networks (HostConfig already carries the mode and DNS; the address on
 *                    the first overlay is set here, the others are connected by the driver)
 */
public record ContainerSpec(String name, String image, List<String> entrypoint, List<String> command,
                            List<String> environment, Map<String, String> labels, String workingDir, String user,
                            String hostname, List<ExposedPort> exposedPorts, HealthCheck healthcheck,
                            String stopSignal, Integer stopTimeout, HostConfig hostConfig,
                            ContainerNetworking networking) {
    public CreateContainerCmd applyTo(CreateContainerCmd command) {
        command.withName(name).withEnv(environment).withLabels(labels).withHostConfig(hostConfig)
                .withStopSignal(stopSignal).withStopTimeout(stopTimeout);
        if (entrypoint != null) {
            command.withEntrypoint(entrypoint);
        }
        if (this.command != null) {
            command.withCmd(this.command);
        }
        if (workingDir != null) {
            command.withWorkingDir(workingDir);
        }
        if (user != null) {
            command.withUser(user);
        }
        if (hostname != null) {
            command.withHostName(hostname);
        }
        if (!exposedPorts.isEmpty()) {
            command.withExposedPorts(exposedPorts);
        }
        if (healthcheck != null) {
            command.withHealthcheck(healthcheck);
        }
        if (networking.ipv4Address() != null) {
            command.withIpv4Address(networking.ipv4Address());
        }
        return command;
    }
}
