package io.flotilla.manager.dashboard;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import java.time.InstantSource;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The dashboard's audit as an {@code audit} event in the Raft log ({@link Command.RecordAudit}):
 * seen by {@code flotilla events} on every manager, and kept in the event history. The action has
 * happened by the time it is recorded; if the record cannot be written (no quorum), the action is
 * still logged here, at WARN, so it is never silent.
 */
public final class RecordedAudit implements DashboardAudit {
    private static final Logger LOG = LoggerFactory.getLogger(DashboardAudit.class);

    private final ClusterStore store;
    private final InstantSource clock;

    public RecordedAudit(ClusterStore store, InstantSource clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public void record(String session, String action, String target, String detail) {
        Command.RecordAudit entry = new Command.RecordAudit("dashboard session " + session, action,
                target == null || target.isBlank() ? "-" : target, detail == null || detail.isBlank() ? null : detail,
                clock.instant());
        try {
            Submissions.await(store.submit(entry));
            LOG.info("dashboard audit: session {} {} {} {}", session, action, target, detail);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            LOG.warn("dashboard audit not recorded (interrupted): session {} {} {} {}", session, action, target, detail);
        } catch (RuntimeException e) {
            LOG.warn("dashboard audit not recorded ({}): session {} {} {} {}", e.getMessage(), session, action, target, detail);
        }
    }
}
