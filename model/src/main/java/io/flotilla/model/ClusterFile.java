package io.flotilla.model;

import java.time.Instant;
import java.util.Map;

/**
 * A secret or config as the cluster holds it ({@code flotilla secret|config create}, or a stack's
 * own {@code <stack>_<name>}): its metadata in the clear, its content sealed under the managers'
 * cluster data key ({@link SealedData}; configs too, so that there is one path). Secrets and
 * configs have separate name spaces, as in Docker.
 *
 * @param id        the object's id, drawn by the manager that made it
 * @param kind      secret or config
 * @param name      the cluster-wide name ({@code <stack>_<key>} for a stack's own)
 * @param stack     the stack that owns it (removed with it); null for one made with {@code create}
 * @param labels    the user's labels
 * @param version   1 when created, +1 at each content change ({@code secret update}, a deploy
 *                  with new content)
 * @param createdAt when it was made (the time of the command that made it)
 * @param updatedAt when its content last changed
 * @param sealed    the current version's content, encrypted
 */
public record ClusterFile(String id, FileKind kind, String name, String stack, Map<String, String> labels,
                          long version, Instant createdAt, Instant updatedAt, SealedData sealed) {
    public ClusterFile {
        Checks.requireText(id, "file id");
        java.util.Objects.requireNonNull(kind, "kind");
        Checks.requireText(name, "file name");
        labels = Checks.map(labels);
        if (version < 1) {
            throw new IllegalArgumentException("a file's version starts at 1, not " + version);
        }
        java.util.Objects.requireNonNull(sealed, "sealed");
    }

    /** The next version: {@code newSealed} sealed for {@code version + 1}. */
    public ClusterFile nextVersion(SealedData newSealed, Instant at) {
        return new ClusterFile(id, kind, name, stack, labels, version + 1, createdAt, at, newSealed);
    }

    /** The key a table holds it under: kind and name (secrets and configs have separate name spaces). */
    public static String key(FileKind kind, String name) {
        return kind.label() + ":" + name;
    }

    public String key() {
        return key(kind, name);
    }
}
