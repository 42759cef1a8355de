package io.flotilla.manager.dashboard;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Where the dashboard's actions are recorded, each with the session that took it. The default
 * logs; the cluster's event stream (an audit event in the Raft log) takes its place once it
 * exists, so that an action is seen on every manager and afterwards, not only in one node's log.
 */
@FunctionalInterface
public interface DashboardAudit {
    /**
     * @param session the session's id (not its cookie: the id alone cannot act)
     * @param action  what was done: {@code scale}, {@code update-image}, {@code rollback}, {@code drain},
     *                {@code remove-stack}, {@code login}
     * @param target  the service, node or stack it was done to
     * @param detail  the request's own words (replicas, image), or an empty string
     */
    void record(String session, String action, String target, String detail);

    /** Logs each action at INFO on the manager that served it. */
    DashboardAudit LOGGING = new DashboardAudit() {
        private static final Logger LOG = LoggerFactory.getLogger(DashboardAudit.class);

        @Override
        public void record(String session, String action, String target, String detail) {
            LOG.info("dashboard audit: session {} {} {} {}", session, action, target, detail);
        }
    };
}
