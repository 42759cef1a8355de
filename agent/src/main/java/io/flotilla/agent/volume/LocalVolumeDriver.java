package io.flotilla.agent.volume;

import io.flotilla.model.VolumeOptions;
import java.io.IOException;
import java.nio.file.FileVisitResult;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.SimpleFileVisitor;
import java.nio.file.attribute.BasicFileAttributes;
import java.nio.file.attribute.PosixFilePermissions;

/**
 * {@code local}: a directory on this node, {@code <data>/volumes/<name>/_data} (the layout of
 * Docker's local driver, so the extra level can hold metadata later). Created 0755 on first use;
 * its data stays when tasks end and is deleted only by {@link #remove}.
 */
public final class LocalVolumeDriver implements VolumeDriver {
    private final Path volumesRoot;

    public LocalVolumeDriver(Path dataDir) {
        this.volumesRoot = dataDir.resolve("volumes");
    }

    @Override
    public String name() {
        return VolumeOptions.LOCAL;
    }

    /** The host directory of volume {@code name} (it may not exist yet). */
    public Path path(String name) {
        return volumesRoot.resolve(name).resolve("_data");
    }

    @Override
    public Path acquire(VolumeRequest request) throws VolumeException {
        Path data = path(request.name());
        try {
            createDirectories(data.getParent());
            createDirectories(data);
        } catch (IOException e) {
            throw new VolumeException("cannot create " + data + ": " + e.getMessage(), e);
        }
        return data;
    }

    private static void createDirectories(Path directory) throws IOException {
        if (!Files.isDirectory(directory)) {
            Files.createDirectories(directory);
            Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
        }
    }

    @Override
    public void remove(String name, VolumeOptions options) throws VolumeException {
        new VolumeRequest(name, options, "remove"); // checks the name
        Path volume = volumesRoot.resolve(name);
        if (!Files.exists(volume)) {
            return;
        }
        try {
            deleteTree(volume);
        } catch (IOException e) {
            throw new VolumeException("cannot delete " + volume + ": " + e.getMessage(), e);
        }
    }

    static void deleteTree(Path root) throws IOException {
        Files.walkFileTree(root, new SimpleFileVisitor<>() {
            @Override
            public FileVisitResult visitFile(Path file, BasicFileAttributes attributes) throws IOException {
                Files.delete(file);
                return FileVisitResult.CONTINUE;
            }

            @Override
            public FileVisitResult postVisitDirectory(Path directory, IOException failure) throws IOException {
                if (failure != null) {
                    throw failure;
                }
                Files.delete(directory);
                return FileVisitResult.CONTINUE;
            }
        });
    }

    @Override
    public String describe(VolumeOptions options) {
        return name();
    }
}
