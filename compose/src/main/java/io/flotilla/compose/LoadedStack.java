package io.flotilla.compose;

import io.flotilla.model.StackSpec;
import io.flotilla.model.api.FileData;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The result of loading compose files: the stack to deploy, what the user should be told (unset
 * variables, ignored options), the effective compose document as {@code docker stack config}
 * would print it (without the content of secrets and configs), the content of the stack's own
 * secrets and configs, read from what the file names, for the deploy request ({@code files}; never
 * printed: {@link FileData} hides it), and what to build for the services with {@code build:} (by
 * full service name; the CLI builds these and puts the built image's reference in the service's
 * {@code image}).
 */
public record LoadedStack(StackSpec stack, List<String> warnings, String normalizedYaml, List<FileData> files,
                          Map<String, BuildSpec> builds) {
    public LoadedStack {
        Objects.requireNonNull(stack, "stack");
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        normalizedYaml = normalizedYaml == null ? "" : normalizedYaml;
        files = files == null ? List.of() : List.copyOf(files);
        builds = builds == null ? Map.of() : java.util.Collections.unmodifiableMap(new java.util.LinkedHashMap<>(builds));
    }

    /** A stack without secrets, configs or builds of its own. */
    public LoadedStack(StackSpec stack, List<String> warnings, String normalizedYaml) {
        this(stack, warnings, normalizedYaml, List.of(), Map.of());
    }

    /** A stack without builds. */
    public LoadedStack(StackSpec stack, List<String> warnings, String normalizedYaml, List<FileData> files) {
        this(stack, warnings, normalizedYaml, files, Map.of());
    }
}
