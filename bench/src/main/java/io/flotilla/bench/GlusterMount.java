package io.flotilla.bench;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A FUSE mount of a Gluster volume made by the benchmark itself (as the glusterfs volume driver
 * mounts it on a node: the first server, the others as backup volfile servers), unmounted on
 * close. Needs root, /dev/fuse and mount.glusterfs (Debian's glusterfs-client).
 */
record GlusterMount(Path directory) implements AutoCloseable {
    private static final long TIMEOUT_SECONDS = 20;

    static GlusterMount mount(List<String> servers, String volume, Path directory) throws IOException, InterruptedException {
        if (servers.isEmpty()) {
            throw new IllegalArgumentException("no Gluster servers given");
        }
        Files.createDirectories(directory);
        List<String> command = new ArrayList<>(List.of("mount", "-t", "glusterfs"));
        if (servers.size() > 1) {
            command.addAll(List.of("-o", "backup-volfile-servers=" + String.join(":", servers.subList(1, servers.size()))));
        }
        command.addAll(List.of(servers.getFirst() + ":/" + volume, directory.toString()));
        String output = run(command);
        if (output != null) {
            throw new IOException("cannot mount " + servers.getFirst() + ":/" + volume + " on " + directory + ": " + output
                    + " (is the test bed up? scripts/gluster-test-env.sh start)");
        }
        return new GlusterMount(directory);
    }

    @Override
    public void close() throws IOException, InterruptedException {
        if (run(List.of("umount", directory.toString())) != null) {
            run(List.of("umount", "-l", directory.toString()));
        }
    }

    /** Runs a command with a timeout; null when it exited 0, else what it printed and how it ended. */
    private static String run(List<String> command) throws IOException, InterruptedException {
        Process process;
        try {
            process = new ProcessBuilder(command).redirectErrorStream(true).start();
        } catch (IOException e) {
            return command.getFirst() + ": " + e.getMessage();
        }
        if (!process.waitFor(TIMEOUT_SECONDS, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            return "timed out after " + TIMEOUT_SECONDS + " s";
        }
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
        return process.exitValue() == 0 ? null : output + " (exit " + process.exitValue() + ")";
    }
}
