package io.flotilla.compose;

import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * What mapping one stack needs besides the document: the stack name, the directory relative
 * paths are resolved against, the variables (environment over {@code .env}), the declared
 * top-level resources, and where warnings and ignored options are collected.
 */
final class MappingContext {
    final String stackName;
    final Path projectDirectory;
    final Map<String, String> variables;
    final Set<String> serviceNames;
    /** Top-level {@code volumes}, by their key in the file. */
    final Map<String, VolumeParser.Declared> volumes;
    /** Top-level {@code networks} by their key in the file, {@code default} always among them. */
    Map<String, NetworkDeclarations.Declared> networks = Map.of();
    /** The keys of the networks some service attaches to: only these are made (as docker stack deploy does). */
    final Set<String> usedNetworks = new LinkedHashSet<>();
    /** Top-level {@code secrets}, by name (TLS certificates of the mesh may name one). */
    Map<String, ComposeNode> secrets = Map.of();
    /** Top-level {@code secrets} and {@code configs} as the stack deploys them, by key ({@link FileDeclarations}). */
    Map<String, FileDeclarations.Declared> secretDeclarations = Map.of();
    Map<String, FileDeclarations.Declared> configDeclarations = Map.of();
    /** {@code secret:<key>} and {@code config:<key>} of those some service uses: only these are deployed. */
    final Set<String> usedFiles = new LinkedHashSet<>();
    /** Top-level secrets a mesh TLS label names: the node reads their file, they are not deployed. */
    final Set<String> meshSecrets = new LinkedHashSet<>();
    /** What to build for the services with {@code build:}, by the service's full name, in file order. */
    final Map<String, BuildSpec> builds = new java.util.LinkedHashMap<>();
    private final Set<String> unsupportedOptions = new TreeSet<>();
    private final Set<String> warnings = new LinkedHashSet<>();

    MappingContext(String stackName, Path projectDirectory, Map<String, String> variables, Set<String> serviceNames,
                   Map<String, VolumeParser.Declared> volumes) {
        this.stackName = stackName;
        this.projectDirectory = projectDirectory;
        this.variables = variables;
        this.serviceNames = serviceNames;
        this.volumes = volumes;
    }

    void unsupported(String option) {
        unsupportedOptions.add(option);
    }

    void warn(String warning) {
        warnings.add(warning);
    }

    /** The warnings, with the ignored options gathered into one line at the end. */
    List<String> warnings() {
        List<String> all = new ArrayList<>(warnings);
        if (!unsupportedOptions.isEmpty()) {
            all.add("Ignoring unsupported options: " + String.join(", ", unsupportedOptions));
        }
        return all;
    }

    /** A host path from the file: {@code ~} is the user's home, a relative path is under the project. */
    Path resolveHostPath(String path) {
        if (path.equals("~") || path.startsWith("~/")) {
            String home = variables.getOrDefault("HOME", System.getProperty("user.home"));
            return Path.of(home + path.substring(1)).normalize();
        }
        return projectDirectory.resolve(path).toAbsolutePath().normalize();
    }
}
