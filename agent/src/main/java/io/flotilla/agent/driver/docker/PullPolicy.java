package io.flotilla.agent.driver.docker;

import java.util.Locale;

/** Compose's {@code pull_policy}: when the driver pulls a task's image before creating its container. */
public enum PullPolicy {
    /** Pull only when the daemon does not have the image (the default; also {@code if_not_present}). */
    MISSING,
    /** Pull every time a task starts. */
    ALWAYS,
    /** Never pull: a missing image rejects the task. */
    NEVER,
    /**
     * The image is built ({@code build:}): it comes from the cluster's own image store, never from a
     * registry, and a node whose daemon lacks it and cannot load it from the cluster rejects the task.
     */
    BUILD;

    /** What to do about the image before creating a container. */
    public enum Decision { USE_LOCAL, PULL, REJECT }

    public static PullPolicy parse(String value) {
        if (value == null) {
            return MISSING;
        }
        return switch (value.toLowerCase(Locale.ROOT)) {
            case "always" -> ALWAYS;
            case "never" -> NEVER;
            case "build" -> BUILD;
            default -> MISSING;
        };
    }

    public Decision decide(boolean imagePresent) {
        return switch (this) {
            case ALWAYS -> Decision.PULL;
            case MISSING -> imagePresent ? Decision.USE_LOCAL : Decision.PULL;
            case NEVER, BUILD -> imagePresent ? Decision.USE_LOCAL : Decision.REJECT;
        };
    }
}
