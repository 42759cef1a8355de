package io.flotilla.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

/**
 * The Gluster test bed as a test sees it ({@link GlusterRequirement#require()} finds it): the
 * servers and volume to put in a stack's {@code driver_opts}, and the test's own FUSE mount of the
 * volume, to look at what the tasks wrote (a Flotilla glusterfs volume is a directory of it).
 */
record GlusterTestBed(List<String> servers, String volume) {
    /** The {@code servers} driver option: {@code h1,h2,h3}. */
    String serversOption() {
        return String.join(",", servers);
    }

    /**
     * Mounts the volume on {@code directory} with the kernel's attribute and entry caches off, so
     * that what a task on another mount just appended is seen at once.
     */
    Mount mount(Path directory) throws IOException, InterruptedException {
        Files.createDirectories(directory);
        run("mount", "-t", "glusterfs", "-o", "backup-volfile-servers=" + String.join(":", servers.subList(1, servers.size()))
                + ",attribute-timeout=0,entry-timeout=0", servers.getFirst() + ":/" + volume, directory.toString());
        return new Mount(directory);
    }

    /** The test's mount of the volume; {@link #close()} unmounts it. */
    record Mount(Path directory) implements AutoCloseable {
        /** The directory that is the Flotilla volume {@code name}. */
        Path volume(String name) {
            return directory.resolve(name);
        }

        /** Deletes the Flotilla volume {@code name}'s data (a test starts from an empty ledger). */
        void delete(String name) throws IOException {
            Path root = volume(name);
            if (!Files.exists(root)) {
                return;
            }
            try (Stream<Path> paths = Files.walk(root)) {
                for (Path path : paths.sorted(Comparator.reverseOrder()).toList()) {
                    Files.deleteIfExists(path);
                }
            }
        }

        @Override
        public void close() throws IOException, InterruptedException {
            try {
                run("umount", directory.toString());
            } catch (IOException busy) {
                run("umount", "-l", directory.toString());
            }
        }
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        if (!process.waitFor(30, TimeUnit.SECONDS)) {
            process.destroyForcibly();
            throw new IOException(String.join(" ", command) + ": no answer within 30 s");
        }
        if (process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + ": exit " + process.exitValue() + ": "
                    + new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip());
        }
    }
}
