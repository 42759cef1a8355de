package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

/**
 * Resolves the top-level {@code include} (the Compose Specification's 14-include.md). Each entry
 * (a path, or {@code path} (one file or several merged), {@code project_directory},
 * {@code env_file}) is loaded as a project of its own: its relative paths against its project
 * directory (the first file's directory by default), its variables from its {@code env_file}s
 * (the {@code .env} of its project directory by default) overridden by the including project's.
 * Its services, networks, volumes, secrets and configs are then copied in. A resource the
 * including file (or an earlier include) already defines differently is refused, naming both
 * files: the spec says Compose does not merge them, and compose-go refused such a conflict until
 * late 2025 (it now lets the including file override it; Flotilla keeps the stricter rule, so
 * that nothing is silently dropped). Paths in {@code include} are relative to the including
 * file's working directory (the project directory, or an included project's own), as in
 * compose-go. Includes nest; a cycle is refused.
 */
final class IncludeResolver {
    private static final List<String> RESOURCES = List.of("services", "networks", "volumes", "secrets", "configs");

    private IncludeResolver() {}

    /** @param directory the working directory of the including file, which its include paths are relative to */
    static void apply(YamlTreeReader.Document document, Path directory, Map<String, String> variables,
                      List<Path> chain, ComposeFileLoader files) throws ComposeException {
        ComposeNode include = new ComposeNode(document.root().get("include"), NodePath.ROOT.child("include"),
                document.sourceMap());
        document.root().remove("include");
        if (!include.isPresent()) {
            return;
        }
        for (ComposeNode entry : include.items()) {
            ComposeNode pathNode = entry.isObject() ? entry.get("path") : entry;
            if (!pathNode.isPresent()) {
                throw entry.keyError("an include entry needs path: the compose file(s) to include");
            }
            List<Path> paths = new ArrayList<>();
            for (String path : pathNode.stringOrList()) {
                Path resolved = directory.resolve(path).normalize();
                if (!Files.isRegularFile(resolved)) {
                    throw pathNode.error("included file " + resolved + " not found");
                }
                if (chain.contains(resolved)) {
                    List<String> cycle = new ArrayList<>(chain.subList(chain.indexOf(resolved), chain.size())
                            .stream().map(Path::toString).toList());
                    cycle.add(resolved.toString());
                    throw pathNode.error("include cycle: " + String.join(" -> ", cycle));
                }
                paths.add(resolved);
            }
            ComposeNode projectNode = entry.get("project_directory");
            Path projectDirectory = projectNode.isPresent() ? directory.resolve(projectNode.text()).normalize()
                    : paths.getFirst().getParent();
            Map<String, String> included = includedVariables(entry.get("env_file"), directory, projectDirectory,
                    variables);
            YamlTreeReader.Document loaded = null;
            for (Path path : paths) {
                YamlTreeReader.Document next = files.load(path, projectDirectory, included, chain);
                loaded = ComposeMerger.merge(loaded == null ? ComposeMerger.empty(path) : loaded, next);
            }
            RelativePaths.resolve(loaded.root(), projectDirectory);
            importResources(document, loaded);
        }
    }

    /** The included project's variables: its env files (or .env), overridden by the including project's. */
    private static Map<String, String> includedVariables(ComposeNode envFiles, Path directory, Path projectDirectory,
                                                         Map<String, String> variables) throws ComposeException {
        Map<String, String> result = new HashMap<>();
        if (envFiles.isPresent()) {
            for (String envFile : envFiles.stringOrList()) {
                Path path = directory.resolve(envFile).normalize();
                if (!Files.isRegularFile(path)) {
                    throw envFiles.error("env file " + path + " not found");
                }
                result.putAll(DotEnvParser.read(path, variables));
            }
        } else if (Files.isRegularFile(projectDirectory.resolve(".env"))) {
            result.putAll(DotEnvParser.read(projectDirectory.resolve(".env"), variables));
        }
        result.putAll(variables);
        return result;
    }

    private static void importResources(YamlTreeReader.Document document, YamlTreeReader.Document loaded)
            throws ComposeException {
        for (String kind : RESOURCES) {
            if (!(loaded.root().get(kind) instanceof ObjectNode from)) {
                continue;
            }
            JsonNode existing = document.root().get(kind);
            ObjectNode to = existing instanceof ObjectNode object ? object : JsonNodeFactory.instance.objectNode();
            for (Map.Entry<String, JsonNode> resource : from.properties()) {
                NodePath path = NodePath.ROOT.child(kind).child(resource.getKey());
                JsonNode conflict = to.get(resource.getKey());
                if (conflict == null) {
                    to.set(resource.getKey(), resource.getValue());
                    document.sourceMap().copyNode(loaded.sourceMap(), resource.getValue(), path.pointer(), path.pointer());
                } else if (!conflict.equals(resource.getValue())) {
                    SourceMap.Position other = loaded.sourceMap().locate(path, true);
                    throw document.sourceMap().error(path, true, "conflicts with the " + kind + " entry included from "
                            + other.file() + ":" + other.line() + " (included resources are not merged; rename one)");
                }
            }
            document.root().set(kind, to);
        }
    }
}
