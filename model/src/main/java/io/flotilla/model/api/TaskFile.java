package io.flotilla.model.api;

import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;

/**
 * A secret or config as a task's agent receives it in the {@link Assignment}: the mount the
 * service asked for and the content of the version the cluster holds now, decrypted by the
 * manager for this node only (the set travels over mutual TLS, to the node the task is assigned
 * to). The agent keeps it on a tmpfs and never in its task records.
 *
 * @param mount   what the service asked for (kind, cluster name, target, owner, mode)
 * @param version the object's version (1 when created, +1 at each content change): a running
 *                task whose file's version changes gets the new content through its service's
 *                {@code on_dependency_change} policy
 * @param data    the content, base64 on the wire
 */
public record TaskFile(FileMount mount, long version, byte[] data) {
    public TaskFile {
        if (mount == null) {
            throw new IllegalArgumentException("a task file needs its mount");
        }
        data = data == null ? new byte[0] : data.clone();
    }

    @Override
    public byte[] data() {
        return data.clone();
    }

    public FileKind kind() {
        return mount.kind();
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof TaskFile file && file.mount.equals(mount) && file.version == version
                && java.util.Arrays.equals(file.data, data);
    }

    @Override
    public int hashCode() {
        return 31 * (31 * mount.hashCode() + Long.hashCode(version)) + java.util.Arrays.hashCode(data);
    }

    /** Never the content: a task file may be printed in a log line by mistake. */
    @Override
    public String toString() {
        return "TaskFile[" + mount.kind().label() + " " + mount.source() + " v" + version + " → " + mount.target()
                + ", " + data.length + " bytes]";
    }
}
