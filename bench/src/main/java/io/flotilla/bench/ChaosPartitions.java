package io.flotilla.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Real network partitions between node processes that share the loopback interface. Each node's
 * JVM starts in a cgroup of its own on the cgroup v2 hierarchy ({@link #wrap}), its task
 * processes inherit it, and a partition is a set of iptables rules in a chain of this run, jumped
 * to from {@code OUTPUT}: {@code -m cgroup --path <node's cgroup> -d <other node> -j DROP}, both
 * ways. Every packet a node sends to a node on the other side is dropped by the kernel, whatever
 * the source address its sockets picked (on loopback every packet is sent locally, so OUTPUT sees
 * them all). Processes outside these cgroups (the run's clients) still reach every node: as in
 * Jepsen, the partition is between the nodes, not between the clients and the nodes.
 *
 * <p>Needs root, iptables with the {@code cgroup} match and a cgroup v2 hierarchy (alone, or the
 * {@code unified} one of a hybrid set-up); {@link #open} fails with what is missing.
 */
final class ChaosPartitions implements AutoCloseable {
    private final Path root;
    private final String group;
    private final String chain;
    private final List<String> isolated = new ArrayList<>();

    /** This machine cannot partition: no cgroup v2 hierarchy, no iptables, or not root. */
    static final class Unavailable extends IOException {
        Unavailable(String message, Throwable cause) {
            super(message, cause);
        }
    }

    private ChaosPartitions(Path root, String group, String chain) {
        this.root = root;
        this.group = group;
        this.chain = chain;
    }

    /** Creates this run's cgroup and its empty iptables chain, jumped to first from OUTPUT. */
    static ChaosPartitions open() throws IOException, InterruptedException {
        Path root = cgroup2Root();
        String group = "flotilla-chaos-" + ProcessHandle.current().pid();
        try {
            Files.createDirectories(root.resolve(group));
        } catch (IOException e) {
            throw new Unavailable("partitions need root: cannot create the cgroup " + root.resolve(group) + ": " + e, e);
        }
        String chain = "FLCHAOS-" + ProcessHandle.current().pid();
        ChaosPartitions partitions = new ChaosPartitions(root, group, chain);
        try {
            iptables("-N", chain);
            // the cgroup match must be there (xt_cgroup): a rule that matches nothing, tried once
            iptables("-A", chain, "-m", "cgroup", "--path", group, "-d", "127.255.255.254", "-j", "DROP");
            iptables("-F", chain);
            iptables("-I", "OUTPUT", "1", "-j", chain);
        } catch (IOException e) {
            partitions.close();
            throw new Unavailable("partitions need root and iptables with the cgroup match: " + e.getMessage(), e);
        }
        return partitions;
    }

    /**
     * The command that runs {@code command} in the cgroup of the node at {@code address}: a shell
     * that moves itself there and then becomes the command (same pid), so that even the JVM's
     * first socket belongs to the node.
     */
    List<String> wrap(String address, List<String> command) throws IOException {
        Path dir = Files.createDirectories(root.resolve(group).resolve(address));
        List<String> wrapped = new ArrayList<>(List.of("/bin/sh", "-c",
                "echo $$ > '" + dir.resolve("cgroup.procs") + "' && exec \"$@\"", "flotilla-node"));
        wrapped.addAll(command);
        return wrapped;
    }

    /** Drops every packet between the node at {@code address} and each of {@code others}, both ways. */
    synchronized void isolate(String address, Collection<String> others) throws IOException, InterruptedException {
        isolate(List.of(address), others);
    }

    /**
     * Drops every packet between each node of {@code side} and each of {@code all} not on that side,
     * both ways: the side's nodes still reach each other.
     */
    synchronized void isolate(List<String> side, Collection<String> all) throws IOException, InterruptedException {
        for (String address : side) {
            for (String other : all) {
                if (!side.contains(other)) {
                    drop(address, other);
                    drop(other, address);
                }
            }
        }
        isolated.addAll(side);
    }

    /** Ends every partition: the chain is emptied, every node reaches every other again. */
    synchronized void heal() throws IOException, InterruptedException {
        iptables("-F", chain);
        isolated.clear();
    }

    /** The nodes isolated now (for a report). */
    synchronized List<String> isolated() {
        return List.copyOf(isolated);
    }

    /**
     * Removes the chain and its jump and the cgroups (once their processes are gone: call it after
     * the nodes ended). Best effort: what cannot be removed is left and said on stderr.
     */
    @Override
    public synchronized void close() {
        try {
            iptables("-D", "OUTPUT", "-j", chain);
        } catch (IOException | InterruptedException e) {
            // not jumped to (open failed half-way)
        }
        try {
            iptables("-F", chain);
            iptables("-X", chain);
        } catch (IOException | InterruptedException e) {
            // not created
        }
        Path dir = root.resolve(group);
        try (var nodes = Files.list(dir)) {
            for (Path node : nodes.filter(Files::isDirectory).toList()) {
                Files.deleteIfExists(node); // rmdir: a cgroup's files go with it
            }
            Files.deleteIfExists(dir);
        } catch (IOException e) {
            System.err.println("chaos: cgroup " + dir + " left: " + e.getMessage());
        }
    }

    private void drop(String from, String to) throws IOException, InterruptedException {
        // the kernel resolves the cgroup's path when the rule is added: it must exist
        Files.createDirectories(root.resolve(group).resolve(from));
        iptables("-A", chain, "-m", "cgroup", "--path", group + "/" + from, "-d", to, "-j", "DROP");
    }

    /** Where the cgroup v2 hierarchy is mounted: /sys/fs/cgroup alone, or /sys/fs/cgroup/unified in a hybrid set-up. */
    static Path cgroup2Root() throws IOException {
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 2 && fields[2].equals("cgroup2")) {
                return Path.of(fields[1]);
            }
        }
        throw new Unavailable("partitions need a cgroup v2 hierarchy, and /proc/self/mounts has none "
                + "(mount one: mkdir -p /sys/fs/cgroup/unified && mount -t cgroup2 none /sys/fs/cgroup/unified)", null);
    }

    private static void iptables(String... args) throws IOException, InterruptedException {
        List<String> command = new ArrayList<>(List.of("iptables", "-w", "5"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
