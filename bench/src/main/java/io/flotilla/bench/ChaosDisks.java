package io.flotilla.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * Disks that fill up: every node's data dir of a chaos run is a small tmpfs of its own
 * ({@link #SIZE_MB} MiB), and a fault writes a file into it until the kernel answers "no space
 * left on device", keeps it for a while, and deletes it. The node's Raft log, snapshots and agent
 * state meet a full disk as they would on a host, without filling the machine's. Needs root
 * (mount); {@link #open} fails with a {@link ChaosPartitions.Unavailable} otherwise.
 */
final class ChaosDisks implements AutoCloseable {
    /** Each data dir's size: ten times what a node of a one-minute run writes (≈ 4.5 MiB for a manager). */
    static final int SIZE_MB = 48;
    static final String FILL = "chaos-fill";

    private final List<Path> mounts = new ArrayList<>();

    private ChaosDisks() {}

    /** Mounts a tmpfs on each of {@code dirs} (created), before any node starts in them. */
    static ChaosDisks open(List<Path> dirs) throws IOException, InterruptedException {
        ChaosDisks disks = new ChaosDisks();
        try {
            for (Path dir : dirs) {
                Files.createDirectories(dir);
                run("mount", "-t", "tmpfs", "-o", "size=" + SIZE_MB + "m,mode=0700", "flotilla-chaos", dir.toString());
                disks.mounts.add(dir);
            }
        } catch (IOException e) {
            disks.close();
            throw new ChaosPartitions.Unavailable("a filling disk needs root to mount a tmpfs: " + e.getMessage(), e);
        }
        return disks;
    }

    /** Fills the data dir {@code dir} to the last byte; returns how many bytes the filler took. */
    static long fill(Path dir) throws IOException {
        ByteBuffer block = ByteBuffer.allocate(1 << 16);
        long written = 0;
        try (FileChannel file = FileChannel.open(dir.resolve(FILL), StandardOpenOption.CREATE, StandardOpenOption.WRITE,
                StandardOpenOption.APPEND)) {
            while (true) {
                block.clear();
                written += file.write(block);
            }
        } catch (IOException e) {
            if (!String.valueOf(e.getMessage()).contains("No space left")) {
                throw e;
            }
            // a last partial block may fit: tmpfs counts pages
        }
        return written;
    }

    /** Frees what {@link #fill} took. */
    static void free(Path dir) throws IOException {
        Files.deleteIfExists(dir.resolve(FILL));
    }

    /** Unmounts every data dir (lazily: a node killed a moment ago may still hold a file). */
    @Override
    public void close() {
        for (Path dir : mounts) {
            try {
                run("umount", "-l", dir.toString());
            } catch (IOException | InterruptedException e) {
                System.err.println("chaos: " + dir + " still mounted: " + e.getMessage());
            }
        }
        mounts.clear();
    }

    private static void run(String... command) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes()).strip();
        if (!process.waitFor(30, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(String.join(" ", command) + " failed: " + output);
        }
    }
}
