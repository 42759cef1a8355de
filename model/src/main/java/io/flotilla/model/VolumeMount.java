package io.flotilla.model;

/**
 * A volume attached to a service: {@code type} is {@code volume}, {@code bind} or {@code tmpfs};
 * {@code source} is the volume name (stack-scoped) or host path; {@code target} the path inside.
 */
public record VolumeMount(String type, String source, String target, boolean readOnly) {
    public VolumeMount {
        type = type == null ? "volume" : type;
        Checks.requireText(target, "volume target");
    }
}
