package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.MissingNode;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * A node of a validated compose document with its path, read through typed accessors that
 * accept what Compose accepts (a number may be written as a string) and fail with the node's
 * file, line, column and key otherwise.
 */
final class ComposeNode {
    private final JsonNode node;
    private final NodePath path;
    private final SourceMap sourceMap;

    ComposeNode(JsonNode node, NodePath path, SourceMap sourceMap) {
        this.node = node == null ? MissingNode.getInstance() : node;
        this.path = path;
        this.sourceMap = sourceMap;
    }

    NodePath path() {
        return path;
    }

    JsonNode json() {
        return node;
    }

    ComposeNode get(String name) {
        return new ComposeNode(node.isObject() ? node.get(name) : null, path.child(name), sourceMap);
    }

    /** True when the key is written with a non-null value. */
    boolean isPresent() {
        return !node.isMissingNode() && !node.isNull();
    }

    boolean isObject() {
        return node.isObject();
    }

    boolean isArray() {
        return node.isArray();
    }

    boolean isText() {
        return node.isTextual();
    }

    /** A scalar as text (numbers and booleans as written in YAML 1.2). */
    String text() throws ComposeException {
        if (!node.isValueNode() || node.isNull()) {
            throw error("must be a string, not " + YamlTreeReader.describe(node));
        }
        return node.asText();
    }

    String textOrNull() throws ComposeException {
        return isPresent() ? text() : null;
    }

    long longValue() throws ComposeException {
        if (node.isIntegralNumber() && node.canConvertToLong()) {
            return node.longValue();
        }
        if (node.isTextual()) {
            try {
                return Long.parseLong(node.textValue().strip());
            } catch (NumberFormatException e) {
                throw error("must be an integer, not \"" + node.textValue() + "\"");
            }
        }
        throw error("must be an integer, not " + YamlTreeReader.describe(node));
    }

    int intValue() throws ComposeException {
        long value = longValue();
        if (value < Integer.MIN_VALUE || value > Integer.MAX_VALUE) {
            throw error("integer out of range: " + value);
        }
        return (int) value;
    }

    Integer intOrNull() throws ComposeException {
        return isPresent() ? intValue() : null;
    }

    BigDecimal decimal() throws ComposeException {
        if (node.isNumber()) {
            return node.decimalValue();
        }
        if (node.isTextual()) {
            try {
                return new BigDecimal(node.textValue().strip());
            } catch (NumberFormatException e) {
                throw error("must be a number, not \"" + node.textValue() + "\"");
            }
        }
        throw error("must be a number, not " + YamlTreeReader.describe(node));
    }

    boolean booleanValue() throws ComposeException {
        if (node.isBoolean()) {
            return node.booleanValue();
        }
        if (node.isTextual()) {
            String text = node.textValue().strip();
            if (text.equalsIgnoreCase("true")) {
                return true;
            }
            if (text.equalsIgnoreCase("false")) {
                return false;
            }
        }
        throw error("must be true or false, not " + describeValue());
    }

    boolean booleanOr(boolean fallback) throws ComposeException {
        return isPresent() ? booleanValue() : fallback;
    }

    List<ComposeNode> items() throws ComposeException {
        if (!isPresent()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw error("must be a list, not " + YamlTreeReader.describe(node));
        }
        List<ComposeNode> items = new ArrayList<>(node.size());
        for (int i = 0; i < node.size(); i++) {
            items.add(new ComposeNode(node.get(i), path.child(i), sourceMap));
        }
        return items;
    }

    /** The members of a mapping, in file order. */
    Map<String, ComposeNode> fields() throws ComposeException {
        if (!isPresent()) {
            return Map.of();
        }
        if (!node.isObject()) {
            throw error("must be a mapping, not " + YamlTreeReader.describe(node));
        }
        Map<String, ComposeNode> fields = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> field : node.properties()) {
            fields.put(field.getKey(), new ComposeNode(field.getValue(), path.child(field.getKey()), sourceMap));
        }
        return fields;
    }

    /** A string or a list of strings, as {@code cap_add}, {@code tmpfs} or {@code env_file} allow. */
    List<String> stringOrList() throws ComposeException {
        if (!isPresent()) {
            return List.of();
        }
        if (node.isArray()) {
            List<String> values = new ArrayList<>();
            for (ComposeNode item : items()) {
                values.add(item.text());
            }
            return values;
        }
        return List.of(text());
    }

    String describeValue() {
        return node.isTextual() ? "\"" + node.textValue() + "\"" : YamlTreeReader.describe(node);
    }

    ComposeException error(String detail) {
        return sourceMap.error(path, !node.isValueNode(), detail);
    }

    ComposeException keyError(String detail) {
        return sourceMap.error(path, true, detail);
    }
}
