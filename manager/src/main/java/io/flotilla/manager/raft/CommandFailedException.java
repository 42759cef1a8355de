package io.flotilla.manager.raft;

/**
 * A command reached the log but could not be applied (it could not be decoded, or apply threw).
 * Every replica fails the same way, so the state is unchanged everywhere.
 */
public final class CommandFailedException extends RuntimeException {
    public CommandFailedException(String message) {
        super(message);
    }
}
