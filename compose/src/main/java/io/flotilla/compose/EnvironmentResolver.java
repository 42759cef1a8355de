package io.flotilla.compose;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A service's environment ({@code env_file} entries overlaid by {@code environment}) and other
 * key-value lists. An {@code env_file} entry may be long syntax: {@code required: false} skips a
 * missing file, {@code format: raw} takes each value as written (no quotes, no substitution).
 */
final class EnvironmentResolver {
    private EnvironmentResolver() {}

    /** {@code env_file} entries, overlaid by {@code environment}. */
    static Map<String, String> resolve(ComposeNode service, MappingContext context) throws ComposeException {
        Map<String, String> environment = new LinkedHashMap<>();
        ComposeNode envFiles = service.get("env_file");
        List<ComposeNode> entries = envFiles.isArray() ? envFiles.items()
                : envFiles.isPresent() ? List.of(envFiles) : List.of();
        for (ComposeNode entry : entries) {
            String path;
            boolean required = true;
            boolean raw = false;
            ComposeNode at = entry;
            if (entry.isObject()) {
                at = entry.get("path");
                path = at.text();
                required = entry.get("required").booleanOr(true);
                ComposeNode format = entry.get("format");
                if (format.isPresent() && !format.text().equals("raw")) {
                    throw format.error("unsupported env_file format \"" + format.text()
                            + "\" (raw, or leave it out for the .env format)");
                }
                raw = format.isPresent();
            } else {
                path = entry.text();
            }
            Path file = context.resolveHostPath(path);
            if (!Files.isRegularFile(file)) {
                if (required) {
                    throw at.error("env file " + file + " not found");
                }
                continue;
            }
            environment.putAll(raw ? DotEnvParser.readRaw(file) : DotEnvParser.read(file, context.variables));
        }
        environment.putAll(keyValues(service.get("environment"), context.variables));
        return environment;
    }

    /**
     * A list of {@code KEY=VALUE} or a mapping. A key without a value takes it from
     * {@code lookup} (and is left out when absent there); without a lookup it is empty.
     */
    static Map<String, String> keyValues(ComposeNode node, Map<String, String> lookup) throws ComposeException {
        Map<String, String> values = new LinkedHashMap<>();
        if (!node.isPresent()) {
            return values;
        }
        if (node.isArray()) {
            for (ComposeNode item : node.items()) {
                String text = item.text();
                int equals = text.indexOf('=');
                if (equals == 0) {
                    throw item.error("missing name in " + item.describeValue());
                }
                if (equals > 0) {
                    values.put(text.substring(0, equals), text.substring(equals + 1));
                } else {
                    putBare(values, text, lookup);
                }
            }
            return values;
        }
        for (Map.Entry<String, ComposeNode> field : node.fields().entrySet()) {
            if (field.getValue().isPresent()) {
                values.put(field.getKey(), field.getValue().text());
            } else {
                putBare(values, field.getKey(), lookup);
            }
        }
        return values;
    }

    private static void putBare(Map<String, String> values, String key, Map<String, String> lookup) {
        if (lookup == null) {
            values.put(key, "");
        } else if (lookup.containsKey(key)) {
            values.put(key, lookup.get(key));
        }
    }

}
