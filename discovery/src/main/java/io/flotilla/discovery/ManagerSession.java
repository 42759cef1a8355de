package io.flotilla.discovery;

import java.io.IOException;
import java.io.InputStream;
import java.util.function.Consumer;

/**
 * The node's session with the managers as its registry stream sees it: which manager to stream
 * from, how to open the stream there, and what to say when it breaks. A worker's is its agent's
 * connection (the node module joins the two), which chooses the manager, fails over and backs off
 * for the long poll and the stream alike: the stream has no manager choice, failover or backoff of
 * its own, and ends on the manager the long poll ends on.
 */
public interface ManagerSession {
    /** Waits until the session is on a manager (a call reached it), and names it ({@code host:port}). */
    String awaitManager() throws InterruptedException;

    /**
     * {@code onMove} gets each manager the session moves to from now on (it may be called on
     * another thread; keep it short). Returns what stops it.
     */
    Runnable follow(Consumer<String> onMove);

    /**
     * {@code GET pathAndQuery} on {@code manager}: the body of a 2xx answer; {@link Refused} for
     * another answer, an {@link IOException} when the connection failed.
     */
    InputStream open(String manager, String pathAndQuery) throws IOException, InterruptedException;

    /** The stream from {@code manager} broke or went silent (not an answer: the connection): the session leaves it. */
    void lost(String manager);

    /** The manager answered, but not with the stream (a status other than 2xx): it is alive, so the session stays. */
    final class Refused extends IOException {
        public Refused(String message, Throwable cause) {
            super(message, cause);
        }
    }
}
