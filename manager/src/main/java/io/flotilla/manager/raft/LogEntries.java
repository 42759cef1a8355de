package io.flotilla.manager.raft;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import org.apache.ratis.server.protocol.TermIndex;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Reading a Raft log entry's command, and what a manager does with one it cannot read. */
final class LogEntries {
    private static final Logger LOG = LoggerFactory.getLogger(LogEntries.class);

    private LogEntries() {}

    /**
     * An entry this release cannot read because it names a command type it does not know: one written
     * by a newer release. Skipping it, as a failing command is skipped, would not be the same on every
     * manager — the managers that know the type apply it — so this one would diverge from the others
     * and answer, and one day lead, with a state that lacks it. Thrown out of
     * {@link ClusterStateMachine#applyTransaction}, it stops Ratis' state machine updater: this manager's Raft peer
     * closes, the others go on (a majority of them upgraded), and the log says to upgrade it.
     */
    static final class UnreadableEntry extends IllegalStateException {
        UnreadableEntry(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The entry's command; {@link UnreadableEntry} for a command type this release does not know. */
    static Command decode(byte[] data, TermIndex termIndex) {
        try {
            return Json.read(data, Command.class);
        } catch (java.io.UncheckedIOException e) {
            if (e.getCause() instanceof com.fasterxml.jackson.databind.exc.InvalidTypeIdException unknown) {
                String message = "this manager cannot read log entry " + termIndex + ": its command type '" + unknown.getTypeId()
                        + "' is unknown to this release of Flotilla (written by a newer one?). It stops applying the log"
                        + " rather than skip the entry and diverge from the other managers: upgrade this manager, then start it"
                        + " again on its data dir";
                LOG.error(message);
                throw new UnreadableEntry(message, e);
            }
            throw e;
        }
    }
}
