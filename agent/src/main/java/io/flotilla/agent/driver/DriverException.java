package io.flotilla.agent.driver;

/** A task could not be started; the message says why in words a user can act on. */
public final class DriverException extends Exception {
    public DriverException(String message) {
        super(message);
    }

    public DriverException(String message, Throwable cause) {
        super(message, cause);
    }
}
