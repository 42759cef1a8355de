package io.flotilla.compose;

import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileSpec;
import io.flotilla.model.NetworkSpec;
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

    /**
     * @param volumeKeys  each declared volume's key in the file, by its cluster-wide name (to write the file back)
     * @param networkKeys each network's key in the file, by its cluster-wide name (the same)
     */
    record Mapped(StackSpec stack, List<String> warnings, Map<String, String> volumeKeys,
                  Map<String, String> networkKeys, List<io.flotilla.model.api.FileData> files,
                  Map<String, String> fileKeys, Map<String, BuildSpec> builds) {}

    static Mapped map(ObjectNode document, SourceMap sourceMap, String stackName, Path projectDirectory,
                      Map<String, String> variables, List<String> earlierWarnings) throws ComposeException {
        ComposeNode root = new ComposeNode(document, NodePath.ROOT, sourceMap);
        Map<String, ComposeNode> services = root.get("services").fields();
        MappingContext context = new MappingContext(stackName, projectDirectory, variables,
                new LinkedHashSet<>(services.keySet()), VolumeParser.declarations(root.get("volumes"), stackName));
        context.networks = NetworkDeclarations.read(root.get("networks"), stackName, context);
        context.secrets = root.get("secrets").fields();
        context.secretDeclarations = FileDeclarations.read(root.get("secrets"), FileKind.SECRET, context);
        context.configDeclarations = FileDeclarations.read(root.get("configs"), FileKind.CONFIG, context);
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
        List<NetworkSpec> networks = new ArrayList<>();
        List<String> externalNetworks = new ArrayList<>();
        Map<String, String> networkKeys = new LinkedHashMap<>();
        for (NetworkDeclarations.Declared network : usedNetworks(context, root.get("networks").fields().keySet())) {
            if (networkKeys.containsKey(network.name())) {
                throw network.at().keyError("networks " + networkKeys.get(network.name()) + " and " + network.key()
                        + " are both named " + network.name() + "; give each its own name");
            }
            if (network.external()) {
                externalNetworks.add(network.name());
            } else {
                networks.add(network.spec());
            }
            networkKeys.put(network.name(), network.key());
        }
        List<FileSpec> files = new ArrayList<>();
        List<io.flotilla.model.api.FileData> contents = new ArrayList<>();
        Map<String, String> fileKeys = new LinkedHashMap<>();
        for (FileDeclarations.Declared declared : usedFiles(context)) {
            String key = io.flotilla.model.ClusterFile.key(declared.spec().kind(), declared.spec().name());
            if (fileKeys.containsKey(key)) {
                throw declared.at().keyError(declared.spec().kind().label() + "s " + fileKeys.get(key) + " and "
                        + declared.key() + " are both named " + declared.spec().name());
            }
            fileKeys.put(key, declared.key());
            files.add(declared.spec());
            if (!declared.spec().external()) {
                contents.add(declared.data());
            }
        }
        return new Mapped(new StackSpec(stackName, specs, networks, externalNetworks, files), context.warnings(),
                volumeKeys, networkKeys, contents, fileKeys, context.builds);
    }

    /** The declared secrets, then configs, some service uses; the others are named in a warning (not deployed). */
    private static List<FileDeclarations.Declared> usedFiles(MappingContext context) {
        List<FileDeclarations.Declared> used = new ArrayList<>();
        for (Map<String, FileDeclarations.Declared> declarations : List.of(context.secretDeclarations,
                context.configDeclarations)) {
            for (FileDeclarations.Declared declared : declarations.values()) {
                String label = declared.spec().kind().label();
                if (context.usedFiles.contains(label + ":" + declared.key())) {
                    used.add(declared);
                } else if (!(declared.spec().kind() == FileKind.SECRET && context.meshSecrets.contains(declared.key()))) {
                    context.warn(label + "s." + declared.key() + " is declared but no service uses it: not created");
                }
            }
        }
        return used;
    }

    /**
     * The networks some service attaches to, the default one first (as {@link StackSpec} lists them),
     * then in file order. A declared network no service uses is not made, as {@code docker stack
     * deploy} does; it is named in a warning.
     */
    private static List<NetworkDeclarations.Declared> usedNetworks(MappingContext context, Set<String> declaredKeys) {
        List<NetworkDeclarations.Declared> used = new ArrayList<>();
        if (context.usedNetworks.contains("default")) {
            used.add(context.networks.get("default"));
        }
        for (NetworkDeclarations.Declared network : context.networks.values()) {
            if (!context.usedNetworks.contains(network.key())) {
                if (declaredKeys.contains(network.key())) {
                    context.warn("networks." + network.key() + " is declared but no service uses it: not created");
                }
            } else if (!network.key().equals("default")) {
                used.add(network);
            }
        }
        return used;
    }
}
