package io.flotilla.compose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Loads compose files into a {@link io.flotilla.model.StackSpec}, the way {@code docker stack
 * deploy} does: read the YAML keeping every node's position, merge several files in order,
 * substitute variables (the given environment over the {@code .env} file beside the first
 * file), validate against the Compose Specification schema, and map to the model. Every
 * failure is a {@link ComposeException} naming file, line, column and key; nothing is returned
 * half-loaded.
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

    /**
     * Loads several files merged in order (later files override earlier ones).
     *
     * @param stackName the stack's name; when null, the file's top-level {@code name}, else the
     *                  project directory's name
     */
    public LoadedStack load(List<Path> composeFiles, String stackName) throws ComposeException {
        if (composeFiles.isEmpty()) {
            throw new IllegalArgumentException("no compose file given");
        }
        YamlTreeReader.Document document = null;
        for (Path file : composeFiles) {
            YamlTreeReader.Document next = YamlTreeReader.read(file, readText(file));
            document = document == null ? next : ComposeMerger.merge(document, next);
        }
        Path first = composeFiles.getFirst();
        Path projectDirectory = first.toAbsolutePath().normalize().getParent();
        Map<String, String> variables = variables(projectDirectory);
        Set<String> unset = new LinkedHashSet<>();
        new DocumentInterpolator(new Interpolator(variables, unset::add), document.sourceMap())
                .interpolate(document.root());
        List<ComposeException.Problem> problems = ComposeSchema.validate(document.root(), document.sourceMap());
        if (!problems.isEmpty()) {
            throw ComposeException.of(problems);
        }
        String name = stackName(stackName, document, projectDirectory);
        List<String> earlierWarnings = unset.stream().map(Interpolator::unsetWarning).toList();
        StackMapper.Mapped mapped = StackMapper.map(document.root(), document.sourceMap(), name, projectDirectory,
                variables, earlierWarnings);
        return new LoadedStack(mapped.stack(), mapped.warnings(),
                NormalizedComposeWriter.write(mapped.stack(), document.root(), mapped.volumeKeys(),
                        mapped.networkKeys()));
    }

    private static String readText(Path file) throws ComposeException {
        try {
            return Files.readString(file);
        } catch (IOException e) {
            throw new ComposeException(file, 0, 0, "", "cannot read compose file: " + e);
        }
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
