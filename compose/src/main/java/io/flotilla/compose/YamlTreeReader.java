package io.flotilla.compose;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLParser;
import org.yaml.snakeyaml.LoaderOptions;
import java.io.IOException;
import java.math.BigInteger;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Reads one YAML document into a Jackson tree while recording where each node was written.
 * Jackson's own tree reader forgets positions and does not resolve anchors, so the tree is built
 * here from the token stream: aliases are replaced by copies of their anchors, merge keys
 * ({@code <<: *defaults}) add the keys not written explicitly, and scalars are typed the way
 * Compose (YAML 1.2) types them: {@code yes}/{@code no}/{@code on}/{@code off} stay strings.
 *
 * <p>A stack file comes from whoever deploys, so reading it is bounded (security issue 17): the
 * text ({@link #MAX_CODE_POINTS}), the nesting ({@link #MAX_DEPTH}, as this reader recurses) and the
 * nodes built including every copy an alias or merge key makes ({@link #MAX_NODES}): SnakeYAML's
 * own alias limit never applies here, because Jackson reads events and the copies are made below,
 * where nine aliases of nine aliases of ... ("billion laughs") would otherwise fill the heap.
 */
final class YamlTreeReader {
    /** Deeper than any real compose file (services.web.deploy.resources.limits is 5). */
    static final int MAX_DEPTH = 64;
    /** Nodes built, alias and merge copies included: a large stack has a few thousand. */
    static final int MAX_NODES = 100_000;
    /** SnakeYAML's default, stated here so that the limit is visible. */
    static final int MAX_CODE_POINTS = 3 * 1024 * 1024;
    // The builder leaves EMPTY_STRING_AS_NULL off, unlike new YAMLFactory(): "networks: {front:}" needs it.
    private static final YAMLFactory FACTORY = YAMLFactory.builder().loaderOptions(loaderOptions())
            .enable(YAMLParser.Feature.EMPTY_STRING_AS_NULL).build();
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final Set<String> BOOLEANS = Set.of("true", "false");
    private static final String MERGE_KEY = "<<";
    /** Compose's tags for merging files ({@code !reset}, {@code !override}); other tags are not read. */
    private static final Set<String> MERGE_TAGS = Set.of("reset", "override");

    /** A parsed document and the positions of its nodes. */
    record Document(ObjectNode root, SourceMap sourceMap) {}

    /** @param size the nodes a copy of it costs ({@link #MAX_NODES}) */
    private record Anchor(JsonNode node, String pointer, int size) {}

    private final Path file;
    private final SourceMap sourceMap;
    private final Map<String, Anchor> anchors = new HashMap<>();
    private YAMLParser parser;
    private int nodes;

    private YamlTreeReader(Path file) {
        this.file = file;
        this.sourceMap = new SourceMap(file);
    }

    private static LoaderOptions loaderOptions() {
        LoaderOptions options = new LoaderOptions();
        options.setCodePointLimit(MAX_CODE_POINTS);
        options.setNestingDepthLimit(MAX_DEPTH);
        options.setAllowRecursiveKeys(false);
        options.setMaxAliasesForCollections(50);
        return options;
    }

    static Document read(Path file, String text) throws ComposeException {
        return new YamlTreeReader(file).readDocument(text);
    }

    private Document readDocument(String text) throws ComposeException {
        try (YAMLParser yaml = FACTORY.createParser(text)) {
            parser = yaml;
            JsonToken first = parser.nextToken();
            if (first == null) {
                throw new ComposeException(file, 0, 0, "", "empty compose file");
            }
            JsonNode root = readValue(NodePath.ROOT, 0);
            if (!(root instanceof ObjectNode object)) {
                SourceMap.Position position = sourceMap.locate(NodePath.ROOT, false);
                throw new ComposeException(file, position.line(), position.column(), "",
                        "a compose file must be a mapping (services: ...), not " + describe(root));
            }
            return new Document(object, sourceMap);
        } catch (JsonProcessingException e) {
            JsonLocation location = e.getLocation();
            int line = location == null ? 0 : location.getLineNr();
            int column = location == null ? 0 : location.getColumnNr();
            String message = e.getOriginalMessage().replace("\n", " ").replaceAll("\\s+", " ").trim();
            throw new ComposeException(file, Math.max(line, 0), Math.max(column, 0), "", "invalid YAML: " + message);
        } catch (IOException e) {
            throw new ComposeException(file, 0, 0, "", "cannot read: " + e.getMessage());
        }
    }

    private SourceMap.Position here() {
        JsonLocation location = parser.currentTokenLocation();
        return new SourceMap.Position(file, location.getLineNr(), location.getColumnNr());
    }

    /** Reads the value at the current token (which must be a value token) and records its position. */
    private JsonNode readValue(NodePath path, int depth) throws IOException, ComposeException {
        JsonToken token = parser.currentToken();
        String pointer = path.pointer();
        sourceMap.putValue(pointer, here());
        if (depth > MAX_DEPTH) {
            throw error(path, "YAML nested more than " + MAX_DEPTH + " levels deep");
        }
        if (parser.isCurrentAlias()) {
            Anchor anchor = anchors.get(parser.getText());
            if (anchor == null) {
                throw error(path, "unknown YAML alias *" + parser.getText());
            }
            charge(path, anchor.size());
            SourceMap.Position aliasPosition = here();
            sourceMap.copyNode(anchor.node(), anchor.pointer(), pointer);
            sourceMap.putValue(pointer, aliasPosition);
            return anchor.node().deepCopy();
        }
        String anchorName = parser.getObjectId();
        String tag = parser.getTypeId();
        if (tag != null && MERGE_TAGS.contains(tag.replaceFirst("^!+", ""))) {
            sourceMap.putTag(pointer, tag.replaceFirst("^!+", ""));
        }
        int nodesBefore = nodes;
        charge(path, 1);
        JsonNode node = switch (token) {
            case START_OBJECT -> readObject(path, depth);
            case START_ARRAY -> readArray(path, depth);
            case VALUE_STRING -> NODES.textNode(parser.getText());
            case VALUE_TRUE, VALUE_FALSE -> BOOLEANS.contains(parser.getText().toLowerCase(java.util.Locale.ROOT))
                    ? NODES.booleanNode(token == JsonToken.VALUE_TRUE)
                    : NODES.textNode(parser.getText());
            case VALUE_NUMBER_INT -> integer();
            case VALUE_NUMBER_FLOAT -> decimal();
            case VALUE_NULL -> NODES.nullNode();
            default -> throw error(path, "unexpected YAML token " + token);
        };
        if (anchorName != null) {
            anchors.put(anchorName, new Anchor(node, pointer, nodes - nodesBefore));
        }
        return node;
    }

    /** Counts {@code count} more nodes built, refusing the file past {@link #MAX_NODES}. */
    private void charge(NodePath path, int count) throws ComposeException {
        nodes += count;
        if (nodes > MAX_NODES) {
            throw error(path, "the YAML has more than " + MAX_NODES + " nodes once its aliases are expanded"
                    + " (an alias copies its anchor each time it is used)");
        }
    }

    /** The nodes of a tree, itself included. */
    static int size(JsonNode node) {
        int size = 1;
        for (JsonNode child : node) {
            size += size(child);
        }
        return size;
    }

    private JsonNode integer() throws IOException {
        String text = parser.getText();
        if (text.contains("_")) {
            return NODES.textNode(text);
        }
        try {
            return switch (parser.getNumberType()) {
                case INT -> NODES.numberNode(parser.getIntValue());
                case LONG -> NODES.numberNode(parser.getLongValue());
                default -> NODES.numberNode(new BigInteger(text));
            };
        } catch (IOException | NumberFormatException e) {
            return NODES.textNode(text);
        }
    }

    private JsonNode decimal() throws IOException {
        String text = parser.getText();
        try {
            return NODES.numberNode(Double.parseDouble(text));
        } catch (NumberFormatException e) {
            return NODES.textNode(text);
        }
    }

    private ObjectNode readObject(NodePath path, int depth) throws IOException, ComposeException {
        ObjectNode object = NODES.objectNode();
        List<NodePath> merges = new ArrayList<>();
        JsonToken token;
        while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
            String name = parser.currentName();
            SourceMap.Position keyPosition = here();
            NodePath child = path.child(name);
            if (object.has(name) && !MERGE_KEY.equals(name)) {
                sourceMap.putKey(child.pointer(), keyPosition);
                throw error(child, "mapping key \"" + name + "\" is already defined");
            }
            sourceMap.putKey(child.pointer(), keyPosition);
            parser.nextToken();
            if (MERGE_KEY.equals(name)) {
                NodePath mergePath = path.child(MERGE_KEY + merges.size());
                JsonNode merged = readValue(mergePath, depth + 1);
                mergeSources(mergePath, merged, merges);
            } else {
                object.set(name, readValue(child, depth + 1));
            }
        }
        if (token != JsonToken.END_OBJECT) {
            throw error(path, "unexpected YAML token " + token);
        }
        for (NodePath mergePath : merges) {
            applyMerge(object, path, mergePath);
        }
        return object;
    }

    /** Collects the mappings a merge key names: one mapping or a list of them, earlier ones winning. */
    private void mergeSources(NodePath mergePath, JsonNode merged, List<NodePath> merges) throws ComposeException {
        if (merged instanceof ObjectNode) {
            merges.add(mergePath);
            mergedNodes.put(mergePath.pointer(), merged);
        } else if (merged instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (!(array.get(i) instanceof ObjectNode)) {
                    throw error(mergePath.child(i), "a merge key (<<) takes mappings only");
                }
                merges.add(mergePath.child(i));
                mergedNodes.put(mergePath.child(i).pointer(), array.get(i));
            }
        } else {
            throw error(mergePath, "a merge key (<<) takes a mapping or a list of mappings");
        }
    }

    private final Map<String, JsonNode> mergedNodes = new HashMap<>();

    private void applyMerge(ObjectNode target, NodePath targetPath, NodePath sourcePath) throws ComposeException {
        JsonNode source = mergedNodes.get(sourcePath.pointer());
        for (Map.Entry<String, JsonNode> field : source.properties()) {
            if (!target.has(field.getKey())) {
                charge(targetPath, size(field.getValue()));
                target.set(field.getKey(), field.getValue().deepCopy());
                sourceMap.copyNode(field.getValue(), sourcePath.child(field.getKey()).pointer(),
                        targetPath.child(field.getKey()).pointer());
            }
        }
    }

    private ArrayNode readArray(NodePath path, int depth) throws IOException, ComposeException {
        ArrayNode array = NODES.arrayNode();
        int index = 0;
        while (parser.nextToken() != JsonToken.END_ARRAY) {
            array.add(readValue(path.child(index++), depth + 1));
        }
        return array;
    }

    private ComposeException error(NodePath path, String detail) {
        return sourceMap.error(path, true, detail);
    }

    static String describe(JsonNode node) {
        if (node == null || node.isMissingNode() || node.isNull()) {
            return "null";
        }
        if (node.isObject()) {
            return "a mapping";
        }
        if (node.isArray()) {
            return "a list";
        }
        if (node.isBoolean()) {
            return "a boolean";
        }
        if (node.isNumber()) {
            return "a number";
        }
        return "a string";
    }
}
