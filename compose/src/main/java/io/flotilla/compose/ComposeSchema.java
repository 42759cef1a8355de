package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.networknt.schema.JsonNodePath;
import com.networknt.schema.JsonSchema;
import com.networknt.schema.JsonMetaSchema;
import com.networknt.schema.JsonSchemaFactory;
import com.networknt.schema.NonValidationKeyword;
import com.networknt.schema.PathType;
import com.networknt.schema.SchemaLocation;
import com.networknt.schema.SchemaValidatorsConfig;
import com.networknt.schema.SpecVersion;
import com.networknt.schema.ValidationMessage;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.List;
import java.util.Set;

/**
 * Validates a document against the official Compose Specification schema (draft-07, bundled as
 * a resource so that validation never touches the network) and turns each violation into a
 * problem at the source position of the offending node.
 */
final class ComposeSchema {
    private static final String RESOURCE = "compose-spec.json";
    private static final JsonSchema SCHEMA = load();
    private static final Pattern TYPE_MESSAGE = Pattern.compile("(\\w+) found, (\\w+) expected");

    private ComposeSchema() {}

    private static JsonSchema load() {
        SchemaValidatorsConfig config = SchemaValidatorsConfig.builder()
                .pathType(PathType.JSON_POINTER)
                .build();
        try (InputStream in = ComposeSchema.class.getResourceAsStream(RESOURCE)) {
            if (in == null) {
                throw new IllegalStateException("missing resource " + RESOURCE);
            }
            // The schema's relative $id ("compose_spec.json") needs a base location to resolve against.
            JsonNode schema = new ObjectMapper().readTree(in);
            // The Compose schema annotates fields with "deprecated", which draft-07 does not define:
            // declare it as an annotation so the validator neither warns nor validates it.
            JsonMetaSchema metaSchema = JsonMetaSchema.builder(JsonMetaSchema.getV7())
                    .keyword(new NonValidationKeyword("deprecated")).build();
            return JsonSchemaFactory.getInstance(SpecVersion.VersionFlag.V7, builder -> builder.metaSchema(metaSchema))
                    .getSchema(SchemaLocation.of("classpath:io/flotilla/compose/" + RESOURCE), schema, config);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /**
     * The violations, sorted by position in the source; empty when the document is valid. A
     * {@code oneOf} failure makes the library report every alternative; only the most precise
     * problems are kept: a problem inside a node hides the problems about the node as a whole,
     * and "wrong type" alternatives at one node are folded into one line.
     */
    static List<ComposeException.Problem> validate(JsonNode document, SourceMap sourceMap) {
        Map<NodePath, List<ValidationMessage>> byPath = new LinkedHashMap<>();
        for (ValidationMessage message : SCHEMA.validate(document)) {
            NodePath path = toNodePath(message.getInstanceLocation());
            if ("additionalProperties".equals(message.getType()) && message.getProperty() != null) {
                path = path.child(message.getProperty());
            }
            byPath.computeIfAbsent(path, p -> new ArrayList<>()).add(message);
        }
        Set<ComposeException.Problem> problems = new LinkedHashSet<>();
        for (Map.Entry<NodePath, List<ValidationMessage>> entry : byPath.entrySet()) {
            if (hasDeeperProblem(entry.getKey(), byPath.keySet())) {
                continue;
            }
            problems.addAll(toProblems(entry.getKey(), entry.getValue(), sourceMap));
        }
        List<ComposeException.Problem> sorted = new ArrayList<>(problems);
        sorted.sort(Comparator.comparingInt(ComposeException.Problem::line)
                .thenComparingInt(ComposeException.Problem::column)
                .thenComparing(ComposeException.Problem::key));
        return sorted;
    }

    private static boolean hasDeeperProblem(NodePath path, Set<NodePath> paths) {
        for (NodePath other : paths) {
            if (other.elements().size() > path.elements().size()
                    && other.elements().subList(0, path.elements().size()).equals(path.elements())) {
                return true;
            }
        }
        return false;
    }

    private static List<ComposeException.Problem> toProblems(NodePath path, List<ValidationMessage> messages,
                                                             SourceMap sourceMap) {
        List<String> expectedTypes = new ArrayList<>();
        String found = null;
        List<ValidationMessage> others = new ArrayList<>();
        for (ValidationMessage message : messages) {
            Matcher matcher = TYPE_MESSAGE.matcher(detail(message));
            if ("type".equals(message.getType()) && matcher.matches()) {
                found = matcher.group(1);
                expectedTypes.add(matcher.group(2));
            } else if (!"oneOf".equals(message.getType()) && !"anyOf".equals(message.getType())) {
                others.add(message);
            }
        }
        List<ComposeException.Problem> problems = new ArrayList<>();
        for (ValidationMessage message : others) {
            problems.add(toProblem(message, sourceMap));
        }
        if (found != null) {
            boolean scalar = !found.equals("object") && !found.equals("array");
            problems.add(sourceMap.problem(path, !scalar, found + " found, " + String.join(" or ",
                    new LinkedHashSet<>(expectedTypes)) + " expected"));
        }
        if (problems.isEmpty()) {
            for (ValidationMessage message : messages) {
                problems.add(toProblem(message, sourceMap));
            }
        }
        return problems;
    }

    private static ComposeException.Problem toProblem(ValidationMessage message, SourceMap sourceMap) {
        NodePath path = toNodePath(message.getInstanceLocation());
        String detail = detail(message);
        if ("additionalProperties".equals(message.getType()) && message.getProperty() != null) {
            NodePath property = path.child(message.getProperty());
            return sourceMap.problem(property, true, "additional property " + message.getProperty()
                    + " is not allowed");
        }
        boolean scalar = message.getInstanceNode() != null && message.getInstanceNode().isValueNode();
        return sourceMap.problem(path, !scalar, detail);
    }

    private static String detail(ValidationMessage message) {
        String error = message.getError();
        String text = error == null ? message.getMessage() : error;
        // The library prefixes the instance location ("/services/web: ..."); the key says it already.
        String location = message.getInstanceLocation() == null ? "" : message.getInstanceLocation().toString();
        if (!location.isEmpty() && text.startsWith(location + ": ")) {
            text = text.substring(location.length() + 2);
        }
        return text;
    }

    static NodePath toNodePath(JsonNodePath location) {
        NodePath path = NodePath.ROOT;
        if (location == null) {
            return path;
        }
        for (int i = 0; i < location.getNameCount(); i++) {
            Object element = location.getElement(i);
            path = element instanceof Integer index ? path.child(index) : path.child(String.valueOf(element));
        }
        return path;
    }
}
