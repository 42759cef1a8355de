package io.flotilla.compose;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A service's {@code build:} (a context path, or the long syntax) as a {@link BuildSpec}. What the
 * file names is checked here, where the error can name file, line and key: the context must be a
 * local directory and the Dockerfile a file inside it. Keys Flotilla does not act on
 * ({@code ssh}, {@code secrets}, {@code platforms}, …) are reported as ignored ({@code build.ssh}).
 */
final class BuildMapper {
    /** The {@code build} keys Flotilla acts on. */
    static final Set<String> KEYS = Set.of("context", "dockerfile", "dockerfile_inline", "args", "target", "labels",
            "cache_from", "no_cache", "pull");

    private BuildMapper() {}

    /** The build spec, or null when the service has no {@code build}. */
    static BuildSpec map(String serviceName, String image, ComposeNode build, MappingContext context)
            throws ComposeException {
        if (!build.isPresent()) {
            return null;
        }
        if (build.isText()) {
            Path directory = contextDirectory(build, build.text(), context);
            return new BuildSpec(serviceName, image, directory, dockerfile(build, "Dockerfile", directory), null,
                    Map.of(), null, Map.of(), List.of(), false, false);
        }
        if (!build.isObject()) {
            throw build.error("build must be a context path or a mapping");
        }
        for (String key : build.fields().keySet()) {
            if (!KEYS.contains(key) && !key.startsWith("x-")) {
                context.unsupported("build." + key);
            }
        }
        ComposeNode contextNode = build.get("context");
        Path directory = contextDirectory(contextNode, contextNode.isPresent() ? contextNode.text() : ".", context);
        ComposeNode inline = build.get("dockerfile_inline");
        ComposeNode file = build.get("dockerfile");
        if (inline.isPresent() && file.isPresent()) {
            throw inline.keyError("dockerfile and dockerfile_inline are exclusive: give one");
        }
        String dockerfile = inline.isPresent() ? null
                : dockerfile(file.isPresent() ? file : build, file.isPresent() ? file.text() : "Dockerfile", directory);
        return new BuildSpec(serviceName, image, directory, dockerfile, inline.textOrNull(),
                args(build.get("args"), context), build.get("target").textOrNull(), labels(build.get("labels")),
                build.get("cache_from").stringOrList(), build.get("no_cache").booleanOr(false),
                build.get("pull").booleanOr(false));
    }

    private static Path contextDirectory(ComposeNode at, String path, MappingContext context) throws ComposeException {
        if (path.contains("://") || path.startsWith("git@") || path.endsWith(".git")) {
            throw at.error("build context " + path + " is not a local directory: Flotilla builds only from"
                    + " directories (clone the repository and point context at it)");
        }
        Path directory = context.resolveHostPath(path);
        if (!Files.isDirectory(directory)) {
            throw at.error("build context " + directory + " is not a directory");
        }
        return directory;
    }

    private static String dockerfile(ComposeNode at, String name, Path directory) throws ComposeException {
        Path path = directory.resolve(name).normalize();
        if (!path.startsWith(directory)) {
            throw at.error("dockerfile " + name + " is outside the build context " + directory);
        }
        if (!Files.isRegularFile(path)) {
            throw at.error("dockerfile " + path + " does not exist");
        }
        return directory.relativize(path).toString();
    }

    /**
     * {@code args} as a mapping or a {@code KEY=value} list; a key without a value takes the variable's
     * value (from the environment and {@code .env}), and is left out when unset, as Compose does.
     */
    private static Map<String, String> args(ComposeNode node, MappingContext context) throws ComposeException {
        Map<String, String> args = new LinkedHashMap<>();
        if (node.isArray()) {
            for (ComposeNode item : node.items()) {
                String entry = item.text();
                int equals = entry.indexOf('=');
                String key = equals < 0 ? entry : entry.substring(0, equals);
                String value = equals < 0 ? context.variables.get(key) : entry.substring(equals + 1);
                if (value != null) {
                    args.put(key, value);
                }
            }
            return args;
        }
        for (Map.Entry<String, ComposeNode> field : node.fields().entrySet()) {
            String value = field.getValue().isPresent() ? field.getValue().text() : context.variables.get(field.getKey());
            if (value != null) {
                args.put(field.getKey(), value);
            }
        }
        return args;
    }

    private static Map<String, String> labels(ComposeNode node) throws ComposeException {
        Map<String, String> labels = new LinkedHashMap<>();
        if (node.isArray()) {
            for (ComposeNode item : node.items()) {
                String entry = item.text();
                int equals = entry.indexOf('=');
                labels.put(equals < 0 ? entry : entry.substring(0, equals), equals < 0 ? "" : entry.substring(equals + 1));
            }
            return labels;
        }
        for (Map.Entry<String, ComposeNode> field : node.fields().entrySet()) {
            labels.put(field.getKey(), field.getValue().isPresent() ? field.getValue().text() : "");
        }
        return labels;
    }
}
