package io.flotilla.node;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;

/**
 * The manager's lease ({@code ManagerConfig.leaseTtl}) as the node's {@code --lease} flag set it:
 * milliseconds in {@code <data>/manager-lease-ms}, written atomically. (Not {@code <data>/lease}:
 * that is the agent's own lease deadline.)
 */
public final class LeaseSetting {
    private static final String FILE = "manager-lease-ms";

    private LeaseSetting() {}

    /** Between 100 ms and 10 minutes: shorter is below the heartbeat rhythm, longer stalls failover for nothing. */
    public static void check(Duration lease) {
        if (lease.toMillis() < 100 || lease.compareTo(Duration.ofMinutes(10)) > 0) {
            throw new IllegalArgumentException("--lease must be between 100ms and 10m, not " + lease.toMillis() + " ms");
        }
    }

    public static void save(Path data, Duration lease) throws IOException {
        check(lease);
        Files.createDirectories(data);
        Path tmp = data.resolve(FILE + ".tmp");
        Files.writeString(tmp, Long.toString(lease.toMillis()) + "\n");
        Files.move(tmp, data.resolve(FILE), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** The saved lease, or null (the manager's default) when none was set. */
    public static Duration load(Path data) {
        Path file = data.resolve(FILE);
        if (!Files.exists(file)) {
            return null;
        }
        try {
            Duration lease = Duration.ofMillis(Long.parseLong(Files.readString(file).strip()));
            check(lease);
            return lease;
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read the lease set with --lease from " + file + ": " + e.getMessage()
                    + " (start the node with --lease again to replace it)", e);
        }
    }
}
