package io.flotilla.agent.driver;

import java.nio.file.Path;
import java.util.Objects;

/**
 * One mount a task gets, resolved on this node: what the task driver mounts, and where.
 *
 * @param type     {@link Type#BIND} a host directory (a named volume's, a bind mount's or, for a
 *                 process task, an anonymous volume's directory in the task directory);
 *                 {@link Type#TMPFS}; {@link Type#ANONYMOUS} a Docker anonymous volume
 * @param source   the host path for {@link Type#BIND}, else null
 * @param target   the path in the task as the service gives it (for a process task a relative
 *                 one is relative to its working directory)
 * @param options  tmpfs options ({@code size=64m}), else null
 * @param volume   the named volume's name, for messages; null for other mounts
 */
public record HostMount(Type type, Path source, String target, boolean readOnly, String options, String volume) {
    public enum Type { BIND, TMPFS, ANONYMOUS }

    public HostMount {
        Objects.requireNonNull(type, "type");
        Objects.requireNonNull(target, "target");
        if (type == Type.BIND) {
            Objects.requireNonNull(source, "a bind mount needs a source");
        }
    }

    public static HostMount bind(Path source, String target, boolean readOnly, String volume) {
        return new HostMount(Type.BIND, source, target, readOnly, null, volume);
    }
}
