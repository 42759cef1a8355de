package io.flotilla.agent.driver.docker;

import io.flotilla.model.Task;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * The labels that tie a container to its task, so that a restarted agent finds, adopts or removes
 * it: {@code io.flotilla.stack}, {@code .service}, {@code .task}, {@code .node}, {@code .slot}.
 * The service's own labels come first and can never override these.
 */
public final class ContainerLabels {
    public static final String PREFIX = "io.flotilla.";
    public static final String STACK = PREFIX + "stack";
    public static final String SERVICE = PREFIX + "service";
    public static final String TASK = PREFIX + "task";
    public static final String NODE = PREFIX + "node";
    public static final String SLOT = PREFIX + "slot";

    private ContainerLabels() {}

    public static Map<String, String> of(Task task, String nodeId) {
        Map<String, String> labels = new LinkedHashMap<>(task.spec().labels());
        labels.put(STACK, stackOf(task));
        labels.put(SERVICE, serviceOf(task));
        labels.put(TASK, task.id());
        labels.put(NODE, nodeId);
        labels.put(SLOT, Integer.toString(task.slot()));
        return labels;
    }

    static String serviceOf(Task task) {
        return task.serviceName() == null ? task.serviceId() : task.serviceName();
    }

    /**
     * The stack a task belongs to. A task carries its service's full name {@code <stack>_<service>}
     * but not the stack: the part before the first underscore (a stack whose own name holds an
     * underscore reads short here; the label is informational, nothing depends on it).
     */
    static String stackOf(Task task) {
        String service = serviceOf(task);
        int underscore = service.indexOf('_');
        return underscore > 0 ? service.substring(0, underscore) : service;
    }

    /** Swarm style: {@code shop_web.2.<taskid>}, or {@code shop_agent.<node>.<taskid>} for a global task. */
    public static String containerName(Task task, String nodeId) {
        String middle = task.slot() > 0 ? Integer.toString(task.slot()) : nodeId;
        return (serviceOf(task) + "." + middle + "." + task.id()).replaceAll("[^a-zA-Z0-9_.-]", "-");
    }
}
