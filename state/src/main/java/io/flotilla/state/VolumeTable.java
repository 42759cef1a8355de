package io.flotilla.state;

import io.flotilla.model.Volume;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/** The named volumes of a {@link ClusterState} (see {@link Volume}), immutable, by name. */
final class VolumeTable {
    static final VolumeTable EMPTY = new VolumeTable(HashTreePMap.empty());

    private final PMap<String, Volume> volumes;

    private VolumeTable(PMap<String, Volume> volumes) {
        this.volumes = volumes;
    }

    Collection<Volume> all() {
        return volumes.values();
    }

    Optional<Volume> get(String name) {
        return Optional.ofNullable(volumes.get(name));
    }

    /** The volumes a stack's file declared (external ones excluded), by name. */
    List<Volume> ofStack(String stack) {
        return volumes.values().stream().filter(v -> stack.equals(v.stack()) && !v.options().external())
                .sorted(Comparator.comparing(Volume::name)).toList();
    }

    VolumeTable put(Volume volume) {
        return new VolumeTable(volumes.plus(volume.name(), volume));
    }

    VolumeTable remove(String name) {
        return new VolumeTable(volumes.minus(name));
    }
}
