package io.flotilla.cli.build;

/** A service's image could not be built: the message names the service, the step and the daemon's reason. */
public final class BuildException extends Exception {
    public BuildException(String message) {
        super(message);
    }

    public BuildException(String message, Throwable cause) {
        super(message, cause);
    }
}
