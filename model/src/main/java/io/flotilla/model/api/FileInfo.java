package io.flotilla.model.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.flotilla.model.Checks;
import io.flotilla.model.FileKind;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * A secret or config as {@code secret|config ls} and {@code inspect} show it: metadata, the services
 * that use it and the version each of their tasks holds (as its agent reports it). A secret's
 * content is never in it; a config's only in {@code config inspect} ({@code data}).
 *
 * @param size     the content's length in bytes
 * @param services the services whose tasks see it as a file, by name
 * @param tasks    the running tasks that use it, with the version each holds (0: not reported yet)
 * @param data     a config's content on inspect; null otherwise, and always for a secret
 */
public record FileInfo(String id, FileKind kind, String name, String stack, Map<String, String> labels, long version,
                       Instant createdAt, Instant updatedAt, int size, List<String> services,
                       List<TaskVersion> tasks, @JsonInclude(JsonInclude.Include.NON_NULL) byte[] data) {
    public FileInfo {
        labels = Checks.map(labels);
        services = Checks.list(services);
        tasks = Checks.list(tasks);
    }

    /** One task using the object: which version of it the task holds. */
    public record TaskVersion(String taskId, String task, String nodeId, long version) {}

    /** Without the content. */
    @Override
    public String toString() {
        return "FileInfo[" + (kind == null ? "?" : kind.label()) + " " + name + " v" + version + ", " + size + " bytes]";
    }
}
