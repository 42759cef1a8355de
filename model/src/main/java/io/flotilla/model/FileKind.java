package io.flotilla.model;

/** What a cluster file object is: a secret (encrypted at rest, never shown) or a config. */
public enum FileKind {
    SECRET,
    CONFIG;

    /** {@code secret} or {@code config}, as the CLI and error messages name it. */
    public String label() {
        return name().toLowerCase(java.util.Locale.ROOT);
    }
}
