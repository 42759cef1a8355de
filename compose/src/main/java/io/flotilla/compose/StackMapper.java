package io.flotilla.compose;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Maps a validated, interpolated compose document to a {@link StackSpec}: checks the top-level
 * keys, collects the declared volumes and networks, and maps each service.
 */
final class StackMapper {
    /** Top-level keys Flotilla acts on or accepts as declarations. */
    static final Set<String> SUPPORTED_TOP_LEVEL_KEYS = Set.of("version", "name", "services", "networks", "volumes",
            "configs", "secrets");

    private StackMapper() {}

    /** @param volumeKeys each declared volume's key in the file, by its cluster-wide name (to write the file back) */
    record Mapped(StackSpec stack, List<String> warnings, Map<String, String> volumeKeys) {}

    static Mapped map(ObjectNode document, SourceMap sourceMap, String stackName, Path projectDirectory,
                      Map<String, String> variables, List<String> earlierWarnings) throws ComposeException {
        ComposeNode root = new ComposeNode(document, NodePath.ROOT, sourceMap);
        Map<String, ComposeNode> services = root.get("services").fields();
        MappingContext context = new MappingContext(stackName, projectDirectory, variables,
                new LinkedHashSet<>(services.keySet()), VolumeParser.declarations(root.get("volumes"), stackName),
                root.get("networks").fields().keySet());
        context.secrets = root.get("secrets").fields();
        earlierWarnings.forEach(context::warn);
        if (root.get("version").isPresent()) {
            context.warn("version is obsolete: the attribute `version` is ignored, please remove it");
        }
        for (String key : root.fields().keySet()) {
            if (!SUPPORTED_TOP_LEVEL_KEYS.contains(key) && !key.startsWith("x-")) {
                context.unsupported(key);
            }
        }
        if (services.isEmpty()) {
            throw root.get("services").keyError("the stack defines no services");
        }
        ServiceMapper mapper = new ServiceMapper(context);
        List<ServiceSpec> specs = new ArrayList<>();
        for (Map.Entry<String, ComposeNode> service : services.entrySet()) {
            specs.add(mapper.map(service.getKey(), service.getValue()));
        }
        try {
            io.flotilla.model.MeshClaims.check(specs);
        } catch (IllegalArgumentException e) {
            throw root.get("services").keyError(e.getMessage());
        }
        Map<String, String> volumeKeys = new LinkedHashMap<>();
        context.volumes.forEach((key, declared) -> volumeKeys.put(declared.name(), key));
        return new Mapped(new StackSpec(stackName, specs), context.warnings(), volumeKeys);
    }
}
