package io.flotilla.agent.volume;

import io.flotilla.model.VolumeOptions;
import java.nio.file.Path;

/**
 * Provides named volumes on this node as host directories, which the task drivers then mount
 * into tasks (a bind mount into a container, a bind mount in the process task's own mount
 * namespace). One implementation per {@code VolumeOptions.driver}: {@code local}, {@code glusterfs};
 * Ceph or a CSI plugin would be one more.
 */
public interface VolumeDriver {
    /** The name in {@link VolumeOptions#driver()}. */
    String name();

    /**
     * Makes the volume available on this node and returns its host directory. Idempotent: every
     * task that uses the volume calls it before it starts.
     *
     * @throws VolumeException with the reason a user can act on (binary missing, server unreachable)
     */
    Path acquire(VolumeRequest request) throws VolumeException;

    /** The task of {@code request} has ended; the volume's data stays. */
    default void release(VolumeRequest request) {}

    /** Deletes the volume's data on this node (for {@code volume rm}); nothing when it has none. */
    void remove(String name, VolumeOptions options) throws VolumeException;

    /** Where the data lives, for messages: {@code local}, {@code glusterfs h1,h2,h3:/gv0}. */
    String describe(VolumeOptions options);
}
