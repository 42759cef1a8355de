package io.flotilla.manager.raft;

/** The cluster cannot accept a change now: no leader, no quorum, or this manager is stopping. */
public final class UnavailableException extends RuntimeException {
    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public UnavailableException(String message) {
        super(message);
    }
}
