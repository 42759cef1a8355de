package io.flotilla.compose;

import io.flotilla.model.StackSpec;
import java.util.List;
import java.util.Objects;

/**
 * The result of loading compose files: the stack to deploy, what the user should be told (unset
 * variables, ignored options) and the effective compose document as {@code docker stack config}
 * would print it.
 */
public record LoadedStack(StackSpec stack, List<String> warnings, String normalizedYaml) {
    public LoadedStack {
        Objects.requireNonNull(stack, "stack");
        warnings = warnings == null ? List.of() : List.copyOf(warnings);
        normalizedYaml = normalizedYaml == null ? "" : normalizedYaml;
    }
}
