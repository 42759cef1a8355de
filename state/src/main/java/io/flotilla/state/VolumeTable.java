package io.flotilla.state;

import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.Volume;
import io.flotilla.model.VolumeMount;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.Predicate;
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

    /** See {@link ClusterState#tasksByVolume}: one walk over {@code tasks}; {@code stateful} says it of a service id. */
    static Map<String, List<Task>> users(Collection<Task> tasks, Predicate<String> stateful) {
        Map<String, List<Task>> users = new HashMap<>();
        for (Task task : tasks) {
            if (task.state().isTerminal() || task.desiredState() != TaskState.RUNNING || task.spec().volumes().isEmpty()) {
                continue;
            }
            boolean slotVolumes = stateful.test(task.serviceId());
            Set<String> names = new HashSet<>();
            for (VolumeMount mount : task.spec().volumes()) {
                String name = mount.instanceName(task.slot(), slotVolumes);
                if (name != null && names.add(name)) {
                    users.computeIfAbsent(name, n -> new ArrayList<>()).add(task);
                }
            }
        }
        return users;
    }

    VolumeTable put(Volume volume) {
        return new VolumeTable(volumes.plus(volume.name(), volume));
    }

    VolumeTable remove(String name) {
        return new VolumeTable(volumes.minus(name));
    }
}
