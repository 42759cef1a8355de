package io.flotilla.manager.raft;

/** The cluster cannot accept a change now: no leader, no quorum, or this manager is stopping. */
public final class UnavailableException extends RuntimeException {
    public UnavailableException(String message, Throwable cause) {
        super(message, cause);
    }

    public UnavailableException(String message) {
        super(message);
    }

    /** A decision of the leader of {@code term} that this manager no longer leads ({@link ClusterStore#submitInTerm}). */
    static UnavailableException noLongerLeads(long term, long current) {
        return new UnavailableException("this manager no longer leads term " + term + " (term " + current + ")");
    }
}
