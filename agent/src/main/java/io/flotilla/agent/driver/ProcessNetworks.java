package io.flotilla.agent.driver;

import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskNetwork;
import io.flotilla.network.CommandFailedException;
import io.flotilla.network.Commands;
import io.flotilla.network.NetworkPlan;
import io.flotilla.network.OverlayDataPlane;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The network namespace of a process task on overlay networks (docs/networks.md, "Tasks"): named
 * {@code fl-<first 12 characters of the task id>}, joined to each of the task's networks through
 * the data plane ({@link OverlayDataPlane#attach}: a veth into the network's bridge with the task's
 * address, its MAC, the default route via the first network's gateway), with its resolver in
 * {@code /etc/netns/<namespace>/resolv.conf} (the node's DNS on the first gateway, search
 * {@code <stack>.<domain>}), which {@code ip netns exec} bind-mounts over {@code /etc/resolv.conf}
 * for the task. The shim starts the task through {@link #execPrefix}; the namespace is removed when
 * the task ends ({@link #leave}).
 *
 * <p>The bridges are the node's: its data plane makes them from the session's networks. A task may
 * be started a moment before that pass, so joining waits up to {@link #BRIDGE_WAIT} for each bridge.
 */
public final class ProcessNetworks {
    private static final Logger log = LoggerFactory.getLogger(ProcessNetworks.class);
    /** How long a task waits for its network's bridge to appear on this node. */
    static final Duration BRIDGE_WAIT = Duration.ofSeconds(10);
    private static final String PREFIX = "fl-";

    private final OverlayDataPlane dataPlane;
    private final Commands commands;
    private final Path etcNetns;
    private final String domain;
    /** One file per namespace this agent made, named by it, holding its task id; null: not kept. */
    private final Path owned;

    /**
     * @param commands where the networks' bridges are ({@link Commands#host()} on a node; a test's own
     *                 namespace in tests); the task namespaces themselves are always named ones
     * @param etcNetns {@code /etc/netns}, where {@code ip netns exec} finds a namespace's files
     * @param domain   the cluster's DNS domain
     */
    public ProcessNetworks(Commands commands, Path etcNetns, String domain) {
        this(commands, etcNetns, domain, null);
    }

    /**
     * @param owned where the agent notes each namespace it makes (a directory in its data
     *              directory), so that {@link #collect} removes only its own: other agents on the
     *              machine make {@code fl-} namespaces too (several loopback nodes on one host)
     */
    public ProcessNetworks(Commands commands, Path etcNetns, String domain, Path owned) {
        this.commands = commands;
        this.dataPlane = new OverlayDataPlane(commands);
        this.etcNetns = etcNetns;
        this.domain = domain;
        this.owned = owned;
    }

    /** On this node's own namespace, with {@code /etc/netns}, noting its namespaces under {@code dataDir/netns}. */
    public static ProcessNetworks host(String domain, Path dataDir) {
        return new ProcessNetworks(Commands.host(), Path.of("/etc/netns"), domain, dataDir.resolve("netns"));
    }

    /**
     * The janitor's pass: removes every namespace this agent made whose task is not in
     * {@code keep} (one left by an agent killed between making it and the task's end, or whose
     * task ended while the agent was down). Namespaces it did not make are never touched.
     *
     * @return the task ids whose namespaces were removed
     */
    public List<String> collect(java.util.Set<String> keep) {
        List<String> removed = new ArrayList<>();
        if (owned == null || !Files.isDirectory(owned)) {
            return removed;
        }
        try (Stream<Path> files = Files.list(owned)) {
            for (Path file : files.sorted().toList()) {
                String taskId = Files.readString(file).strip();
                if (!taskId.isEmpty() && !keep.contains(taskId)) {
                    log.info("task {}: removing its network namespace {}, left behind", taskId, file.getFileName());
                    leave(taskId);
                    removed.add(taskId);
                }
            }
        } catch (IOException e) {
            log.warn("cannot read the agent's namespaces in {}: {}", owned, e.getMessage());
        }
        return removed;
    }

    /** Notes a namespace as this agent's before it exists, so that a crash right after leaves a trace. */
    private void own(String namespace, String taskId) throws IOException {
        if (owned != null) {
            Files.createDirectories(owned);
            Files.writeString(owned.resolve(namespace), taskId + "\n");
        }
    }

    /** Null when this agent can give process tasks network namespaces; else what is missing. */
    public static String missingPrivilege() {
        long uid = ProcessMounts.uid();
        if (uid != 0) {
            return "the agent runs as uid " + uid + ", not root (a process task on networks gets its own network"
                    + " namespace)";
        }
        if (!Files.isExecutable(Path.of(ProcessDriver.executable("ip")))) {
            return "ip is not installed (iproute2)";
        }
        return null;
    }

    /**
     * Whether the task runs in a namespace of its own: it has overlay networks (and no
     * {@code network_mode}), or {@code network_mode: none} (a namespace with only {@code lo}).
     */
    public static boolean applies(Task task, Assignment assignment) {
        String mode = task.spec().networkMode();
        return mode == null ? !assignment.networks().isEmpty() : mode.equals(TaskTemplate.NO_NETWORK);
    }

    /** {@code fl-} and the task id's first 12 characters (ids are 25 random letters and digits). */
    public static String namespace(String taskId) {
        String safe = taskId.replaceAll("[^A-Za-z0-9_.-]", "_");
        return PREFIX + safe.substring(0, Math.min(12, safe.length()));
    }

    /** What the shim puts before the program: the program starts inside the namespace. */
    public static List<String> execPrefix(String namespace) {
        return List.of(ProcessDriver.executable("ip"), "netns", "exec", namespace);
    }

    /**
     * Makes the task's namespace, joined to every network of the assignment, with its resolver.
     * On failure nothing is left.
     *
     * @return the namespace's name
     */
    public String join(Task task, Assignment assignment) throws DriverException {
        String namespace = namespace(task.id());
        try {
            own(namespace, task.id());
            if (TaskTemplate.NO_NETWORK.equals(task.spec().networkMode())) {
                if (!Files.exists(Path.of("/var/run/netns", namespace))) {
                    commands.run("ip", "netns", "add", namespace);
                }
                commands.run("ip", "-n", namespace, "link", "set", "dev", "lo", "up");
                return namespace;
            }
            for (TaskNetwork network : assignment.networks()) {
                awaitBridge(network);
                dataPlane.attach(namespace, plan(network), network.address());
            }
            Path directory = etcNetns.resolve(namespace);
            Files.createDirectories(directory);
            Files.writeString(directory.resolve("resolv.conf"), resolvConf(assignment, domain));
            return namespace;
        } catch (IOException | RuntimeException e) {
            leave(task.id());
            throw new DriverException("cannot attach the task to its networks: " + e.getMessage(), e);
        }
    }

    /** Removes the task's namespace (its veths go with it) and its files; quiet when already gone. */
    public void leave(String taskId) {
        String namespace = namespace(taskId);
        try {
            dataPlane.remove(namespace);
        } catch (RuntimeException e) {
            log.warn("task {}: cannot remove its network namespace {}: {}", taskId, namespace, e.getMessage());
        }
        Path directory = etcNetns.resolve(namespace);
        if (Files.exists(directory)) {
            try (Stream<Path> files = Files.walk(directory)) {
                for (Path file : files.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(file);
                }
            } catch (IOException e) {
                log.warn("task {}: cannot remove {}: {}", taskId, directory, e.getMessage());
            }
        }
        if (owned != null && !Files.exists(Path.of("/var/run/netns", namespace))) { // else the next pass tries again
            try {
                Files.deleteIfExists(owned.resolve(namespace));
            } catch (IOException e) {
                log.warn("task {}: cannot forget its namespace {}: {}", taskId, namespace, e.getMessage());
            }
        }
    }

    /** {@code nameserver <first gateway>}, {@code search <stack>.<domain>} (none outside a stack). */
    static String resolvConf(Assignment assignment, String domain) {
        List<String> lines = new ArrayList<>();
        lines.add("# Flotilla: the node's DNS on the task's first network");
        lines.add("nameserver " + assignment.networks().getFirst().gateway());
        if (assignment.stack() != null && !assignment.stack().isBlank()) {
            lines.add("search " + assignment.stack() + "." + domain);
        }
        return String.join("\n", lines) + "\n";
    }

    /** What attach needs of a network: its bridge, subnet and gateway (the node's plan has the rest). */
    static NetworkPlan plan(TaskNetwork network) {
        return new NetworkPlan(network.network(), network.vni(), network.subnet(), network.gateway(),
                network.internal(), List.of(), List.of());
    }

    private void awaitBridge(TaskNetwork network) {
        long deadline = System.nanoTime() + BRIDGE_WAIT.toNanos();
        while (true) {
            try {
                commands.run("ip", "-j", "link", "show", "dev", network.bridge());
                return;
            } catch (CommandFailedException e) {
                if (System.nanoTime() > deadline) {
                    throw new IllegalStateException("network " + network.network() + " has no bridge "
                            + network.bridge() + " on this node after " + BRIDGE_WAIT.toSeconds() + " s");
                }
            }
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("interrupted while waiting for bridge " + network.bridge());
            }
        }
    }
}
