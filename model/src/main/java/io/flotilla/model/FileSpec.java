package io.flotilla.model;

import java.util.Map;

/**
 * A secret or config a stack file declares at the top level and some service uses: the stack's own
 * ({@code <stack>_<key>}, made or given a new version by the deploy, removed with the stack), or an
 * external one made with {@code flotilla secret|config create}, which must exist. The content of an
 * own one travels beside the stack in the deploy request ({@code DeployRequest.files}), never here:
 * a stack spec is printed ({@code stack config}) and stored with the services.
 *
 * @param kind     secret or config
 * @param name     the cluster-wide name: {@code <stack>_<key>}, or the {@code name:} the file gives
 * @param labels   the declaration's labels
 * @param external made outside the stack ({@code external: true})
 */
public record FileSpec(FileKind kind, String name, Map<String, String> labels, boolean external) {
    public FileSpec {
        java.util.Objects.requireNonNull(kind, "kind");
        Checks.requireText(name, "file name");
        labels = Checks.map(labels);
    }
}
