package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Registration;
import io.flotilla.model.Service;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.state.ClusterState;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The registry as a pure view of the cluster state: a service's endpoints are its healthy running
 * tasks (derived, never stored) plus its self-registrations.
 *
 * <p>A task is an endpoint while it is RUNNING, wanted RUNNING, healthy (or without an enabled
 * healthcheck) and on a READY node with an address; the endpoint's address is the node's and its
 * ports are the task's host ports. So an endpoint leaves the moment the state says the task
 * exited, was asked to stop, failed its healthcheck or lost its node (orphaned, node down).
 * A stateful service's endpoints carry their task's slot (for the per-slot DNS names).
 */
public final class ServiceEndpoints {
    private ServiceEndpoints() {}

    /** The endpoints of {@code serviceName} in {@code state}, by id. */
    public static SortedMap<String, Endpoint> of(ClusterState state, String serviceName) {
        SortedMap<String, Endpoint> endpoints = new TreeMap<>();
        Service service = state.serviceByName(serviceName).orElse(null);
        if (service != null) {
            for (Task task : state.tasksOfService(service.id())) {
                Endpoint endpoint = ofTask(state, service, task);
                if (endpoint != null) {
                    endpoints.put(endpoint.id(), endpoint);
                }
            }
        }
        for (Registration registration : state.registrations().ofService(serviceName)) {
            endpoints.put(registration.id(), registration.toEndpoint());
        }
        return endpoints;
    }

    /** The endpoint a task offers, or null if it offers none now. */
    public static Endpoint ofTask(ClusterState state, Service service, Task task) {
        Node node = task.nodeId() == null ? null : state.node(task.nodeId()).orElse(null);
        if (!isEndpoint(task, node)) {
            return null;
        }
        return new Endpoint(task.id(), service.spec().name(), service.spec().stack(), task.id(), node.id(),
                node.status().address(), task.status().hostPorts(), tags(service.spec().labels()), Map.of(),
                Endpoint.TASK, slotOf(service, task));
    }

    /**
     * Whether the tasks of {@code a} and {@code b} (either null: no service) offer the same
     * endpoints, their tasks and nodes being equal: what {@link #ofTask} reads of a service.
     */
    static boolean sameEndpointFields(Service a, Service b) {
        return a == null || b == null ? a == b
                : a.spec().name().equals(b.spec().name()) && java.util.Objects.equals(a.spec().stack(), b.spec().stack())
                && a.spec().labels().equals(b.spec().labels()) && a.spec().stateful() == b.spec().stateful();
    }

    /**
     * Whether tasks on {@code a} and on {@code b} (either null: no node) are the same endpoints,
     * their tasks and services being equal: what {@link #isEndpoint} and {@link #ofTask} read of a node.
     */
    static boolean sameEndpointFields(Node a, Node b) {
        return a == null || b == null ? a == b
                : a.status().state() == b.status().state()
                && java.util.Objects.equals(a.status().address(), b.status().address());
    }

    /**
     * The slot an endpoint carries: a stateful service's task's, so that its per-slot DNS name finds
     * it; null for any other (its replicas are interchangeable, so no name points at one of them).
     */
    static Integer slotOf(Service service, Task task) {
        return service.spec().stateful() && task.slot() > 0 ? task.slot() : null;
    }

    /** True if {@code task}, on {@code node}, is an endpoint now (see the class comment). */
    public static boolean isEndpoint(Task task, Node node) {
        return task.state() == TaskState.RUNNING && task.desiredState() == TaskState.RUNNING && isHealthy(task)
                && node != null && node.id().equals(task.nodeId()) && node.status().state() == NodeState.READY
                && node.status().address() != null;
    }

    static boolean isHealthy(Task task) {
        String health = task.status().health();
        if (health == null) {
            HealthcheckSpec check = task.spec().healthcheck();
            return check == null || check.disabled();
        }
        return "healthy".equals(health);
    }

    /** A service's labels as tags, {@code key=value}, sorted. */
    static List<String> tags(Map<String, String> labels) {
        List<String> tags = new ArrayList<>(labels.size());
        new TreeMap<>(labels).forEach((key, value) -> tags.add(key + "=" + value));
        return tags;
    }

    /** Every service name that has endpoints or exists in the state. */
    public static List<String> names(ClusterState state) {
        TreeMap<String, Boolean> names = new TreeMap<>();
        state.services().forEach(service -> names.put(service.spec().name(), true));
        state.registrations().services().forEach(name -> names.put(name, true));
        return List.copyOf(names.keySet());
    }
}
