package io.flotilla.cli;

import io.flotilla.agent.Agent;
import io.flotilla.agent.AgentConfig;
import io.flotilla.agent.HttpManagerChannel;
import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicReference;
import io.flotilla.model.api.TaskLogSource;

/**
 * One node running both roles in one process, as {@code flotilla dev} and {@code flotilla demo}
 * do: a manager (a one-peer Raft group on disk) and an agent that talks to it over the same HTTP
 * API a remote agent would use. No separate code path for the single-node case.
 */
public final class LocalNode implements AutoCloseable {
    private final Manager manager;
    private final Agent agent;
    private final String nodeId;

    private LocalNode(String nodeId, Manager manager, Agent agent) {
        this.nodeId = nodeId;
        this.manager = manager;
        this.agent = agent;
    }

    public static LocalNode start(Path dataDir, InetSocketAddress api, InetSocketAddress raft) throws IOException {
        Path data = dataDir.toAbsolutePath().normalize();
        String nodeId = NodeIdentity.loadOrCreate(data);
        if (raft == null) {
            raft = new InetSocketAddress(api.getAddress(), api.getPort() == 0 ? freePort(api.getAddress()) : api.getPort() + 1);
        }
        // The agent (which reads task logs) needs the API address the manager binds, so the
        // manager gets a log source that is filled in once the agent exists.
        AtomicReference<TaskLogSource> logs = new AtomicReference<>(TaskLogSource.NONE);
        TaskLogSource delegating = (task, tail, follow, out) -> logs.get().write(task, tail, follow, out);
        Manager manager = new Manager(new ManagerConfig(nodeId, data.resolve("manager"), api, raft, Duration.ofSeconds(3)),
                InstantSource.system(), delegating);
        manager.start();
        InetSocketAddress bound = manager.apiAddress();
        String address = bound.getAddress().getHostAddress();
        AgentConfig config = new AgentConfig(nodeId, hostname(), address, data.resolve("agent"),
                AgentConfig.detectResources(), AgentConfig.detectDrivers(), Duration.ofMillis(500));
        Agent agent = new Agent(config, new HttpManagerChannel(URI.create("http://" + address + ":" + bound.getPort())),
                InstantSource.system());
        logs.set(agent.logs());
        agent.start();
        return new LocalNode(nodeId, manager, agent);
    }

    public String nodeId() {
        return nodeId;
    }

    public InetSocketAddress apiAddress() {
        return manager.apiAddress();
    }

    public String apiHostPort() {
        InetSocketAddress a = manager.apiAddress();
        return a.getAddress().getHostAddress() + ":" + a.getPort();
    }

    /** Stops the agent and the manager. Tasks keep running; the next start on the same data dir adopts them. */
    @Override
    public void close() {
        agent.close();
        manager.close();
    }

    static String hostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }

    static int freePort(InetAddress address) throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, address)) {
            return socket.getLocalPort();
        }
    }

    public static InetSocketAddress parseAddress(String hostPort, int defaultPort) {
        String value = hostPort.strip();
        int colon = value.lastIndexOf(':');
        if (colon < 0 || value.endsWith("]")) {
            return new InetSocketAddress(value, defaultPort);
        }
        String host = value.substring(0, colon);
        if (host.startsWith("[") && host.endsWith("]")) {
            host = host.substring(1, host.length() - 1);
        }
        try {
            return new InetSocketAddress(host.isEmpty() ? "127.0.0.1" : host, Integer.parseInt(value.substring(colon + 1)));
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException("invalid address '" + hostPort + "': expected HOST:PORT");
        }
    }
}
