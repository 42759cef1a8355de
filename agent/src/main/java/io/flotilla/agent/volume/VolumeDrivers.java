package io.flotilla.agent.volume;

import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/** This node's volume drivers by name. */
public final class VolumeDrivers {
    private final Map<String, VolumeDriver> drivers;

    public VolumeDrivers(List<VolumeDriver> drivers) {
        Map<String, VolumeDriver> byName = new LinkedHashMap<>();
        for (VolumeDriver driver : drivers) {
            if (byName.putIfAbsent(driver.name(), driver) != null) {
                throw new IllegalArgumentException("two volume drivers named " + driver.name());
            }
        }
        this.drivers = Map.copyOf(byName);
    }

    /** {@code local} and {@code glusterfs} on {@code dataDir}, the latter with the node's defaults. */
    public static VolumeDrivers standard(Path dataDir, GlusterDefaults gluster) {
        return new VolumeDrivers(List.of(new LocalVolumeDriver(dataDir), new GlusterVolumeDriver(dataDir, gluster)));
    }

    public Optional<VolumeDriver> get(String name) {
        return Optional.ofNullable(drivers.get(name));
    }

    public Set<String> names() {
        return drivers.keySet();
    }
}
