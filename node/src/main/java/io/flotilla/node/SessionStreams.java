package io.flotilla.node;

import io.flotilla.agent.ManagerConnection;
import io.flotilla.agent.ManagerRefusedException;
import io.flotilla.discovery.ManagerSession;
import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * A worker's registry stream as part of its node session: the discovery module's
 * {@link ManagerSession} over the agent's {@link ManagerConnection}, so that the stream goes to the
 * manager the long poll and the reports reached, over the same HTTP client (one h2 connection),
 * moves when they move and makes them leave a manager whose stream broke. Neither module knows
 * the other; the node joins them.
 */
record SessionStreams(ManagerConnection connection) implements ManagerSession {
    @Override
    public String awaitManager() throws InterruptedException {
        return connection.awaitReached();
    }

    @Override
    public Runnable follow(Consumer<String> onMove) {
        return connection.onReached(onMove);
    }

    @Override
    public InputStream open(String manager, String pathAndQuery) throws IOException, InterruptedException {
        try {
            return connection.stream(manager, pathAndQuery);
        } catch (ManagerRefusedException e) {
            throw new Refused(e.getMessage(), e);
        }
    }

    @Override
    public void lost(String manager) {
        connection.lost(manager);
    }
}
