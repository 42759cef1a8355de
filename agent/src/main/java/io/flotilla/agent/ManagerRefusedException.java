package io.flotilla.agent;

import java.io.IOException;

/** A manager answered a dispatcher call with an error about the request (not a 503): {@code status} says which. */
public final class ManagerRefusedException extends IOException {
    private final int status;

    public ManagerRefusedException(int status, String message) {
        super(message);
        this.status = status;
    }

    public int status() {
        return status;
    }
}
