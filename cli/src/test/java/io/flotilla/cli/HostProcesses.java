package io.flotilla.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * A cluster node seen as a host on this machine, for tests that kill or freeze whole hosts: its
 * JVM ({@link ClusterNodeProcess}) and every process that belongs to it — those whose environment
 * names the node (tasks, the processes of its containers) and those whose command line names its
 * data dir (shims, fencing watchdogs, its Gluster FUSE client). Found by reading /proc.
 */
final class HostProcesses {
    private HostProcesses() {}

    /** The node's processes other than its JVM ({@code nodeId} null: by the data dir only). */
    static List<ProcessHandle> of(ClusterNodeProcess node, String nodeId) {
        String dataDir = node.data.toAbsolutePath() + "/";
        return ProcessHandle.allProcesses().filter(p -> p.pid() != node.pid()).filter(p -> {
            String env = read(p.pid(), "environ");
            return (nodeId != null && env.contains("FLOTILLA_NODE_ID=" + nodeId + "\0")) || read(p.pid(), "cmdline").contains(dataDir);
        }).toList();
    }

    /** The host dies: the node's JVM and all its processes, at once (SIGKILL). */
    static void kill(ClusterNodeProcess node, String nodeId) throws InterruptedException {
        List<ProcessHandle> others = of(node, nodeId);
        node.kill();
        others.forEach(ProcessHandle::destroyForcibly);
    }

    /** One kill(1) for all {@code pids}: they stop (or resume) together. */
    static void signal(String name, List<Long> pids) {
        List<String> command = new ArrayList<>(List.of("kill", "-" + name));
        pids.forEach(pid -> command.add(Long.toString(pid)));
        try {
            new ProcessBuilder(command).start().waitFor();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }

    /** Force-removes the Docker containers of a node (a killed node's agent never removed them); no-op without docker. */
    static void removeContainers(String nodeId) throws IOException, InterruptedException {
        Process list;
        try {
            list = new ProcessBuilder("docker", "ps", "-aq", "--filter", "label=io.flotilla.node=" + nodeId).start();
        } catch (IOException noDocker) {
            return;
        }
        String ids = new String(list.getInputStream().readAllBytes(), StandardCharsets.UTF_8).trim();
        list.waitFor();
        if (!ids.isEmpty()) {
            List<String> command = new ArrayList<>(List.of("docker", "rm", "-f"));
            command.addAll(List.of(ids.split("\\s+")));
            new ProcessBuilder(command).redirectErrorStream(true).redirectOutput(ProcessBuilder.Redirect.DISCARD).start().waitFor();
        }
    }

    /** Lazily unmounts what a node left mounted under its data dir (the FUSE mount of a killed client). */
    static void unmountUnder(Path data) throws IOException, InterruptedException {
        String prefix = data.toAbsolutePath() + "/";
        for (String line : Files.readAllLines(Path.of("/proc/self/mounts"))) {
            String[] fields = line.split(" ");
            if (fields.length > 1 && fields[1].startsWith(prefix)) {
                new ProcessBuilder("umount", "-l", fields[1]).start().waitFor();
            }
        }
    }

    /** A file of /proc/PID, or "" when the process is gone (or not ours to read). */
    static String read(long pid, String file) {
        try {
            return new String(Files.readAllBytes(Path.of("/proc", Long.toString(pid), file)), StandardCharsets.UTF_8);
        } catch (IOException | SecurityException e) {
            return "";
        }
    }
}
