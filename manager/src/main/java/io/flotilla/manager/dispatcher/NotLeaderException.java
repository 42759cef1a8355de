package io.flotilla.manager.dispatcher;

/**
 * A dispatcher call reached a manager that does not lead. Answered 503 with the leader's API
 * address (when known) in the {@code Flotilla-Leader} header, so an agent switches at once.
 */
public final class NotLeaderException extends RuntimeException {
    private final String leaderApi;

    public NotLeaderException(String leaderApi) {
        super(leaderApi == null ? "this manager is not the leader, and no leader is known"
                : "this manager is not the leader; the leader's API is " + leaderApi);
        this.leaderApi = leaderApi;
    }

    /** {@code host:port} of the leader's API, or null. */
    public String leaderApi() {
        return leaderApi;
    }
}
