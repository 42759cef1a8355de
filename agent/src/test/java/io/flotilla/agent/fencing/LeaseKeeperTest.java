package io.flotilla.agent.fencing;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Instant;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The agent's lease rules, on a hand-moved clock. */
class LeaseKeeperTest {
    @TempDir
    Path dataDir;

    private final AtomicLong now = new AtomicLong(1_000_000);
    private final InstantSource clock = () -> Instant.ofEpochMilli(now.get());

    private LeaseKeeper keeper() {
        return new LeaseKeeper(Fencing.leaseFile(dataDir), clock);
    }

    private long onDisk() throws Exception {
        return Long.parseLong(Files.readString(Fencing.leaseFile(dataDir)).strip());
    }

    @Test
    void theDeadlineIsWhenTheReportWasSentPlusTheLease() throws Exception {
        LeaseKeeper keeper = keeper();
        Instant sent = clock.instant();
        now.addAndGet(200); // the answer takes 200 ms

        assertThat(keeper.answered(sent, 5000L)).isTrue();

        assertThat(onDisk()).isEqualTo(1_005_000);
        assertThat(keeper.valid()).isTrue();
        assertThat(Files.exists(Fencing.leaseFile(dataDir).resolveSibling("lease.tmp"))).isFalse();
    }

    @Test
    void neverWritesAnEarlierDeadlineAlsoAfterARestart() throws Exception {
        LeaseKeeper keeper = keeper();
        keeper.answered(clock.instant(), 5000L);
        Instant earlier = Instant.ofEpochMilli(now.get() - 100);

        assertThat(keeper.answered(earlier, 5000L)).isFalse(); // a late answer to an older report
        assertThat(keeper.answered(clock.instant(), 1000L)).isFalse(); // a shorter lease
        assertThat(onDisk()).isEqualTo(1_005_000);

        LeaseKeeper restarted = keeper();
        assertThat(restarted.deadline()).isEqualTo(1_005_000);
        assertThat(restarted.answered(clock.instant(), 2000L)).isFalse();
        assertThat(onDisk()).isEqualTo(1_005_000);
    }

    @Test
    void aLeaseThatExpiredBeforeTheAnswerArrivedIsNotRenewedUntilAFreshStart() throws Exception {
        LeaseKeeper keeper = keeper();
        keeper.answered(clock.instant(), 1000L); // deadline 1_001_000
        Instant sentBeforeExpiry = Instant.ofEpochMilli(1_000_900);
        now.set(1_001_300); // frozen: the answer arrives after the deadline

        assertThat(keeper.answered(sentBeforeExpiry, 1000L)).isFalse();
        assertThat(keeper.valid()).isFalse();
        assertThat(onDisk()).isEqualTo(1_001_000);

        // A report sent soon after the expiry does not start a fresh lease either ...
        assertThat(keeper.answered(Instant.ofEpochMilli(1_001_300), 1000L)).isFalse();
        // ... one sent after the gap, once the watchdogs have seen the expiry, does.
        now.set(1_001_000 + LeaseKeeper.FRESH_LEASE_GAP.toMillis() + 10);
        Instant fresh = clock.instant();
        now.addAndGet(5);
        assertThat(keeper.answered(fresh, 1000L)).isTrue();
        assertThat(onDisk()).isEqualTo(fresh.toEpochMilli() + 1000);
    }

    @Test
    void anAnswerWithoutALeaseRenewsNothing() {
        LeaseKeeper keeper = keeper();

        assertThat(keeper.answered(clock.instant(), 0L)).isFalse();
        assertThat(keeper.answered(clock.instant(), null)).isFalse();

        assertThat(Files.exists(Fencing.leaseFile(dataDir))).isFalse();
        assertThat(keeper.valid()).isFalse();
    }
}
