package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Merges a later compose file over an earlier one, as {@code docker compose -f a.yaml -f b.yaml}
 * (the Compose Specification's 13-merge.md), and a service over the one it {@code extends}:
 * mappings merge key by key, scalars and command-like lists are replaced, {@code environment}
 * and {@code labels} merge by variable and {@code depends_on} and {@code networks} by name whichever
 * syntax each file uses, {@code volumes} merge by their target and {@code ports} by address,
 * published port, target and protocol (a later entry replaces the earlier one), other lists gain
 * the entries they did not have. A node tagged {@code !reset} removes what it is merged over, one
 * tagged {@code !override} replaces it whole. Every node keeps the position of the file it came
 * from.
 */
final class ComposeMerger {
    private static final Set<String> REPLACED_LISTS = Set.of("command", "entrypoint", "test", "constraints",
            "preferences");
    private static final Set<String> KEY_VALUE_FIELDS = Set.of("environment", "labels");
    /** 13-merge.md's unique resources: service lists whose entries merge by a key, a later one replacing. */
    private static final Map<String, java.util.function.Function<JsonNode, String>> UNIQUE_KEYS = Map.of(
            "volumes", ComposeMerger::volumeTarget, "ports", ComposeMerger::portKey);
    /** Service fields that are a list of names or a mapping by name: merged as mappings when the files differ. */
    private static final Set<String> NAME_LISTS = Set.of("depends_on", "networks");

    private ComposeMerger() {}

    /** A document with no keys, to merge a first file into (which applies its own {@code !reset} tags). */
    static YamlTreeReader.Document empty(java.nio.file.Path file) {
        return new YamlTreeReader.Document(JsonNodeFactory.instance.objectNode(), new SourceMap(file));
    }

    /**
     * Merges {@code source} (at {@code path} of a document whose positions are {@code sourcePositions})
     * into {@code target}, which sits at the same path of the document positioned by {@code positions}.
     */
    static void mergeInto(ObjectNode target, ObjectNode source, NodePath path, SourceMap sourcePositions,
                          SourceMap positions) {
        mergeObject(target, source, path, sourcePositions, positions);
    }

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
            String tag = sourcePositions.tag(child.pointer());
            if ("reset".equals(tag)) {
                target.remove(name);
                continue;
            }
            if (existing != null && UNIQUE_KEYS.containsKey(name) && isServiceField(path) && existing instanceof ArrayNode
                    && incoming instanceof ArrayNode && !"override".equals(tag)) {
                mergeUnique((ArrayNode) existing, (ArrayNode) incoming, child, UNIQUE_KEYS.get(name), sourcePositions,
                        positions);
                continue;
            }
            if (existing != null && !"override".equals(tag) && KEY_VALUE_FIELDS.contains(name) && (existing.isArray() || incoming.isArray())
                    && (existing.isContainerNode() && incoming.isContainerNode())) {
                existing = asMapping(existing, child, positions, positions);
                target.set(name, existing);
                incoming = asMapping(incoming, child, sourcePositions, sourcePositions);
            }
            if (existing != null && !"override".equals(tag) && NAME_LISTS.contains(name) && isServiceField(path)
                    && existing.isArray() != incoming.isArray() && existing.isContainerNode()
                    && incoming.isContainerNode()) {
                existing = namesAsMapping(existing, name, child, positions);
                target.set(name, existing);
                incoming = namesAsMapping(incoming, name, child, sourcePositions);
            }
            if ("override".equals(tag)) {
                target.set(name, withoutResets(incoming, child, sourcePositions));
                positions.copyNode(sourcePositions, incoming, child.pointer(), child.pointer());
            } else if (existing instanceof ObjectNode existingObject && incoming instanceof ObjectNode incomingObject) {
                mergeObject(existingObject, incomingObject, child, sourcePositions, positions);
            } else if (existing instanceof ArrayNode existingArray && incoming instanceof ArrayNode incomingArray
                    && !REPLACED_LISTS.contains(name)) {
                for (int i = 0; i < incomingArray.size(); i++) {
                    JsonNode item = incomingArray.get(i);
                    if (!contains(existingArray, item)) {
                        positions.copyNode(sourcePositions, item, child.child(i).pointer(),
                                child.child(existingArray.size()).pointer());
                        existingArray.add(withoutResets(item, child.child(i), sourcePositions));
                    }
                }
            } else {
                target.set(name, withoutResets(incoming, child, sourcePositions));
                positions.copyNode(sourcePositions, incoming, child.pointer(), child.pointer());
            }
        }
    }

    /** A copy of {@code node} without the members tagged {@code !reset}: there is nothing under them to clear. */
    private static JsonNode withoutResets(JsonNode node, NodePath path, SourceMap tags) {
        JsonNode copy = node.deepCopy();
        if (tags.hasTags()) {
            dropResets(copy, path, tags);
        }
        return copy;
    }

    private static void dropResets(JsonNode node, NodePath path, SourceMap tags) {
        if (node instanceof ObjectNode object) {
            for (String name : List.copyOf(object.properties().stream().map(Map.Entry::getKey).toList())) {
                if ("reset".equals(tags.tag(path.child(name).pointer()))) {
                    object.remove(name);
                } else {
                    dropResets(object.get(name), path.child(name), tags);
                }
            }
        }
    }

    /** {@code services.<name>.volumes}: the only {@code volumes} list (the top-level one is a mapping). */
    private static boolean isServiceField(NodePath path) {
        return path.elements().size() == 2 && "services".equals(path.elements().getFirst());
    }

    /**
     * Entries merge by their key (a mount by its target path, a port by host address, published port,
     * target and protocol): a later entry replaces the earlier one with its key in place, others are
     * appended unless already there.
     */
    private static void mergeUnique(ArrayNode existing, ArrayNode incoming, NodePath path,
                                    java.util.function.Function<JsonNode, String> keys, SourceMap sourcePositions,
                                    SourceMap positions) {
        for (int i = 0; i < incoming.size(); i++) {
            JsonNode item = incoming.get(i);
            int at = existing.size();
            String key = keys.apply(item);
            for (int j = 0; j < existing.size(); j++) {
                if (key != null ? key.equals(keys.apply(existing.get(j))) : item.equals(existing.get(j))) {
                    at = j;
                    break;
                }
            }
            positions.copyNode(sourcePositions, item, path.child(i).pointer(), path.child(at).pointer());
            if (at == existing.size()) {
                existing.add(withoutResets(item, path.child(i), sourcePositions));
            } else {
                existing.set(at, withoutResets(item, path.child(i), sourcePositions));
            }
        }
    }

    /** The container path of a mount: {@code target} of the long syntax, the second field of the short one. */
    static String volumeTarget(JsonNode volume) {
        if (volume.isObject()) {
            return volume.path("target").isTextual() ? volume.get("target").textValue() : null;
        }
        if (!volume.isTextual()) {
            return null;
        }
        String[] parts = volume.textValue().split(":");
        return parts.length == 1 ? parts[0] : parts[1];
    }

    /** A port's identity in 13-merge.md, {@code {ip, target, published, protocol}}, whichever syntax; null if unreadable. */
    static String portKey(JsonNode port) {
        if (port.isObject()) {
            String published = port.path("published").asText("");
            return port.path("host_ip").asText("") + "|" + published + "|" + port.path("target").asText("") + "|"
                    + port.path("protocol").asText("tcp");
        }
        if (!port.isValueNode()) {
            return null;
        }
        try {
            StringBuilder key = new StringBuilder();
            for (PortParser.Entry entry : PortParser.parseShort(port.asText())) {
                key.append(key.isEmpty() ? "" : ",").append(entry.hostIp() == null ? "" : entry.hostIp()).append('|')
                        .append(entry.published() == null ? "" : entry.published()).append('|').append(entry.target())
                        .append('|').append(entry.protocol());
            }
            return key.toString();
        } catch (IllegalArgumentException e) {
            return null;
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

    /**
     * A list of names ({@code depends_on: [db]}, {@code networks: [front]}) as the mapping it is short
     * for ({@code db: {condition: service_started}}, {@code front: null}), as compose-go merges them.
     */
    private static JsonNode namesAsMapping(JsonNode node, String field, NodePath path, SourceMap positions) {
        if (!(node instanceof ArrayNode array)) {
            return node;
        }
        ObjectNode mapping = JsonNodeFactory.instance.objectNode();
        for (int i = 0; i < array.size(); i++) {
            String key = array.get(i).asText();
            if (field.equals("depends_on")) {
                mapping.putObject(key).put("condition", "service_started");
            } else {
                mapping.putNull(key);
            }
            SourceMap.Position position = positions.value(path.child(i).pointer());
            if (position != null) {
                positions.putKey(path.child(key).pointer(), position);
                positions.putValue(path.child(key).pointer(), position);
            }
        }
        return mapping;
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
