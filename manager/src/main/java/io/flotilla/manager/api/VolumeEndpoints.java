package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.Task;
import io.flotilla.model.Volume;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.VolumeInfo;
import io.flotilla.state.ClusterState;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;

/**
 * Named volumes: {@code GET /v1/volumes}, {@code GET|DELETE /v1/volumes/{name}}, and
 * {@code DELETE /v1/stacks/{name}?volumes=true}. Volumes enter the state when their first task is
 * assigned (see {@link Command.RemoveVolumes}); these endpoints only show and forget them. Forgetting
 * a volume the state still needs is refused here with the services that use it, and the state
 * machine keeps it anyway should a task start using it between this check and the command.
 */
final class VolumeEndpoints {
    private final ClusterStore store;
    private final InstantSource clock;

    VolumeEndpoints(ClusterStore store, InstantSource clock) {
        this.store = store;
        this.clock = clock;
    }

    List<VolumeInfo> list() {
        ClusterState state = store.state();
        Map<String, List<Task>> users = state.tasksByVolume(); // one walk over the tasks for all volumes
        return state.volumes().stream().sorted(Comparator.comparing(Volume::name))
                .map(v -> info(state, v, users.getOrDefault(v.name(), List.of()))).toList();
    }

    VolumeInfo inspect(String name) {
        ClusterState state = store.state();
        Volume volume = find(state, name);
        return info(state, volume, state.tasksUsingVolume(volume.name()));
    }

    ChangeResult remove(String name) throws InterruptedException {
        ClusterState state = store.state();
        state.volume(name).orElseThrow(() -> Absence.of(store, "volume", name));
        refuseInUse(state, name);
        ClusterState after = Submissions.await(store.submit(new Command.RemoveVolumes(List.of(name), clock.instant())));
        if (after.volume(name).isPresent()) {
            refuseInUse(after, name); // a task started using it meanwhile
        }
        return new ChangeResult(after.index(), "volume " + name + " removed");
    }

    /**
     * Removes the stack's services, then forgets the volumes its file declared (never external
     * ones): the tasks being shut down no longer count as users, so only a volume another stack
     * also uses stays, and the answer says so. A stack whose services are gone already but whose
     * volumes remain (an earlier {@code stack rm} without {@code --volumes}) has just its volumes removed.
     */
    ChangeResult removeStackWithVolumes(String stack) throws InterruptedException {
        ClusterState state = store.state();
        int services = state.servicesOfStack(stack).size();
        if (services == 0 && state.volumesOfStack(stack).isEmpty()) {
            throw Absence.stack(store, stack);
        }
        ClusterState after = state;
        if (services > 0) {
            after = Submissions.await(store.submit(new Command.RemoveStack(stack, clock.instant())));
        }
        List<String> names = after.volumesOfStack(stack).stream().map(Volume::name).toList();
        if (!names.isEmpty()) {
            after = Submissions.await(store.submit(new Command.RemoveVolumes(names, clock.instant())));
        }
        List<String> kept = new ArrayList<>();
        for (String name : names) {
            if (after.volume(name).isPresent()) {
                kept.add(name + " (in use by " + String.join(", ", usersOf(after, name)) + ")");
            }
        }
        String message = "stack " + stack + " removed: " + services + " services, " + (names.size() - kept.size())
                + " volumes" + (kept.isEmpty() ? "" : "; kept volume " + String.join(", ", kept));
        return new ChangeResult(after.index(), message);
    }

    private static void refuseInUse(ClusterState state, String name) {
        List<String> services = usersOf(state, name);
        if (!services.isEmpty()) {
            throw ApiException.conflict("volume " + name + " is in use by service " + String.join(", ", services)
                    + " (remove or scale down the service first, or stack rm --volumes the stack)");
        }
    }

    private static List<String> usersOf(ClusterState state, String name) {
        return state.tasksUsingVolume(name).stream().map(Task::serviceName).distinct().sorted().toList();
    }

    private static Volume find(ClusterState state, String name) {
        return state.volume(name).orElseThrow(() -> ApiException.notFound("no such volume: " + name));
    }

    private static VolumeInfo info(ClusterState state, Volume volume, List<Task> tasks) {
        String nodeName = volume.nodeId() == null ? null
                : state.node(volume.nodeId()).map(Node::status).map(s -> s.hostname()).orElse(null);
        List<Task> users = tasks.stream()
                .sorted(Comparator.comparing(Task::serviceName).thenComparingInt(Task::slot)).toList();
        return VolumeInfo.of(volume, nodeName, users);
    }
}
