package io.flotilla.manager;

import io.flotilla.manager.raft.RaftClusterStore;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.Objects;
import java.util.random.RandomGenerator;

/**
 * The knobs of a manager that operators rarely touch and tests often do.
 *
 * @param snapshotThreshold a snapshot is taken every this many applied log entries
 * @param loopTick          the control loop looks at the state at least this often
 * @param startTimeout      how long {@code start} waits for leadership and log replay
 * @param random            where service and task ids come from
 * @param orchestrate       false: the control loop only judges node liveness, it neither reconciles
 *                          nor schedules (for tests that drive tasks by hand, and for debugging)
 * @param leaderGrace       how long a new leader waits before it judges any node down
 */
public record ManagerTuning(long snapshotThreshold, Duration loopTick, Duration startTimeout, RandomGenerator random,
                            boolean orchestrate, Duration leaderGrace) {
    public static final Duration DEFAULT_LEADER_GRACE = Duration.ofSeconds(5);

    public ManagerTuning(long snapshotThreshold, Duration loopTick, Duration startTimeout, RandomGenerator random,
                         boolean orchestrate) {
        this(snapshotThreshold, loopTick, startTimeout, random, orchestrate, DEFAULT_LEADER_GRACE);
    }

    public ManagerTuning {
        if (snapshotThreshold < 1) {
            throw new IllegalArgumentException("snapshotThreshold must be positive: " + snapshotThreshold);
        }
        Objects.requireNonNull(loopTick, "loopTick");
        Objects.requireNonNull(startTimeout, "startTimeout");
        Objects.requireNonNull(random, "random");
        Objects.requireNonNull(leaderGrace, "leaderGrace");
    }

    /**
     * The system property that sets {@link #snapshotThreshold} of {@link #defaults()} (entries, 10 to
     * 10,000,000). Hidden, for tests and benchmarks: {@code bench chaos --faults disk} snapshots
     * every few hundred entries so that a full disk meets a snapshot within its seconds.
     */
    public static final String SNAPSHOT_INTERVAL_PROPERTY = "flotilla.raft.snapshot-interval";

    public static ManagerTuning defaults() {
        return new ManagerTuning(snapshotInterval(System.getProperty(SNAPSHOT_INTERVAL_PROPERTY)), Duration.ofMillis(200),
                Duration.ofSeconds(60), new SecureRandom(), true);
    }

    /** {@link RaftClusterStore#DEFAULT_SNAPSHOT_THRESHOLD}, or {@code value} entries (10 to 10,000,000) if set. */
    static long snapshotInterval(String value) {
        if (value == null || value.isBlank()) {
            return RaftClusterStore.DEFAULT_SNAPSHOT_THRESHOLD;
        }
        long entries;
        try {
            entries = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            throw new IllegalArgumentException(SNAPSHOT_INTERVAL_PROPERTY + " must be a number of entries, not '" + value + "'");
        }
        if (entries < 10 || entries > 10_000_000) {
            throw new IllegalArgumentException(SNAPSHOT_INTERVAL_PROPERTY + " must be 10 to 10000000 entries, not " + entries);
        }
        return entries;
    }

    public ManagerTuning withSnapshotThreshold(long threshold) {
        return new ManagerTuning(threshold, loopTick, startTimeout, random, orchestrate, leaderGrace);
    }

    public ManagerTuning withRandom(RandomGenerator newRandom) {
        return new ManagerTuning(snapshotThreshold, loopTick, startTimeout, newRandom, orchestrate, leaderGrace);
    }

    public ManagerTuning withOrchestration(boolean enabled) {
        return new ManagerTuning(snapshotThreshold, loopTick, startTimeout, random, enabled, leaderGrace);
    }

    public ManagerTuning withLeaderGrace(Duration grace) {
        return new ManagerTuning(snapshotThreshold, loopTick, startTimeout, random, orchestrate, grace);
    }
}
