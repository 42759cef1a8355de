package io.flotilla.agent.runner;

import io.flotilla.model.Task;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Builds a process task's environment. Little of the agent's own environment is inherited (PATH,
 * HOME, LANG, TZ, JAVA_HOME), so a task behaves the same whoever started the agent. Later layers
 * win: host basics, then the template's {@code environment}, then the manager's
 * {@code injectedEnv}, then what Flotilla sets itself:
 * <ul>
 *   <li>{@code FLOTILLA_TASK_ID}, {@code FLOTILLA_TASK_SLOT}, {@code FLOTILLA_SERVICE}, {@code FLOTILLA_NODE_ID}, {@code FLOTILLA_ADDRESS} (the node's address, to listen on);</li>
 *   <li>per port of {@code FLOTILLA_PORTS}: {@code FLOTILLA_PORT_<NAME>} = its host port, and {@code PORT} =
 *       the first one.</li>
 * </ul>
 * {@code FLOTILLA_PORTS} (set by the manager from the service's ports) lists {@code name:target}
 * pairs, comma separated: {@code http:8080,9090:9090}. A bare {@code 8080} names itself. A port
 * with a published port reads {@code name:target:published:mode} ({@code web:80:8080:host}); with
 * {@code mode} {@code host} the published port is the task's host port.
 */
public final class TaskEnvironment {
    public static final String PORTS_KEY = "FLOTILLA_PORTS";
    static final List<String> INHERITED = List.of("PATH", "HOME", "LANG", "TZ", "JAVA_HOME");
    static final String DEFAULT_PATH = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    private TaskEnvironment() {}

    /**
     * A port the task asks for: its name, the port it would listen on in a container, and the
     * published port and its mode when the service publishes it (else null).
     */
    public record PortRequest(String name, int target, Integer published, String mode) {
        public PortRequest(String name, int target) {
            this(name, target, null, null);
        }

        /** The host port the task must get: the published one in {@code host} mode, else null (any free port). */
        public Integer fixedHostPort() {
            return "host".equals(mode) && published != null && published > 0 ? published : null;
        }
    }

    /** The port names of {@code FLOTILLA_PORTS}, in order; malformed entries are skipped. */
    public static List<PortRequest> portRequests(Task task) {
        String value = task.injectedEnv().get(PORTS_KEY);
        if (value == null) {
            value = task.spec().environment().get(PORTS_KEY);
        }
        List<PortRequest> requests = new ArrayList<>();
        if (value == null) {
            return requests;
        }
        for (String entry : value.split(",")) {
            String trimmed = entry.trim();
            if (trimmed.isEmpty()) {
                continue;
            }
            String[] parts = trimmed.split(":", -1);
            String name = parts.length == 1 ? trimmed : parts[0].trim();
            String target = parts.length == 1 ? trimmed : parts[1].trim();
            try {
                Integer published = parts.length >= 3 && !parts[2].isBlank() ? Integer.valueOf(parts[2].trim()) : null;
                String mode = parts.length >= 4 ? parts[3].trim() : null;
                PortRequest request = new PortRequest(name.isEmpty() ? target : name, Integer.parseInt(target),
                        published, mode);
                if (requests.stream().noneMatch(existing -> existing.name().equals(request.name()))) {
                    requests.add(request);
                }
            } catch (NumberFormatException e) {
                // not a port: skip it rather than refuse the task
            }
        }
        return requests;
    }

    /** {@code http} → {@code FLOTILLA_PORT_HTTP}; {@code grpc-web} → {@code FLOTILLA_PORT_GRPC_WEB}. */
    public static String portVariable(String portName) {
        StringBuilder name = new StringBuilder("FLOTILLA_PORT_");
        for (char c : portName.toUpperCase(Locale.ROOT).toCharArray()) {
            name.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return name.toString();
    }

    public static Map<String, String> build(Task task, String nodeId, String nodeAddress, Map<String, Integer> hostPorts,
                                            Map<String, String> hostEnvironment) {
        Map<String, String> env = new LinkedHashMap<>();
        for (String key : INHERITED) {
            String value = hostEnvironment.get(key);
            if (value != null) {
                env.put(key, value);
            }
        }
        env.putIfAbsent("PATH", DEFAULT_PATH);
        env.putAll(task.spec().environment());
        env.putAll(task.injectedEnv());
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
            env.put(portVariable(port.getKey()), Integer.toString(port.getValue()));
        }
        return env;
    }
}
