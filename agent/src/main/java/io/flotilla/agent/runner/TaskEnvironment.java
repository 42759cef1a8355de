package io.flotilla.agent.runner;

import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentVariables;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * Builds a process task's environment. Little of the agent's own environment is inherited (PATH,
 * HOME, LANG, TZ, JAVA_HOME), so a task behaves the same whoever started the agent. Later layers
 * win: host basics, then the template's {@code environment}, then the dependencies' addresses the
 * scheduler chose ({@code <PREFIX>_HOST}, … of the task's allocation), then the task's
 * {@link Assignment} as the variables tasks have always seen ({@code FLOTILLA_PORTS},
 * {@code FLOTILLA_FENCING}, {@code FLOTILLA_SLOT}, {@code FLOTILLA_SLOT_NAME},
 * {@code FLOTILLA_DEPENDENCIES}: {@link AssignmentVariables}), then what Flotilla sets itself:
 * <ul>
 *   <li>{@code FLOTILLA_TASK_ID}, {@code FLOTILLA_TASK_SLOT}, {@code FLOTILLA_SERVICE}, {@code FLOTILLA_NODE_ID}, {@code FLOTILLA_ADDRESS} (the node's address, to listen on);</li>
 *   <li>per port of the assignment: {@code FLOTILLA_PORT_<NAME>} = its host port, and {@code PORT} =
 *       the first one.</li>
 * </ul>
 */
public final class TaskEnvironment {
    static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "TZ", "JAVA_HOME");
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private TaskEnvironment() {}

    public static Map<String, String> build(Task task, Assignment assignment, String nodeId, String nodeAddress,
                                            Map<String, Integer> hostPorts, Map<String, String> hostEnvironment) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String key : INHERITED) {
            String value = hostEnvironment.get(key);
            if (value != null) {
                env.put(key, value);
            }
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.putAll(task.spec().environment());
        env.putAll(task.allocation().dependencyAddresses());
        env.putAll(AssignmentVariables.of(assignment));
        env.put("FLOTILLA_TASK_ID", task.id());
        env.put("FLOTILLA_TASK_SLOT", Integer.toString(task.slot()));
        env.put("FLOTILLA_SERVICE", task.serviceName() == null ? task.serviceId() : task.serviceName());
        env.put("FLOTILLA_NODE_ID", nodeId);
        if (nodeAddress != null) {
            env.put("FLOTILLA_ADDRESS", nodeAddress);
        }
        boolean first = true;
        for (Map.Entry<String, Integer> port : hostPorts.entrySet()) {
            if (first) {
                env.put("PORT", Integer.toString(port.getValue()));
                first = false;
            }
            env.put(AssignmentVariables.portVariable(port.getKey()), Integer.toString(port.getValue()));
        }
        return env;
    }
}
