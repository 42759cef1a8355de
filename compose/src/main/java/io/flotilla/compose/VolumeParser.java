package io.flotilla.compose;

import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * A service's {@code volumes} entry: short syntax {@code [SOURCE:]TARGET[:MODE]} (a source
 * starting with {@code /}, {@code .} or {@code ~} is a host path, anything else a named volume)
 * or the long syntax with {@code type} {@code volume}, {@code bind} or {@code tmpfs}. Host
 * paths are resolved against the project directory; named volumes must be declared at the top
 * level, as Compose requires. A named volume's mount carries its cluster-wide name (see
 * {@link #declarations}) and the driver options of its declaration, so that the agents and the
 * state never need the stack file again.
 */
final class VolumeParser {
    private static final Set<String> SUPPORTED_TYPES = Set.of("volume", "bind", "tmpfs");
    private static final Set<String> DRIVERS = Set.of(VolumeOptions.LOCAL, VolumeOptions.GLUSTERFS);
    private static final Set<String> GLUSTERFS_OPTIONS = Set.of("servers", "volume");
    /** A host name or IPv4 address with an optional port; IPv6 in brackets. */
    private static final Pattern SERVER = Pattern.compile("(\\[[0-9A-Fa-f:.]+\\]|[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?)(:[0-9]{1,5})?");
    private static final Pattern GLUSTER_VOLUME = Pattern.compile("[A-Za-z0-9_.-]+");

    /** A top-level {@code volumes:} entry resolved: the name the cluster knows it by, and how it is provided. */
    record Declared(String name, VolumeOptions options) {}

    private VolumeParser() {}

    /**
     * The top-level {@code volumes:} entries by their key in the file. The cluster-wide name is
     * {@code <stack>_<key>} (as {@code docker stack deploy} names them), or {@code name:} as
     * given, or for an external volume its name as given (Compose's {@code external: {name: x}}
     * is accepted too). An unknown driver, or glusterfs options that cannot be right, are refused here,
     * where the file's line is known; glusterfs options left out come from the nodes' defaults.
     */
    static Map<String, Declared> declarations(ComposeNode volumes, String stackName) throws ComposeException {
        Map<String, Declared> declared = new LinkedHashMap<>();
        for (Map.Entry<String, ComposeNode> entry : volumes.fields().entrySet()) {
            String key = entry.getKey();
            ComposeNode node = entry.getValue();
            if (!node.isPresent()) {
                declared.put(key, new Declared(stackName + "_" + key, VolumeOptions.DEFAULT));
                continue;
            }
            if (!node.isObject()) {
                throw node.error("volume " + key + " must be a mapping (or empty)");
            }
            ComposeNode externalNode = node.get("external");
            boolean external;
            String name = node.get("name").textOrNull();
            if (externalNode.isObject()) {
                external = true;
                String legacyName = externalNode.get("name").textOrNull();
                name = legacyName != null ? legacyName : name;
            } else {
                external = externalNode.booleanOr(false);
            }
            if (name != null && name.isBlank()) {
                throw node.get("name").error("volume " + key + ": name must not be empty");
            }
            ComposeNode driverNode = node.get("driver");
            String driver = driverNode.isPresent() ? driverNode.text() : VolumeOptions.LOCAL;
            if (!DRIVERS.contains(driver)) {
                throw driverNode.error("volume " + key + ": unknown driver " + driver
                        + "; Flotilla has local and glusterfs");
            }
            Map<String, String> driverOpts = EnvironmentResolver.keyValues(node.get("driver_opts"), null);
            if (driver.equals(VolumeOptions.GLUSTERFS)) {
                checkGlusterOptions(key, node.get("driver_opts"), driverOpts);
            } else if (!driverOpts.isEmpty()) {
                throw node.get("driver_opts").keyError("volume " + key + ": the local driver takes no driver_opts (got "
                        + String.join(", ", driverOpts.keySet()) + ")");
            }
            Map<String, String> labels = EnvironmentResolver.keyValues(node.get("labels"), null);
            String clusterName = name != null ? name : external ? key : stackName + "_" + key;
            declared.put(key, new Declared(clusterName, new VolumeOptions(driver, driverOpts, labels, external)));
        }
        return declared;
    }

    private static void checkGlusterOptions(String key, ComposeNode optsNode, Map<String, String> opts)
            throws ComposeException {
        for (Map.Entry<String, String> opt : opts.entrySet()) {
            ComposeNode at = optsNode.isObject() ? optsNode.get(opt.getKey()) : optsNode;
            String value = opt.getValue();
            switch (opt.getKey()) {
                case "servers" -> {
                    for (String server : value.split(",", -1)) {
                        if (!SERVER.matcher(server.strip()).matches()) {
                            throw at.error("volume " + key + ": driver_opts.servers must be a comma-separated list of"
                                    + " host[:port], not \"" + value + "\"");
                        }
                    }
                }
                case "volume" -> {
                    if (!GLUSTER_VOLUME.matcher(value).matches()) {
                        throw at.error("volume " + key + ": driver_opts.volume must be a Gluster volume name"
                                + " (letters, digits, _ . -), not \"" + value + "\"");
                    }
                }
                default -> throw at.keyError("volume " + key + ": unknown glusterfs option " + opt.getKey()
                        + " (the glusterfs driver takes " + String.join(" and ", List.of("servers", "volume")) + ")");
            }
        }
    }

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
        Declared declared = requireDeclared(item, source, context);
        return new VolumeMount("volume", declared.name(), target, readOnly, declared.options());
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
        VolumeOptions options = null;
        switch (type) {
            case "bind" -> {
                if (source == null || source.isBlank()) {
                    throw item.error("a bind mount needs a source");
                }
                source = context.resolveHostPath(source).toString();
            }
            case "volume" -> {
                if (source != null && !source.isBlank()) {
                    Declared declared = requireDeclared(item.get("source"), source, context);
                    source = declared.name();
                    options = declared.options();
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
        return new VolumeMount(type, source, target, readOnly, options);
    }

    private static boolean isHostPath(String source) {
        return source.startsWith("/") || source.startsWith(".") || source.startsWith("~");
    }

    private static Declared requireDeclared(ComposeNode node, String name, MappingContext context) throws ComposeException {
        Declared declared = context.volumes.get(name);
        if (declared == null) {
            throw node.error("refers to undefined volume " + name + " (declare it under the top-level volumes:)");
        }
        return declared;
    }
}
