package io.flotilla.cli;

import io.flotilla.model.Node;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ServiceSummary;
import java.nio.file.Path;
import java.time.Instant;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * What {@code ls}/{@code ps} show, as ordered maps: the same objects feed the table and
 * {@code --format json}, so the two never disagree. Field names are the scripting contract.
 */
public final class Views {
    private Views() {}

    public static Map<String, Object> service(ServiceSummary summary) {
        ServiceSpec spec = summary.service().spec();
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", summary.service().id());
        view.put("name", spec.name());
        view.put("mode", spec.mode() == ServiceMode.GLOBAL ? "global" : "replicated");
        view.put("running", summary.running());
        view.put("desired", summary.desired());
        view.put("replicas", summary.running() + "/" + summary.desired());
        view.put("image", image(spec.task()));
        view.put("driver", spec.task().driver());
        view.put("ports", ports(spec.ports()));
        view.put("stack", spec.stack());
        return view;
    }

    public static String image(TaskTemplate task) {
        if (task.image() != null) {
            return task.image();
        }
        List<String> program = task.entrypoint().isEmpty() ? task.command() : task.entrypoint();
        return program.isEmpty() ? "" : "process:" + Path.of(program.getFirst()).getFileName();
    }

    public static String ports(List<PortSpec> ports) {
        return ports.stream().filter(p -> p.published() != null)
                .map(p -> "*:" + p.published() + "->" + p.target() + "/" + p.protocol())
                .collect(Collectors.joining(", "));
    }

    /** Tasks in {@code service ps} order: by service, slot (or node), newest first within a slot. */
    /**
     * As {@code docker service ps}: by service and slot (a global service's slot being its node),
     * the slot's wanted task first, then its history newest first, wherever each ran (a slot
     * whose task moved between nodes still shows its running task on top).
     */
    public static List<Task> sorted(Collection<Task> tasks) {
        return tasks.stream().sorted(Comparator.comparing(Task::serviceName)
                .thenComparingInt(Task::slot)
                .thenComparing(t -> t.slot() > 0 || t.nodeId() == null ? "" : t.nodeId())
                .thenComparing(t -> t.desiredState() != io.flotilla.model.TaskState.RUNNING)
                .thenComparing(Task::createdAt, Comparator.reverseOrder())).toList();
    }

    public static Map<String, Object> task(Task task, Map<String, Node> nodes) {
        return task(task, nodes, List.of());
    }

    /** With the task's addresses on its networks ({@code addresses}: a list of {@code network}, {@code address}). */
    public static Map<String, Object> task(Task task, Map<String, Node> nodes, List<TaskAddress> addresses) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", task.id());
        view.put("name", task.displayName());
        view.put("service", task.serviceName());
        view.put("serviceId", task.serviceId());
        view.put("slot", task.slot());
        Node node = task.nodeId() == null ? null : nodes.get(task.nodeId());
        view.put("node", node == null ? task.nodeId() : node.status().hostname() == null ? node.id() : node.status().hostname());
        view.put("nodeId", task.nodeId());
        view.put("desiredState", task.desiredState().displayName());
        view.put("state", task.state().displayName());
        view.put("since", task.status().timestamp());
        view.put("message", task.status().message());
        view.put("error", task.status().error());
        view.put("exitCode", task.status().exitCode());
        view.put("pid", task.status().pid());
        view.put("containerId", task.status().containerId());
        view.put("health", task.status().health());
        view.put("hostPorts", task.status().hostPorts());
        view.put("endpoints", io.flotilla.discovery.ServiceEndpoints.isEndpoint(task, node)
                ? List.of(Map.of("address", node.status().address(), "ports", task.status().hostPorts())) : List.of());
        view.put("addresses", addresses.stream().map(a -> Map.of("network", a.network(), "address", a.address())).toList());
        view.put("image", image(task.spec()));
        view.put("driver", task.spec().driver());
        view.put("createdAt", task.createdAt());
        return view;
    }

    /**
     * {@code service ps}'s ADDRESSES cell: each address with its network, in the order the API gives
     * them (the network the task was created on first), e.g. {@code 10.0.0.5 (shop_front), 10.0.1.4 (shop_back)}.
     */
    public static String addresses(List<TaskAddress> addresses) {
        return addresses.stream().map(a -> a.address() + " (" + a.network() + ")").collect(Collectors.joining(", "));
    }

    public static String currentState(Task task, Instant now) {
        String state = Humanize.capitalize(task.state().displayName());
        if (task.status().health() != null && task.state() == io.flotilla.model.TaskState.RUNNING) {
            state += " (" + task.status().health() + ")";
        }
        return state + " " + Humanize.ago(task.status().timestamp(), now);
    }

    public static String hostPorts(Task task) {
        return task.status().hostPorts().entrySet().stream().sorted(Map.Entry.comparingByKey())
                .map(e -> e.getKey() + "=" + e.getValue()).collect(Collectors.joining(","));
    }
}
