package io.flotilla.agent.volume;

import io.flotilla.agent.driver.HostMount;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.api.Assignment;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Turns a task's volumes into the {@link HostMount}s its driver mounts, getting each named volume
 * from its {@link VolumeDriver} first. A named volume of a stateful service is the slot's own
 * ({@link VolumeMount#instanceName}): its {@link Assignment#slotVolumes()}.
 */
public final class TaskVolumes {
    private final VolumeDrivers drivers;

    public TaskVolumes(VolumeDrivers drivers) {
        this.drivers = drivers;
    }

    public VolumeDrivers drivers() {
        return drivers;
    }

    /** A volume that could not be provided; the message is the task's error. */
    public static final class MountFailure extends Exception {
        MountFailure(String message, Throwable cause) {
            super(message, cause);
        }
    }

    /** The name of the volume {@code mount} is for this task (the slot's own for a stateful service). */
    public static String volumeName(Task task, Assignment assignment, VolumeMount mount) {
        return mount.instanceName(task.slot(), assignment.slotVolumes());
    }

    /**
     * Provides every volume of the task and returns the mounts, in the order of the task's volumes.
     *
     * @throws MountFailure {@code cannot mount volume <name> (<driver> …): <reason>}
     */
    public List<HostMount> acquire(Task task, Assignment assignment, TaskDirectory directory) throws MountFailure {
        boolean process = TaskTemplate.PROCESS.equals(task.spec().driver());
        List<HostMount> mounts = new ArrayList<>();
        int anonymous = 0;
        for (VolumeMount mount : task.spec().volumes()) {
            switch (mount.type()) {
                case VolumeMount.BIND -> mounts.add(HostMount.bind(Path.of(mount.source()), mount.target(),
                        mount.readOnly(), null));
                case VolumeMount.TMPFS -> mounts.add(new HostMount(HostMount.Type.TMPFS, null, mount.target(),
                        mount.readOnly(), null, null));
                default -> {
                    if (mount.named()) {
                        mounts.add(named(task, assignment, mount));
                    } else if (process) {
                        Path path = directory.root().resolve("volumes").resolve("anonymous-" + (++anonymous));
                        try {
                            Files.createDirectories(path);
                        } catch (IOException e) {
                            throw new MountFailure("cannot create the anonymous volume for " + mount.target() + ": "
                                    + e.getMessage(), e);
                        }
                        mounts.add(HostMount.bind(path, mount.target(), mount.readOnly(), null));
                    } else {
                        mounts.add(new HostMount(HostMount.Type.ANONYMOUS, null, mount.target(), mount.readOnly(),
                                null, null));
                    }
                }
            }
        }
        return mounts;
    }

    private HostMount named(Task task, Assignment assignment, VolumeMount mount) throws MountFailure {
        String name = volumeName(task, assignment, mount);
        String driverName = mount.options().driver();
        VolumeDriver driver = drivers.get(driverName).orElse(null);
        if (driver == null) {
            throw new MountFailure("cannot mount volume " + name + " (" + driverName + "): this node has no '"
                    + driverName + "' volume driver (it has " + String.join(", ", drivers.names()) + ")", null);
        }
        try {
            Path path = driver.acquire(new VolumeRequest(name, mount.options(), task.id()));
            return HostMount.bind(path, mount.target(), mount.readOnly(), name);
        } catch (VolumeException | RuntimeException e) {
            throw new MountFailure("cannot mount volume " + name + " (" + driver.describe(mount.options()) + "): "
                    + e.getMessage(), e);
        }
    }

    /** The task has ended: tells each named volume's driver. */
    public void release(Task task, Assignment assignment) {
        for (VolumeMount mount : task.spec().volumes()) {
            if (mount.named()) {
                drivers.get(mount.options().driver()).ifPresent(driver ->
                        driver.release(new VolumeRequest(volumeName(task, assignment, mount), mount.options(), task.id())));
            }
        }
    }
}
