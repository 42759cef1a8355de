package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.regex.Pattern;

/**
 * Substitutes variables in every string value of a document (never in keys), then casts the
 * substituted values of typed fields the way Compose does, so that {@code replicas: "${N}"}
 * becomes a number. Values written literally are left as the author typed them.
 */
final class DocumentInterpolator {
    private static final Pattern INTEGER = Pattern.compile("[-+]?\\d+");
    private static final Pattern NUMBER = Pattern.compile("[-+]?(\\d+\\.?\\d*|\\.\\d+)([eE][-+]?\\d+)?");
    private static final Set<String> INTEGER_FIELDS = Set.of("replicas", "retries", "parallelism", "max_attempts",
            "max_replicas_per_node", "pids", "target", "soft", "hard", "cpu_count", "cpu_percent", "oom_score_adj",
            "context_size", "scale", "pids_limit");
    private static final Set<String> NUMBER_FIELDS = Set.of("cpus", "max_failure_ratio", "priority", "gw_priority");
    private static final Set<String> BOOLEAN_FIELDS = Set.of("required", "init", "read_only", "disable",
            "use_api_socket", "initial_sync", "external", "attachable", "internal", "tty", "stdin_open", "privileged",
            "enable_ipv6", "enable_ipv4", "oom_kill_disable", "nocopy", "create_host_path");

    private final Interpolator interpolator;
    private final SourceMap sourceMap;
    private final List<ComposeException.Problem> problems = new ArrayList<>();

    DocumentInterpolator(Interpolator interpolator, SourceMap sourceMap) {
        this.interpolator = interpolator;
        this.sourceMap = sourceMap;
    }

    /** Substitutes in place; throws listing every substitution that failed. */
    void interpolate(ObjectNode root) throws ComposeException {
        walk(root, NodePath.ROOT);
        if (!problems.isEmpty()) {
            throw ComposeException.of(problems);
        }
    }

    private void walk(JsonNode node, NodePath path) {
        if (node instanceof ObjectNode object) {
            for (String name : object.properties().stream().map(java.util.Map.Entry::getKey).toList()) {
                JsonNode child = object.get(name);
                JsonNode replaced = substitute(child, path.child(name), name, path);
                if (replaced != child) {
                    object.set(name, replaced);
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                JsonNode child = array.get(i);
                JsonNode replaced = substitute(child, path.child(i), null, path);
                if (replaced != child) {
                    array.set(i, replaced);
                }
            }
        }
    }

    private JsonNode substitute(JsonNode child, NodePath childPath, String field, NodePath parentPath) {
        if (!child.isTextual()) {
            walk(child, childPath);
            return child;
        }
        String text = child.textValue();
        if (text.indexOf('$') < 0) {
            return child;
        }
        try {
            String value = interpolator.interpolate(text);
            return cast(value, field, parentPath);
        } catch (Interpolator.InterpolationException e) {
            problems.add(sourceMap.problem(childPath, false, e.getMessage()));
            return child;
        }
    }

    private static JsonNode cast(String value, String field, NodePath parentPath) {
        JsonNodeFactory nodes = JsonNodeFactory.instance;
        String trimmed = value.strip();
        boolean underUlimits = !parentPath.isRoot() && "ulimits".equals(lastName(parentPath));
        if (field != null && (INTEGER_FIELDS.contains(field) || underUlimits) && INTEGER.matcher(trimmed).matches()) {
            try {
                return nodes.numberNode(Long.parseLong(trimmed));
            } catch (NumberFormatException e) {
                return nodes.textNode(value);
            }
        }
        if (field != null && NUMBER_FIELDS.contains(field) && NUMBER.matcher(trimmed).matches()) {
            return nodes.numberNode(Double.parseDouble(trimmed));
        }
        if (field != null && BOOLEAN_FIELDS.contains(field)
                && (trimmed.equalsIgnoreCase("true") || trimmed.equalsIgnoreCase("false"))) {
            return nodes.booleanNode(trimmed.equalsIgnoreCase("true"));
        }
        return nodes.textNode(value);
    }

    private static String lastName(NodePath path) {
        Object last = path.elements().getLast();
        return last instanceof String name ? name : "";
    }

}
