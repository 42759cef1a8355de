package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Path;
import java.util.Map;

/**
 * Makes the relative paths of a document loaded from another directory absolute, as
 * compose-go's {@code ResolveRelativePaths} does for a file reached by {@code include} or by
 * {@code extends.file}: such a file's paths are relative to its own directory, not to the
 * project's, and once merged into the project's document nothing would tell them apart. The
 * fields are those compose-go resolves that Flotilla reads: {@code build} (context),
 * {@code env_file}, {@code extends.file}, bind mounts in {@code volumes}, and the {@code file} of
 * top-level {@code secrets} and {@code configs}. Paths starting with {@code ~} and URLs are left
 * as written.
 */
final class RelativePaths {
    private RelativePaths() {}

    static void resolve(ObjectNode root, Path directory) {
        for (Map.Entry<String, JsonNode> service : root.path("services").properties()) {
            if (service.getValue() instanceof ObjectNode object) {
                resolveService(object, directory);
            }
        }
        for (String resource : new String[] {"secrets", "configs"}) {
            for (Map.Entry<String, JsonNode> entry : root.path(resource).properties()) {
                if (entry.getValue() instanceof ObjectNode object) {
                    absolute(object, "file", directory);
                }
            }
        }
    }

    private static void resolveService(ObjectNode service, Path directory) {
        JsonNode build = service.get("build");
        if (build != null && build.isTextual() && !isUrl(build.textValue())) {
            service.put("build", against(directory, build.textValue()));
        } else if (build instanceof ObjectNode object && object.path("context").isTextual()
                && !isUrl(object.get("context").textValue())) {
            absolute(object, "context", directory);
        }
        JsonNode envFile = service.get("env_file");
        if (envFile != null && envFile.isTextual()) {
            service.put("env_file", against(directory, envFile.textValue()));
        } else if (envFile instanceof ArrayNode list) {
            for (int i = 0; i < list.size(); i++) {
                if (list.get(i).isTextual()) {
                    list.set(i, list.textNode(against(directory, list.get(i).textValue())));
                } else if (list.get(i) instanceof ObjectNode entry) {
                    absolute(entry, "path", directory);
                }
            }
        }
        if (service.get("extends") instanceof ObjectNode extendsNode) {
            absolute(extendsNode, "file", directory);
        }
        if (service.get("volumes") instanceof ArrayNode volumes) {
            for (int i = 0; i < volumes.size(); i++) {
                JsonNode volume = volumes.get(i);
                if (volume.isTextual() && isRelative(volume.textValue())) {
                    int colon = volume.textValue().indexOf(':');
                    String source = colon < 0 ? volume.textValue() : volume.textValue().substring(0, colon);
                    String rest = colon < 0 ? "" : volume.textValue().substring(colon);
                    volumes.set(i, volumes.textNode(against(directory, source) + rest));
                } else if (volume instanceof ObjectNode mount && "bind".equals(mount.path("type").asText())
                        && mount.path("source").isTextual() && isRelative(mount.get("source").textValue())) {
                    absolute(mount, "source", directory);
                }
            }
        }
    }

    private static void absolute(ObjectNode object, String field, Path directory) {
        JsonNode value = object.get(field);
        if (value != null && value.isTextual()) {
            object.put(field, against(directory, value.textValue()));
        }
    }

    /** A path as Compose reads a volume's source: relative when it starts with a dot. */
    private static boolean isRelative(String source) {
        return source.equals(".") || source.equals("..") || source.startsWith("./") || source.startsWith("../");
    }

    private static boolean isUrl(String text) {
        return text.contains("://") || text.startsWith("git@");
    }

    private static String against(Path directory, String path) {
        if (path.startsWith("~") || path.isEmpty()) {
            return path;
        }
        return directory.resolve(path).normalize().toString();
    }
}
