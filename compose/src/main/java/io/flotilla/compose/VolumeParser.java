package io.flotilla.compose;

import io.flotilla.model.VolumeMount;
import java.util.Arrays;
import java.util.List;
import java.util.Set;

/**
 * A service's {@code volumes} entry: short syntax {@code [SOURCE:]TARGET[:MODE]} (a source
 * starting with {@code /}, {@code .} or {@code ~} is a host path, anything else a named volume)
 * or the long syntax with {@code type} {@code volume}, {@code bind} or {@code tmpfs}. Host
 * paths are resolved against the project directory; named volumes must be declared at the top
 * level, as Compose requires.
 */
final class VolumeParser {
    private static final Set<String> SUPPORTED_TYPES = Set.of("volume", "bind", "tmpfs");

    private VolumeParser() {}

    /** The mount, or null when the entry is of a type Flotilla ignores (reported as unsupported). */
    static VolumeMount parse(ComposeNode item, MappingContext context) throws ComposeException {
        return item.isObject() ? parseLong(item, context) : parseShort(item, context);
    }

    private static VolumeMount parseShort(ComposeNode item, MappingContext context) throws ComposeException {
        String spec = item.text();
        List<String> parts = Arrays.asList(spec.split(":", -1));
        String source;
        String target;
        String mode = "";
        switch (parts.size()) {
            case 1 -> {
                source = null;
                target = parts.get(0);
            }
            case 2 -> {
                source = parts.get(0);
                target = parts.get(1);
            }
            case 3 -> {
                source = parts.get(0);
                target = parts.get(1);
                mode = parts.get(2);
            }
            default -> throw item.error("invalid volume \"" + spec + "\": expected [SOURCE:]TARGET[:MODE]");
        }
        if (target.isBlank() || (source != null && source.isBlank())) {
            throw item.error("invalid volume \"" + spec + "\": empty source or target");
        }
        boolean readOnly = Arrays.asList(mode.split(",")).contains("ro");
        if (source == null) {
            return new VolumeMount("volume", null, target, readOnly);
        }
        if (isHostPath(source)) {
            return new VolumeMount("bind", context.resolveHostPath(source).toString(), target, readOnly);
        }
        requireDeclared(item, source, context);
        return new VolumeMount("volume", source, target, readOnly);
    }

    private static VolumeMount parseLong(ComposeNode item, MappingContext context) throws ComposeException {
        String type = item.get("type").text();
        if (!SUPPORTED_TYPES.contains(type)) {
            context.unsupported("volumes.type: " + type);
            return null;
        }
        String target = item.get("target").textOrNull();
        if (target == null || target.isBlank()) {
            throw item.error("a volume needs a target");
        }
        String source = item.get("source").textOrNull();
        boolean readOnly = item.get("read_only").booleanOr(false);
        switch (type) {
            case "bind" -> {
                if (source == null || source.isBlank()) {
                    throw item.error("a bind mount needs a source");
                }
                source = context.resolveHostPath(source).toString();
            }
            case "volume" -> {
                if (source != null && !source.isBlank()) {
                    requireDeclared(item.get("source"), source, context);
                } else {
                    source = null;
                }
            }
            default -> source = null;
        }
        for (String option : List.of("bind", "volume", "tmpfs", "consistency", "image")) {
            if (item.get(option).isPresent()) {
                context.unsupported("volumes." + option);
            }
        }
        return new VolumeMount(type, source, target, readOnly);
    }

    private static boolean isHostPath(String source) {
        return source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
    }

    private static void requireDeclared(ComposeNode node, String name, MappingContext context) throws ComposeException {
        if (!context.declaredVolumes.contains(name)) {
            throw node.error("refers to undefined volume " + name + " (declare it under the top-level volumes:)");
        }
    }
}
