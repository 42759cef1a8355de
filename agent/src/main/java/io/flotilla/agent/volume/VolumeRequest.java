package io.flotilla.agent.volume;

import io.flotilla.model.Checks;
import io.flotilla.model.VolumeOptions;
import java.util.Objects;

/**
 * One task's use of one named volume.
 *
 * @param name    the volume's name in the cluster as the task uses it ({@code shop_data}, or
 *                {@code shop_data-1} for a stateful service's slot 1)
 * @param options its driver and the driver's options
 * @param taskId  the task that uses it (drivers that count users or lock per task need it)
 */
public record VolumeRequest(String name, VolumeOptions options, String taskId) {
    public VolumeRequest {
        Checks.requireText(name, "volume name");
        Objects.requireNonNull(options, "options");
        if (name.contains("/") || name.equals(".") || name.equals("..")) {
            throw new IllegalArgumentException("a volume name cannot name a directory: " + name);
        }
    }
}
