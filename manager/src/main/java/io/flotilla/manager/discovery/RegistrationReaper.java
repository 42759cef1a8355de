package io.flotilla.manager.discovery;

import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Optional;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * On the leader only: every {@code tick}, removes the self-registrations that stopped renewing
 * (one {@code DeregisterEndpoints} command per pass, with reason {@code expired}). A registration
 * therefore leaves at most one tick (plus a commit) after its TTL ran out. When this manager
 * starts leading in a new term, every registration gets a fresh TTL.
 */
public final class RegistrationReaper implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(RegistrationReaper.class);

    private final ClusterStore store;
    private final Renewals renewals;
    private final InstantSource clock;
    private final Duration tick;
    private volatile boolean running = true;
    private final Thread thread;

    public RegistrationReaper(ClusterStore store, Renewals renewals, InstantSource clock, Duration tick) {
        this.store = store;
        this.renewals = renewals;
        this.clock = clock;
        this.tick = tick;
        this.thread = Thread.ofPlatform().daemon(true).name("flotilla-registration-reaper").unstarted(this::run);
    }

    public void start() {
        thread.start();
    }

    private void run() {
        long leadingTerm = store.isLeader() ? store.term() : -1;
        while (running) {
            try {
                Thread.sleep(tick.toMillis());
                if (!store.isLeader()) {
                    continue;
                }
                long term = store.term();
                if (term != leadingTerm) {
                    leadingTerm = term;
                    renewals.reset(clock.instant());
                    continue;
                }
                Optional<Command> verdict = RegistrationExpiry.verdict(store.state(), renewals, clock.instant());
                if (verdict.isPresent()) {
                    Submissions.await(store.submit(verdict.get()));
                    LOG.info("registrations expired: {}", ((Command.DeregisterEndpoints) verdict.get()).registrationIds());
                }
            } catch (InterruptedException e) {
                return;
            } catch (RuntimeException e) {
                LOG.debug("registration expiry pass failed; retrying: {}", e.toString());
            }
        }
    }

    @Override
    public void close() {
        running = false;
        thread.interrupt();
        try {
            thread.join(2_000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
