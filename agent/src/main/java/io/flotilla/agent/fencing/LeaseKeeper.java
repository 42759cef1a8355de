package io.flotilla.agent.fencing;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.AtomicMoveNotSupportedException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this node's lease with the managers in {@code <data>/lease}: the deadline, as decimal
 * epoch milliseconds, until which fenced tasks may run (their watchdogs read it).
 *
 * <p>Each answered status report carries {@code leaseMillis}; the deadline becomes the wall-clock
 * time the report was <em>sent</em> plus that, written atomically (tmp + rename). Rules:
 * <ul>
 *   <li>Never earlier than a deadline written before (also across agent restarts: the file is
 *       read at start).</li>
 *   <li>A lease that expired before the answer arrived is not renewed: the node was cut off (or
 *       frozen) long enough for the managers to give its fenced work away, and the watchdogs
 *       fence. A fresh lease starts only with a report sent {@link #FRESH_LEASE_GAP} after that
 *       expiry, once every watchdog has had its rounds to see it.</li>
 *   <li>An answer without {@code leaseMillis} (a manager without lease support) renews nothing.</li>
 * </ul>
 */
public final class LeaseKeeper {
    private static final Logger log = LoggerFactory.getLogger(LeaseKeeper.class);
    /** More than a watchdog round (100 ms) plus its reads: a fresh lease never hides an expiry. */
    static final Duration FRESH_LEASE_GAP = Duration.ofMillis(500);

    private final Path file;
    private final InstantSource clock;
    private long deadline; // epoch ms; guarded by this
    private boolean warnedNoLease;
    private long warnedExpiry; // the expired deadline last warned about: one warning per expiry

    public LeaseKeeper(Path file, InstantSource clock) {
        this.file = file;
        this.clock = clock;
        this.deadline = read(file);
    }

    public Path file() {
        return file;
    }

    /** The deadline written last (epoch ms), 0 for none. */
    public synchronized long deadline() {
        return deadline;
    }

    /** True while the lease has not expired. */
    public boolean valid() {
        return clock.millis() <= deadline();
    }

    /**
     * A report sent at {@code sentAt} was answered now with {@code leaseMillis} (null: not given).
     *
     * @return true if the deadline moved
     */
    public synchronized boolean answered(Instant sentAt, Long leaseMillis) {
        if (leaseMillis == null || leaseMillis <= 0) {
            if (!warnedNoLease) {
                log.warn("the manager grants no lease (an older manager?): fenced tasks on this node will be fenced");
                warnedNoLease = true;
            }
            return false;
        }
        long sent = sentAt.toEpochMilli();
        long now = clock.millis();
        if (deadline > 0 && now > deadline && sent < deadline + FRESH_LEASE_GAP.toMillis()) {
            if (warnedExpiry == deadline) {
                return false;
            }
            warnedExpiry = deadline;
            log.warn("lease expired at {} before the manager's answer arrived: not renewing it; fenced tasks are fenced",
                    Instant.ofEpochMilli(deadline));
            return false;
        }
        long next = sent + leaseMillis;
        if (next <= deadline || next <= now) {
            return false;
        }
        try {
            write(file, next);
        } catch (IOException e) {
            log.warn("cannot write the lease file {}: {}", file, e.getMessage());
            return false;
        }
        if (warnedExpiry == deadline && deadline > 0) {
            log.info("new lease until {}", Instant.ofEpochMilli(next));
        }
        deadline = next;
        return true;
    }

    /** The deadline in {@code file}, or 0 when there is none or it cannot be read. */
    public static long read(Path file) {
        try {
            return Long.parseLong(Files.readString(file).strip());
        } catch (IOException | NumberFormatException e) {
            return 0;
        }
    }

    static void write(Path file, long deadline) throws IOException {
        Files.createDirectories(file.toAbsolutePath().getParent());
        Path temporary = file.resolveSibling(file.getFileName() + ".tmp");
        Files.writeString(temporary, deadline + "\n", StandardCharsets.US_ASCII);
        try {
            Files.move(temporary, file, StandardCopyOption.ATOMIC_MOVE, StandardCopyOption.REPLACE_EXISTING);
        } catch (AtomicMoveNotSupportedException e) {
            Files.move(temporary, file, StandardCopyOption.REPLACE_EXISTING);
        }
    }
}
