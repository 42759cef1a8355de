package io.flotilla.state;

import io.flotilla.model.ClusterConfig;
import io.flotilla.model.ClusterFile;
import io.flotilla.model.ImageArchive;
import io.flotilla.model.Node;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.Volume;
import java.util.List;

/**
 * The plain, serializable form of a {@link ClusterState}: what snapshots and {@code inspect} hold.
 * {@code cluster} (identity and join tokens) is null before init and in older snapshots;
 * {@code registrations} (discovery's self-registrations), {@code volumes} and {@code networks} (with
 * their addresses), {@code files} (secrets and configs, their content sealed) and {@code images}
 * (the cluster's stored images), {@code events} (the retained event history, {@link EventLog}) and
 * {@code logins} (dashboard login links used, {@link LoginRedemptions}) are null in older snapshots.
 */
public record StateSnapshot(long index, List<Service> services, List<Task> tasks, List<Node> nodes,
                            ClusterConfig cluster, List<Registration> registrations, List<Volume> volumes,
                            List<NetworkTable.Saved> networks, List<ClusterFile> files, List<ImageArchive> images,
                            EventLog.Saved events, List<LoginRedemptions.Saved> logins) {
    public StateSnapshot(long index, List<Service> services, List<Task> tasks, List<Node> nodes,
                         ClusterConfig cluster, List<Registration> registrations, List<Volume> volumes,
                         List<NetworkTable.Saved> networks, List<ClusterFile> files, List<ImageArchive> images,
                         EventLog.Saved events) {
        this(index, services, tasks, nodes, cluster, registrations, volumes, networks, files, images, events, null);
    }

    public StateSnapshot(long index, List<Service> services, List<Task> tasks, List<Node> nodes,
                         ClusterConfig cluster, List<Registration> registrations, List<Volume> volumes,
                         List<NetworkTable.Saved> networks, List<ClusterFile> files, List<ImageArchive> images) {
        this(index, services, tasks, nodes, cluster, registrations, volumes, networks, files, images, null);
    }

    public StateSnapshot(long index, List<Service> services, List<Task> tasks, List<Node> nodes,
                         ClusterConfig cluster, List<Registration> registrations, List<Volume> volumes,
                         List<NetworkTable.Saved> networks) {
        this(index, services, tasks, nodes, cluster, registrations, volumes, networks, List.of(), List.of());
    }

    public StateSnapshot(long index, List<Service> services, List<Task> tasks, List<Node> nodes,
                         ClusterConfig cluster, List<Registration> registrations, List<Volume> volumes) {
        this(index, services, tasks, nodes, cluster, registrations, volumes, List.of());
    }

    public StateSnapshot(long index, List<Service> services, List<Task> tasks, List<Node> nodes,
                         ClusterConfig cluster) {
        this(index, services, tasks, nodes, cluster, List.of(), List.of());
    }

    public StateSnapshot(long index, List<Service> services, List<Task> tasks, List<Node> nodes,
                         ClusterConfig cluster, List<Registration> registrations) {
        this(index, services, tasks, nodes, cluster, registrations, List.of());
    }

    public static StateSnapshot of(ClusterState state) {
        return new StateSnapshot(state.index(), List.copyOf(state.services()), List.copyOf(state.tasks()),
                List.copyOf(state.nodes()), state.cluster(), List.copyOf(state.registrations().all()),
                List.copyOf(state.volumes()), state.networks().saved(), state.files().saved(),
                List.copyOf(state.images().all()), state.events().saved(), state.logins().saved());
    }

    /** The state; tasks share their service's and node's objects, as when created through the log ({@link Canonical}). */
    public ClusterState toState() {
        List<Service> allServices = services == null ? List.of() : services;
        List<Task> allTasks = tasks == null ? List.of() : tasks;
        java.util.Map<String, Service> byId = new java.util.HashMap<>();
        allServices.forEach(service -> byId.put(service.id(), service));
        java.util.Map<String, Node> nodesById = new java.util.HashMap<>();
        (nodes == null ? List.<Node>of() : nodes).forEach(node -> nodesById.put(node.id(), node));
        Canonical canonical = new Canonical();
        List<Task> shared = new java.util.ArrayList<>(allTasks.size());
        for (Task task : allTasks) {
            shared.add(canonical.task(task, byId.get(task.serviceId()),
                    task.nodeId() == null ? null : nodesById.get(task.nodeId())));
        }
        ClusterState state = ClusterState.of(index, allServices, shared, nodes == null ? List.of() : nodes, cluster)
                .withRegistrations(Registrations.of(registrations == null ? List.of() : registrations));
        for (Volume volume : volumes == null ? List.<Volume>of() : volumes) {
            state = state.putVolume(volume);
        }
        for (ClusterFile file : files == null ? List.<ClusterFile>of() : files) {
            state = state.putFile(file.kind(), file.name(), file);
        }
        return state.withNetworks(NetworkTable.of(networks == null ? List.of() : networks))
                .withImages(ImageTable.of(images == null ? List.of() : images))
                .withEvents(EventLog.of(events))
                .withLogins(LoginRedemptions.of(logins));
    }
}
