package io.flotilla.model.api;

import io.flotilla.model.StackSpec;
import java.util.List;

/**
 * {@code POST /v1/stacks/{name}}: the stack, and the content of its own secrets and configs
 * ({@code files}: kind, full name, data), which the CLI read from what the stack file names.
 */
public record DeployRequest(StackSpec stack, List<FileData> files) {
    public DeployRequest {
        files = files == null ? List.of() : List.copyOf(files);
    }

    /** A stack without secrets or configs of its own. */
    public DeployRequest(StackSpec stack) {
        this(stack, List.of());
    }
}
