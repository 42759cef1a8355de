package io.flotilla.manager.dashboard;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.state.ClusterState;
import java.time.InstantSource;
import java.util.Objects;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A login link's use written to the Raft log ({@link Command.RedeemLogin}), named by a random id:
 * the use is the first when the state after this entry names that id as the link's first use. Two managers
 * redeeming one link at once both write; the log orders them and only the earlier opens a session.
 * Without a quorum no login is accepted (the page could do nothing then anyway).
 */
public final class LoggedFirstUse implements DashboardTokens.FirstUse {
    private static final Logger LOG = LoggerFactory.getLogger(LoggedFirstUse.class);

    private final ClusterStore store;
    private final InstantSource clock;

    public LoggedFirstUse(ClusterStore store, InstantSource clock) {
        this.store = Objects.requireNonNull(store, "store");
        this.clock = Objects.requireNonNull(clock, "clock");
    }

    @Override
    public boolean first(DashboardGrant login) {
        try {
            String use = java.util.UUID.randomUUID().toString();
            ClusterState after = Submissions.await(store.submit(new Command.RedeemLogin(login.id(), use, login.expires(),
                    clock.instant())));
            return use.equals(after.logins().firstUse(login.id()));
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        } catch (RuntimeException e) {
            LOG.warn("dashboard login refused: its use could not be recorded ({})", e.getMessage());
            return false;
        }
    }
}
