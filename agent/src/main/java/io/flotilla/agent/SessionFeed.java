package io.flotilla.agent;

import io.flotilla.model.api.NodeSession;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The latest session the agent received and who follows it: a listener added late gets the
 * latest at once; each later one only when it differs from the last given. A listener that fails
 * is logged and keeps its place.
 */
final class SessionFeed {
    private static final Logger log = LoggerFactory.getLogger(SessionFeed.class);

    private final List<SessionListener> listeners = new CopyOnWriteArrayList<>();
    private volatile NodeSession latest;

    void add(SessionListener listener) {
        listeners.add(listener);
        NodeSession now = latest;
        if (now != null) {
            deliver(listener, now);
        }
    }

    void remove(SessionListener listener) {
        listeners.remove(listener);
    }

    NodeSession latest() {
        return latest;
    }

    /** Gives {@code session} to every listener if it differs from the last one (null: a manager that sends none). */
    void offer(NodeSession session) {
        if (session == null || session.equals(latest)) {
            return;
        }
        latest = session;
        listeners.forEach(listener -> deliver(listener, session));
    }

    void refused(String reason) {
        for (SessionListener listener : listeners) {
            try {
                listener.refused(reason);
            } catch (RuntimeException e) {
                log.warn("a session listener failed: {}", e.toString(), e);
            }
        }
    }

    private static void deliver(SessionListener listener, NodeSession session) {
        try {
            listener.session(session);
        } catch (RuntimeException e) {
            log.warn("a session listener failed: {}", e.toString(), e);
        }
    }
}
