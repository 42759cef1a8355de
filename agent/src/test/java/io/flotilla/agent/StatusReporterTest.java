package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.StatusReport;
import io.flotilla.model.api.StatusReportResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.atomic.AtomicBoolean;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The heartbeat's answers and the node's lease. */
class StatusReporterTest {
    @TempDir Path tmp;

    /** A manager whose answer to a report waits until released (and ignores interrupts, as a slow network would). */
    private static final class SlowManager implements ManagerChannel {
        final AtomicBoolean asked = new AtomicBoolean();
        final AtomicBoolean released = new AtomicBoolean();

        @Override
        public AssignmentSet hello(AgentHello hello) {
            throw new UnsupportedOperationException();
        }

        @Override
        public AssignmentSet assignments(String nodeId, long afterIndex, Duration wait) {
            throw new UnsupportedOperationException();
        }

        @Override
        public StatusReportResponse report(StatusReport report) {
            asked.set(true);
            while (!released.get()) {
                Thread.onSpinWait();
            }
            return new StatusReportResponse(60_000);
        }

        @Override
        public void close() {
        }
    }

    @Test
    void anAnswerThatArrivesAfterCloseExtendsNoLease() {
        SlowManager manager = new SlowManager();
        LeaseKeeper lease = new LeaseKeeper(tmp.resolve("lease"), InstantSource.system());
        StatusReporter reporter = new StatusReporter("n1", manager, Duration.ofMillis(50), InstantSource.system(), lease);
        reporter.start();
        await().atMost(Duration.ofSeconds(5)).untilTrue(manager.asked); // a heartbeat is on its way
        long before = lease.deadline();

        reporter.close(); // the agent stops: its fenced tasks' watchdogs count from the last lease
        manager.released.set(true); // the answer, granting a minute, arrives now

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> lease.deadline() == before);
    }
}
