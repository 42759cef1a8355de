package io.flotilla.node;

import io.flotilla.agent.Agent;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.HttpManagerChannel;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.node.metrics.NodeMetrics;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;

/**
 * Starts the parts of one {@link LocalNode} in this process: its manager first when the node is one
 * (the agent needs the API address it binds), then its agent, with a channel to every manager it
 * knows, all metering into one {@link NodeMetrics}. When the agent cannot start, the manager and
 * the meters are closed again.
 */
final class NodeLaunch {
    private NodeLaunch() {}

    static LocalNode run(String nodeId, Path data, ManagerConfig managerConfig, String address,
                         List<String> knownManagers, io.flotilla.security.NodeTls tls, boolean overlay,
                         String dnsDomain) throws IOException {
        // Clients in this process (demo, benchmarks) use this node's directory unless told otherwise.
        io.flotilla.client.ClientTls.offerDirectory(tls.directory().path());
        // The agent (which reads task logs) needs the API address the manager binds, so the
        // manager gets a log source that is filled in once the agent exists.
        AtomicReference<TaskLogSource> logs = new AtomicReference<>(TaskLogSource.NONE);
        TaskLogSource delegating = (task, tail, follow, out) -> logs.get().write(task, tail, follow, out);
        Manager manager = null;
        Set<String> managers = new LinkedHashSet<>();
        String apiHostPort = null;
        NodeMetrics metrics = new NodeMetrics();
        if (managerConfig != null) {
            manager = new Manager(managerConfig, InstantSource.system(), delegating,
                    io.flotilla.manager.ManagerTuning.defaults(), metrics.registry());
            manager.start();
            InetSocketAddress bound = manager.apiAddress();
            address = bound.getAddress().getHostAddress();
            apiHostPort = address + ":" + bound.getPort();
            managers.add(apiHostPort);
        }
        managers.addAll(knownManagers);
        try {
            AgentConfig config = agentConfig(nodeId, address, data, overlay, dnsDomain);
            HttpManagerChannel channel = new HttpManagerChannel(new ArrayList<>(managers), tls.context(),
                    tls.directory().caCertificate());
            Agent agent = new Agent(config, channel, InstantSource.system(), metrics.registry());
            logs.set(agent.logs());
            agent.start();
            return new LocalNode(nodeId, manager, agent, channel, apiHostPort, tls,
                    NodeCredentials.renewer(tls, channel::managers), metrics);
        } catch (RuntimeException e) {
            if (manager != null) {
                manager.close();
            }
            metrics.close();
            throw e;
        }
    }

    /**
     * The node's agent: on this machine's resources and drivers, under {@code <data>/agent}, with the
     * node's {@code --overlay} and DNS domain (null: the default), which it has no other way to know.
     */
    static AgentConfig agentConfig(String nodeId, String address, Path data, boolean overlay, String dnsDomain) {
        return new AgentConfig(nodeId, NodeAddresses.hostname(), address, data.resolve("agent"),
                AgentConfig.detectResources(), AgentConfig.detectDrivers(), LocalNode.HEARTBEAT_INTERVAL,
                io.flotilla.agent.volume.GlusterDefaults.load(data.resolve("agent"), System.getenv()))
                .withOverlay(overlay).withDnsDomain(dnsDomain);
    }
}
