package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.Map;
import java.util.Set;

/**
 * Merges a later compose file over an earlier one, as {@code docker compose -f a.yaml -f b.yaml}:
 * mappings merge key by key, scalars and command-like lists are replaced, {@code environment}
 * and {@code labels} merge by variable whichever syntax each file uses, other lists gain the
 * entries they did not have. Every node keeps the position of the file it came from.
 */
final class ComposeMerger {
    private static final Set<String> REPLACED_LISTS = Set.of("command", "entrypoint", "test", "constraints",
            "preferences");
    private static final Set<String> KEY_VALUE_FIELDS = Set.of("environment", "labels");

    private ComposeMerger() {}

    static YamlTreeReader.Document merge(YamlTreeReader.Document base, YamlTreeReader.Document override) {
        ObjectNode root = base.root().deepCopy();
        SourceMap positions = new SourceMap(base.sourceMap().defaultFile());
        positions.copySubtree(base.sourceMap(), "", "");
        mergeObject(root, override.root(), NodePath.ROOT, override.sourceMap(), positions);
        return new YamlTreeReader.Document(root, positions);
    }

    private static void mergeObject(ObjectNode target, ObjectNode source, NodePath path, SourceMap sourcePositions,
                                    SourceMap positions) {
        for (Map.Entry<String, JsonNode> field : source.properties()) {
            String name = field.getKey();
            NodePath child = path.child(name);
            JsonNode existing = target.get(name);
            JsonNode incoming = field.getValue();
            if (existing != null && KEY_VALUE_FIELDS.contains(name) && (existing.isArray() || incoming.isArray())
                    && (existing.isContainerNode() && incoming.isContainerNode())) {
                existing = asMapping(existing, child, positions, positions);
                target.set(name, existing);
                incoming = asMapping(incoming, child, sourcePositions, sourcePositions);
            }
            if (existing instanceof ObjectNode existingObject && incoming instanceof ObjectNode incomingObject) {
                mergeObject(existingObject, incomingObject, child, sourcePositions, positions);
            } else if (existing instanceof ArrayNode existingArray && incoming instanceof ArrayNode incomingArray
                    && !REPLACED_LISTS.contains(name)) {
                for (int i = 0; i < incomingArray.size(); i++) {
                    JsonNode item = incomingArray.get(i);
                    if (!contains(existingArray, item)) {
                        positions.copySubtree(sourcePositions, child.child(i).pointer(),
                                child.child(existingArray.size()).pointer());
                        existingArray.add(item.deepCopy());
                    }
                }
            } else {
                target.set(name, incoming.deepCopy());
                positions.copySubtree(sourcePositions, child.pointer(), child.pointer());
            }
        }
    }

    private static boolean contains(ArrayNode array, JsonNode item) {
        for (JsonNode element : array) {
            if (element.equals(item)) {
                return true;
            }
        }
        return false;
    }

    /** A {@code KEY=VALUE} list as a mapping (a bare {@code KEY} maps to null); positions follow the entries. */
    private static JsonNode asMapping(JsonNode node, NodePath path, SourceMap from, SourceMap to) {
        if (!(node instanceof ArrayNode array)) {
            return node;
        }
        ObjectNode mapping = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < array.size(); i++) {
            String text = array.get(i).asText();
            int equals = text.indexOf('=');
            String key = equals >= 0 ? text.substring(0, equals) : text;
            if (equals >= 0) {
                mapping.put(key, text.substring(equals + 1));
            } else {
                mapping.putNull(key);
            }
            SourceMap.Position position = from.value(path.child(i).pointer());
            if (position != null) {
                to.putKey(path.child(key).pointer(), position);
                to.putValue(path.child(key).pointer(), position);
            }
        }
        return mapping;
    }
}
