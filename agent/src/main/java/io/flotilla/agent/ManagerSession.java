package io.flotilla.agent;

import io.flotilla.model.api.AssignmentSet;
import java.io.IOException;
import java.time.Duration;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent's session with the managers, run on the agent's session thread until the agent
 * closes: {@code hello} until a manager answers (the session opens: {@link Agent#sessionOpened}),
 * then long polls of the node's {@link AssignmentSet}, each reconciled by the agent and its node
 * session handed to the listeners ({@link SessionFeed}). When the manager cannot be reached the
 * tasks keep running: it says hello again after the channel's backoff
 * ({@link ManagerChannel#awaitRetry}); a refusal (403) is told to the listeners.
 */
final class ManagerSession implements Runnable {
    static final Duration POLL_WAIT = Duration.ofSeconds(10);
    /** Logs as the agent: one category for the node's trace. */
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final Agent agent;
    private final String nodeId;
    private final ManagerChannel channel;
    private final SessionFeed sessions;

    ManagerSession(Agent agent, String nodeId, ManagerChannel channel, SessionFeed sessions) {
        this.agent = agent;
        this.nodeId = nodeId;
        this.channel = channel;
        this.sessions = sessions;
    }

    @Override
    public void run() {
        boolean inSession = false;
        long index = 0;
        boolean failing = false;
        while (!agent.isClosed()) {
            try {
                AssignmentSet assignments = inSession
                        ? channel.assignments(nodeId, index, POLL_WAIT)
                        : channel.hello(agent.hello());
                if (agent.isClosed()) {
                    return;
                }
                if (!inSession) {
                    inSession = true;
                    log.info("node {}: session open with the manager", nodeId);
                    agent.sessionOpened();
                }
                if (failing) {
                    failing = false;
                }
                index = assignments.index();
                agent.reconcile(assignments);
                sessions.offer(assignments.session());
            } catch (IOException | RuntimeException e) {
                if (agent.isClosed() || Thread.currentThread().isInterrupted()) {
                    return;
                }
                if (e instanceof ManagerRefusedException refused && refused.status() == 403) {
                    sessions.refused(refused.getMessage());
                }
                if (!failing) {
                    log.warn("node {}: no assignment set from the manager, tasks keep running; retrying: {}", nodeId,
                            e.getMessage());
                    failing = true;
                }
                inSession = false;
                try {
                    channel.awaitRetry(); // the channel's backoff: the node's one (ManagerConnection)
                } catch (InterruptedException interrupted) {
                    return;
                }
            }
        }
    }
}
