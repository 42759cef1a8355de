package io.flotilla.model.api;

import io.flotilla.model.Checks;
import io.flotilla.model.FileKind;
import java.util.Arrays;
import java.util.Map;

/**
 * The content of a secret or config as a client sends it: {@code secret create|update} (kind and
 * name from the path) and a stack deploy's own files ({@link DeployRequest#files}, read by the CLI
 * from the file or environment variable the stack file names). Sent over mutual TLS to a manager,
 * which seals it before anything is written; it never prints its content.
 *
 * @param kind   secret or config (in a deploy request; the path says it on its own endpoints)
 * @param name   the cluster-wide name
 * @param labels the labels ({@code --label}); ignored in a deploy (the stack file's declaration has them)
 * @param data   the content, base64 on the wire
 */
public record FileData(FileKind kind, String name, Map<String, String> labels, byte[] data) {
    public FileData {
        labels = Checks.map(labels);
        data = data == null ? null : data.clone();
    }

    @Override
    public byte[] data() {
        return data == null ? null : data.clone();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof FileData file && file.kind == kind && java.util.Objects.equals(file.name, name)
                && file.labels.equals(labels) && Arrays.equals(file.data, data);
    }

    @Override
    public int hashCode() {
        return java.util.Objects.hash(kind, name, labels) * 31 + Arrays.hashCode(data);
    }

    /** Never the content. */
    @Override
    public String toString() {
        return "FileData[" + (kind == null ? "?" : kind.label()) + " " + name + ", "
                + (data == null ? "no content" : data.length + " bytes") + "]";
    }
}
