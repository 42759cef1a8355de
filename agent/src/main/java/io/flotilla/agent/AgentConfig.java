package io.flotilla.agent;

import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.agent.volume.GlusterDefaults;
import io.flotilla.model.Checks;
import io.flotilla.model.Resources;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.lang.management.ManagementFactory;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Objects;
import java.util.Set;

/**
 * How one agent runs.
 *
 * @param address           the address tasks listen on and are reached at (host ports are picked on it)
 * @param dataDir           where task directories live ({@code <dataDir>/tasks/<id>}); survives agent restarts
 * @param resources         what the node offers; see {@link #detectResources()}
 * @param drivers           the drivers to offer ({@code process}, {@code docker}: offered only if a daemon answers);
 *                          default {@code [process]}; see {@link #detectDrivers()}
 * @param heartbeatInterval how often the agent reports even when nothing changed; default 500 ms
 * @param gluster           the node's GlusterFS defaults for volumes whose driver_opts do not name
 *                          servers or volume; default from {@code FLOTILLA_GLUSTER_SERVERS/_VOLUME}
 * @param dnsDomain         the cluster's DNS domain as the node's DNS server answers it (default
 *                          {@value #DEFAULT_DNS_DOMAIN}): a task on overlay networks gets
 *                          {@code <stack>.<dnsDomain>} as its resolver's search domain. The node
 *                          passes its own; the agent has no other way to know it
 * @param overlay           the node runs the overlay's data plane ({@code --overlay}): tasks join their
 *                          networks. Without it a task runs as before networks existed (a container on
 *                          Docker's default bridge, a process task on the host's network), with a
 *                          warning: its networks would have no bridge, VXLAN device or DNS on this node
 */
public record AgentConfig(String nodeId, String hostname, String address, Path dataDir, Resources resources,
                          Set<String> drivers, Duration heartbeatInterval, GlusterDefaults gluster, String dnsDomain,
                          boolean overlay) {
    public static final Duration DEFAULT_HEARTBEAT_INTERVAL = Duration.ofMillis(500);
    /** The DNS server's default domain ({@code DnsConfig.DEFAULT_DOMAIN} in discovery). */
    public static final String DEFAULT_DNS_DOMAIN = "flotilla";

    public AgentConfig {
        Checks.requireText(nodeId, "node id");
        Objects.requireNonNull(dataDir, "dataDir");
        hostname = hostname == null ? localHostname() : hostname;
        address = address == null ? "127.0.0.1" : address;
        resources = resources == null ? Resources.NONE : resources;
        drivers = drivers == null || drivers.isEmpty() ? Set.of(TaskTemplate.PROCESS) : Set.copyOf(drivers);
        heartbeatInterval = heartbeatInterval == null ? DEFAULT_HEARTBEAT_INTERVAL : heartbeatInterval;
        if (heartbeatInterval.isNegative() || heartbeatInterval.isZero()) {
            throw new IllegalArgumentException("heartbeat interval must be positive");
        }
        gluster = gluster == null ? GlusterDefaults.of(null, null, System.getenv()) : gluster;
        dnsDomain = dnsDomain == null || dnsDomain.isBlank() ? DEFAULT_DNS_DOMAIN : dnsDomain.strip();
        if (dnsDomain.endsWith(".")) {
            dnsDomain = dnsDomain.substring(0, dnsDomain.length() - 1);
        }
    }

    public AgentConfig(String nodeId, String hostname, String address, Path dataDir, Resources resources,
                       Set<String> drivers, Duration heartbeatInterval, GlusterDefaults gluster, String dnsDomain) {
        this(nodeId, hostname, address, dataDir, resources, drivers, heartbeatInterval, gluster, dnsDomain, false);
    }

    public AgentConfig(String nodeId, String hostname, String address, Path dataDir, Resources resources,
                       Set<String> drivers, Duration heartbeatInterval, GlusterDefaults gluster) {
        this(nodeId, hostname, address, dataDir, resources, drivers, heartbeatInterval, gluster, null);
    }

    public AgentConfig(String nodeId, String hostname, String address, Path dataDir, Resources resources,
                       Set<String> drivers, Duration heartbeatInterval) {
        this(nodeId, hostname, address, dataDir, resources, drivers, heartbeatInterval, null);
    }

    public AgentConfig withGluster(GlusterDefaults defaults) {
        return new AgentConfig(nodeId, hostname, address, dataDir, resources, drivers, heartbeatInterval, defaults,
                dnsDomain, overlay);
    }

    public AgentConfig withDnsDomain(String domain) {
        return new AgentConfig(nodeId, hostname, address, dataDir, resources, drivers, heartbeatInterval, gluster,
                domain, overlay);
    }

    public AgentConfig withOverlay(boolean on) {
        return new AgentConfig(nodeId, hostname, address, dataDir, resources, drivers, heartbeatInterval, gluster,
                dnsDomain, on);
    }

    /** {@code process}, and {@code docker} when a Docker daemon answers (DOCKER_HOST or the default socket). */
    public static Set<String> detectDrivers() {
        return DockerDaemon.reachable() ? Set.of(TaskTemplate.PROCESS, TaskTemplate.DOCKER) : Set.of(TaskTemplate.PROCESS);
    }

    /** This machine: every processor (as 10^9 nano-CPUs each) and its total memory. */
    public static Resources detectResources() {
        long nanoCpus = Runtime.getRuntime().availableProcessors() * 1_000_000_000L;
        return new Resources(nanoCpus, totalMemoryBytes(), 0);
    }

    static long totalMemoryBytes() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/meminfo"))) {
                if (line.startsWith("MemTotal:")) {
                    String[] parts = line.trim().split("\\s+");
                    return Long.parseLong(parts[1]) * 1024;
                }
            }
        } catch (IOException | RuntimeException e) {
            // fall through to the JVM's view
        }
        if (ManagementFactory.getOperatingSystemMXBean() instanceof com.sun.management.OperatingSystemMXBean os) {
            return os.getTotalMemorySize();
        }
        return 0;
    }

    private static String localHostname() {
        try {
            return InetAddress.getLocalHost().getHostName();
        } catch (IOException e) {
            return "localhost";
        }
    }
}
