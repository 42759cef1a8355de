package io.flotilla.bench;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Synchronous write throughput of one directory, as a database's log sees it: blocks of a fixed
 * size written one after the other to one file, each followed by an fsync ({@code force(true)}),
 * for a fixed time. The file grows up to {@link #WRAP_BYTES} and is then written again from the
 * start (so a long run does not fill the disk); it is deleted at the end.
 */
final class WriteThroughput {
    static final long WRAP_BYTES = 256L << 20;

    /** One measurement: operations (write + fsync) done, bytes written, and latency percentiles. */
    record Result(String workload, String target, long operations, long bytes, double seconds, double p50Millis,
                  double p99Millis, double maxMillis) {
        double megabytesPerSecond() {
            return bytes / seconds / (1 << 20);
        }

        double operationsPerSecond() {
            return operations / seconds;
        }
    }

    private WriteThroughput() {}

    /**
     * Writes {@code blockSize}-byte blocks with an fsync after each into a new file in {@code dir}
     * for {@code duration}; {@code append} opens the file in append mode (a log), else writes at
     * explicit positions (a data file that grows).
     */
    static Result measure(String workload, String target, Path dir, int blockSize, boolean append, Duration duration)
            throws IOException {
        Path file = dir.resolve("write-throughput-" + ProcessHandle.current().pid() + "-" + System.nanoTime());
        byte[] block = new byte[blockSize];
        ThreadLocalRandom.current().nextBytes(block); // incompressible
        long[] latencies = new long[1 << 16];
        int samples = 0;
        long operations = 0;
        long bytes = 0;
        long start = System.nanoTime();
        long end = start + duration.toNanos();
        try {
            FileChannel channel = open(file, append);
            try {
                long position = 0;
                while (true) {
                    long before = System.nanoTime();
                    if (before >= end) {
                        break;
                    }
                    if (position >= WRAP_BYTES) {
                        channel.close();
                        channel = FileChannel.open(file, StandardOpenOption.WRITE, StandardOpenOption.TRUNCATE_EXISTING);
                        if (append) {
                            channel.close();
                            channel = open(file, true);
                        }
                        position = 0;
                    }
                    ByteBuffer buffer = ByteBuffer.wrap(block);
                    while (buffer.hasRemaining()) {
                        int written = append ? channel.write(buffer) : channel.write(buffer, position + buffer.position());
                        if (written < 0) {
                            throw new IOException("write returned " + written);
                        }
                    }
                    channel.force(true);
                    long took = System.nanoTime() - before;
                    if (samples == latencies.length) {
                        latencies = Arrays.copyOf(latencies, samples * 2);
                    }
                    latencies[samples++] = took;
                    position += blockSize;
                    operations++;
                    bytes += blockSize;
                }
            } finally {
                channel.close();
            }
        } finally {
            Files.deleteIfExists(file);
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        long[] sorted = Arrays.copyOf(latencies, samples);
        Arrays.sort(sorted);
        return new Result(workload, target, operations, bytes, seconds, percentile(sorted, 0.50), percentile(sorted, 0.99),
                sorted.length == 0 ? 0 : sorted[sorted.length - 1] / 1e6);
    }

    private static FileChannel open(Path file, boolean append) throws IOException {
        return append
                ? FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE, StandardOpenOption.APPEND)
                : FileChannel.open(file, StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    private static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return 0;
        }
        int index = (int) Math.min(sorted.length - 1, Math.ceil(p * sorted.length) - 1);
        return sorted[Math.max(0, index)] / 1e6;
    }
}
