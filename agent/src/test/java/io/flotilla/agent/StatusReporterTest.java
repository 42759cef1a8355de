package io.flotilla.agent;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.MeshTraffic;
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
    private static class SlowManager implements ManagerChannel {
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
        reporter.sessionOpened();
        reporter.start();
        await().atMost(Duration.ofSeconds(5)).untilTrue(manager.asked); // a heartbeat is on its way
        long before = lease.deadline();

        reporter.close(); // the agent stops: its fenced tasks' watchdogs count from the last lease
        manager.released.set(true); // the answer, granting a minute, arrives now

        await().during(Duration.ofMillis(300)).atMost(Duration.ofSeconds(2)).until(() -> lease.deadline() == before);
    }

    /**
     * Before the agent's hello is answered the manager would refuse a report (503), which logged a
     * warning on every clean start: nothing goes until the session is open, then the queued status does.
     */
    @Test
    void nothingIsReportedBeforeTheSessionOpens() {
        SlowManager manager = new SlowManager();
        manager.released.set(true);
        LeaseKeeper lease = new LeaseKeeper(tmp.resolve("lease"), InstantSource.system());
        StatusReporter reporter = new StatusReporter("n1", manager, Duration.ofMillis(50), InstantSource.system(), lease);
        try {
            reporter.start();
            await().during(Duration.ofMillis(400)).atMost(Duration.ofSeconds(2)).untilFalse(manager.asked);

            reporter.sessionOpened();
            await().atMost(Duration.ofSeconds(5)).untilTrue(manager.asked);
        } finally {
            reporter.close();
        }
    }

    /**
     * The node's mesh counters ride on its reports, but not on every heartbeat (four a second):
     * on the first, then once every {@link StatusReporter#TRAFFIC_EVERY}.
     */
    @Test
    void theMeshCountersGoWithAReportEveryFewSecondsNotWithEveryHeartbeat() {
        java.util.List<StatusReport> reports = new java.util.concurrent.CopyOnWriteArrayList<>();
        ManagerChannel manager = new SlowManager() {
            @Override
            public StatusReportResponse report(StatusReport report) {
                reports.add(report);
                return new StatusReportResponse(60_000);
            }
        };
        LeaseKeeper lease = new LeaseKeeper(tmp.resolve("lease"), InstantSource.system());
        StatusReporter reporter = new StatusReporter("n1", manager, Duration.ofMillis(50), InstantSource.system(), lease);
        MeshTraffic traffic = new MeshTraffic("n1", java.time.Instant.now(),
                java.util.List.of(new MeshTraffic.Backend("shop_web", "t1", 5, 0, 5, 0.1)));
        reporter.traffic(() -> traffic);
        try {
            reporter.sessionOpened();
            reporter.start();
            await().atMost(Duration.ofSeconds(10)).until(() -> reports.stream().filter(r -> r.mesh() != null).count() >= 2);
        } finally {
            reporter.close();
        }
        assertThat(reports.getFirst().mesh()).as("the first report").isEqualTo(traffic);
        long carrying = reports.stream().filter(r -> r.mesh() != null).count();
        assertThat(reports.size()).as("heartbeats between the reports that carry counters").isGreaterThan((int) carrying * 5);
    }
}
