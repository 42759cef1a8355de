package io.flotilla.compose;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;

/**
 * Where each node of a compose document came from: for every JSON pointer, the position of its
 * key (for object members) and of its value. Several files merged into one document each keep
 * their own positions.
 */
final class SourceMap {
    /** A 1-based position in a file. */
    record Position(Path file, int line, int column) {}

    private final Path defaultFile;
    private final Map<String, Position> keys = new HashMap<>();
    private final Map<String, Position> values = new HashMap<>();
    /** The Compose merge tags ({@code reset}, {@code override}) written on nodes, by pointer. */
    private final Map<String, String> tags = new HashMap<>();

    SourceMap(Path defaultFile) {
        this.defaultFile = defaultFile;
    }

    Path defaultFile() {
        return defaultFile;
    }

    void putKey(String pointer, Position position) {
        keys.put(pointer, position);
    }

    void putValue(String pointer, Position position) {
        values.put(pointer, position);
    }

    void putTag(String pointer, String tag) {
        tags.put(pointer, tag);
    }

    boolean hasTags() {
        return !tags.isEmpty();
    }

    /** The merge tag ({@code reset} or {@code override}) written on the node, or null. */
    String tag(String pointer) {
        return tags.get(pointer);
    }

    Position key(String pointer) {
        return keys.get(pointer);
    }

    Position value(String pointer) {
        return values.get(pointer);
    }

    /** Copies the positions of every node under {@code from} in {@code source} to {@code to} here. */
    void copySubtree(SourceMap source, String from, String to) {
        keys.putAll(moved(source.keys, from, to));
        values.putAll(moved(source.values, from, to));
        tags.putAll(moved(source.tags, from, to));
    }

    /**
     * Copies the positions of {@code node} (found at {@code from}) and of its descendants to
     * {@code to}. Walks the node rather than every recorded position, so that copying for each
     * YAML alias costs the alias's size, not the file's.
     */
    void copyNode(com.fasterxml.jackson.databind.JsonNode node, String from, String to) {
        copyNode(this, node, from, to);
    }

    /** As {@link #copyNode(com.fasterxml.jackson.databind.JsonNode, String, String)}, from another document's positions. */
    void copyNode(SourceMap source, com.fasterxml.jackson.databind.JsonNode node, String from, String to) {
        Position key = source.keys.get(from);
        if (key != null) {
            keys.put(to, key);
        }
        Position value = source.values.get(from);
        if (value != null) {
            values.put(to, value);
        }
        String tag = source.tags.get(from);
        if (tag != null) {
            tags.put(to, tag);
        }
        if (node.isObject()) {
            for (Map.Entry<String, com.fasterxml.jackson.databind.JsonNode> field : node.properties()) {
                String step = "/" + field.getKey().replace("~", "~0").replace("/", "~1");
                copyNode(source, field.getValue(), from + step, to + step);
            }
        } else if (node.isArray()) {
            for (int i = 0; i < node.size(); i++) {
                copyNode(source, node.get(i), from + "/" + i, to + "/" + i);
            }
        }
    }

    private static <T> Map<String, T> moved(Map<String, T> positions, String from, String to) {
        Map<String, T> result = new HashMap<>();
        positions.forEach((pointer, position) -> {
            if (isUnder(pointer, from)) {
                result.put(to + pointer.substring(from.length()), position);
            }
        });
        return result;
    }

    private static boolean isUnder(String pointer, String prefix) {
        return pointer.equals(prefix) || pointer.startsWith(prefix + "/");
    }

    /**
     * The best position to report a problem with the node at {@code path}: its key for an object
     * member whose value spans lines, its value for a scalar, else the nearest ancestor known.
     */
    Position locate(NodePath path, boolean preferKey) {
        NodePath current = path;
        while (true) {
            String pointer = current.pointer();
            Position key = keys.get(pointer);
            Position value = values.get(pointer);
            Position chosen = preferKey ? (key != null ? key : value) : (value != null ? value : key);
            if (chosen != null) {
                return chosen;
            }
            if (current.isRoot()) {
                return new Position(defaultFile, 0, 0);
            }
            current = current.parent();
        }
    }

    ComposeException error(NodePath path, boolean preferKey, String detail) {
        Position position = locate(path, preferKey);
        return new ComposeException(position.file(), position.line(), position.column(), path.key(), detail);
    }

    ComposeException.Problem problem(NodePath path, boolean preferKey, String detail) {
        Position position = locate(path, preferKey);
        return new ComposeException.Problem(position.file(), position.line(), position.column(), path.key(), detail);
    }
}
