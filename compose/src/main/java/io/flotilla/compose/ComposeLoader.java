package io.flotilla.compose;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads compose files into a {@link io.flotilla.model.StackSpec}, the way {@code docker compose}
 * reads them: each file's YAML is read keeping every node's position, its variables substituted
 * (the given environment over the {@code .env} file beside the first file), its {@code include}
 * and {@code extends} resolved ({@link ComposeFileLoader}); the files are merged in order,
 * validated against the Compose Specification schema, filtered by the active profiles and mapped
 * to the model. Every failure is a {@link ComposeException} naming file, line, column and key;
 * nothing is returned half-loaded.
 */
public final class ComposeLoader {
    private final Map<String, String> environment;

    /** @param environment the process environment used for interpolation ({@code System.getenv()} in production) */
    public ComposeLoader(Map<String, String> environment) {
        this.environment = Map.copyOf(environment);
    }

    public LoadedStack load(Path composeFile, String stackName) throws ComposeException {
        return load(List.of(composeFile), stackName);
    }

    /** Loads several files merged in order, with the profiles of {@code COMPOSE_PROFILES}. */
    public LoadedStack load(List<Path> composeFiles, String stackName) throws ComposeException {
        return load(composeFiles, stackName, List.of());
    }

    /**
     * Loads several files merged in order (later files override earlier ones), as {@code docker
     * compose -f a -f b}: each file is read, substituted, has its {@code include} and
     * {@code extends} resolved, then merged; the result is validated, its services filtered by
     * the active profiles, and mapped. The project directory (for {@code .env} and relative
     * paths) is the first file's.
     *
     * @param stackName the stack's name; when null, the file's top-level {@code name}, else the
     *                  project directory's name
     * @param profiles  the active profiles; when empty, those of {@code COMPOSE_PROFILES}
     *                  (comma-separated) in the environment or the {@code .env} file
     */
    public LoadedStack load(List<Path> composeFiles, String stackName, List<String> profiles)
            throws ComposeException {
        if (composeFiles.isEmpty()) {
            throw new IllegalArgumentException("no compose file given");
        }
        Path first = composeFiles.getFirst();
        Path projectDirectory = first.toAbsolutePath().normalize().getParent();
        Map<String, String> variables = variables(projectDirectory);
        Set<String> unset = new LinkedHashSet<>();
        ComposeFileLoader files = new ComposeFileLoader(unset::add);
        YamlTreeReader.Document document = ComposeMerger.empty(first);
        for (Path file : composeFiles) {
            document = ComposeMerger.merge(document, files.load(file, projectDirectory, variables, List.of()));
        }
        List<ComposeException.Problem> problems = ComposeSchema.validate(document.root(), document.sourceMap());
        if (!problems.isEmpty()) {
            throw ComposeException.of(problems);
        }
        ProfileFilter.apply(document.root(), document.sourceMap(), activeProfiles(profiles, variables));
        String name = stackName(stackName, document, projectDirectory);
        List<String> earlierWarnings = unset.stream().map(Interpolator::unsetWarning).toList();
        StackMapper.Mapped mapped = StackMapper.map(document.root(), document.sourceMap(), name, projectDirectory,
                variables, earlierWarnings);
        return new LoadedStack(mapped.stack(), mapped.warnings(),
                NormalizedComposeWriter.write(mapped.stack(), document.root(), mapped.volumeKeys(),
                        mapped.networkKeys(), mapped.fileKeys()), mapped.files(), mapped.builds());
    }

    private static List<String> activeProfiles(List<String> requested, Map<String, String> variables) {
        if (!requested.isEmpty()) {
            return requested;
        }
        String fromEnvironment = variables.getOrDefault("COMPOSE_PROFILES", "");
        return java.util.Arrays.stream(fromEnvironment.split(",")).map(String::strip).filter(p -> !p.isEmpty())
                .toList();
    }

    /** The environment overlaid on the {@code .env} file of the project directory, as Compose does. */
    private Map<String, String> variables(Path projectDirectory) throws ComposeException {
        Map<String, String> variables = new HashMap<>();
        Path dotEnv = projectDirectory.resolve(".env");
        if (Files.isRegularFile(dotEnv)) {
            variables.putAll(DotEnvParser.read(dotEnv, environment));
        }
        variables.putAll(environment);
        return variables;
    }

    private static String stackName(String requested, YamlTreeReader.Document document, Path projectDirectory)
            throws ComposeException {
        if (requested != null) {
            String problem = StackNames.problem(requested);
            if (problem != null) {
                throw new ComposeException(null, 0, 0, "", problem);
            }
            return requested;
        }
        ComposeNode name = new ComposeNode(document.root(), NodePath.ROOT, document.sourceMap()).get("name");
        if (name.isPresent()) {
            String problem = StackNames.problem(name.text());
            if (problem != null) {
                throw name.error(problem);
            }
            return name.text();
        }
        String directory = projectDirectory.getFileName() == null ? "" : projectDirectory.getFileName().toString()
                .toLowerCase(java.util.Locale.ROOT).replaceAll("[^a-z0-9_-]", "");
        String problem = StackNames.problem(directory);
        if (problem != null) {
            throw new ComposeException(null, 0, 0, "", problem + " (give a stack name)");
        }
        return directory;
    }

}
