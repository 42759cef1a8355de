package io.flotilla.agent.volume;

/** A volume driver could not provide a volume; the message is the reason, for the task's error. */
public final class VolumeException extends Exception {
    public VolumeException(String reason) {
        super(reason);
    }

    public VolumeException(String reason, Throwable cause) {
        super(reason, cause);
    }
}
