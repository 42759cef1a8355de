package io.flotilla.model.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.stream.Collectors;

/**
 * The one place an {@link Assignment} meets environment strings, both ways.
 *
 * <p>{@link #of} writes what a task's own process sees (its documented interface, README,
 * docs/api.md and docs/stateful.md): {@value #PORTS} ({@code name:target} pairs, comma-separated,
 * a port published in host mode as {@code name:target:published:host}), {@value #FENCING}{@code =lease}
 * for a fenced task, {@value #SLOT} and {@value #SLOT_NAME} for a stateful service's task, and
 * {@value #DEPENDENCIES} ({@code PREFIX=service}, comma-separated).
 *
 * <p>{@link #lift} reads those variables back out of an environment, for what an older version
 * wrote that way: an assignment set of format 1 or 2 (an older manager sent everything as
 * variables), of format 3 (the slot's number and name still as variables), and the
 * {@code task.json} an older agent left in a task directory. Malformed entries are skipped rather
 * than refusing the task.
 */
public final class AssignmentVariables {
    public static final String PORTS = "FLOTILLA_PORTS";
    public static final String FENCING = "FLOTILLA_FENCING";
    /** The value of {@value #FENCING} of a fenced task. */
    public static final String LEASE = "lease";
    public static final String DEPENDENCIES = "FLOTILLA_DEPENDENCIES";
    /** A stateful service's task only: its slot (its volumes are the slot's own). */
    public static final String SLOT = "FLOTILLA_SLOT";
    /** A stateful service's task only: its slot's stable name. */
    public static final String SLOT_NAME = "FLOTILLA_SLOT_NAME";

    private AssignmentVariables() {}

    /** An assignment read out of an environment, and what remains of that environment without its variables. */
    public record Lifted(Assignment assignment, Map<String, String> environment) {}

    /** The variables a task with this assignment sees; none for what it does not have. */
    public static Map<String, String> of(Assignment assignment) {
        Map<String, String> env = new LinkedHashMap<>();
        if (!assignment.ports().isEmpty()) {
            env.put(PORTS, assignment.ports().stream().map(AssignmentVariables::port).collect(Collectors.joining(",")));
        }
        if (assignment.fenced()) {
            env.put(FENCING, LEASE);
        }
        if (assignment.slot() > 0) {
            env.put(SLOT, Integer.toString(assignment.slot()));
        }
        if (assignment.slotName() != null) {
            env.put(SLOT_NAME, assignment.slotName());
        }
        if (!assignment.dependencies().isEmpty()) {
            env.put(DEPENDENCIES, assignment.dependencies().entrySet().stream()
                    .map(entry -> entry.getKey() + "=" + entry.getValue()).collect(Collectors.joining(",")));
        }
        return env;
    }

    /**
     * The variable that holds a port's number for the task ({@code PORT} holds the first one):
     * {@code http} → {@code FLOTILLA_PORT_HTTP}; {@code grpc-web} → {@code FLOTILLA_PORT_GRPC_WEB}.
     */
    public static String portVariable(String portName) {
        StringBuilder name = new StringBuilder("FLOTILLA_PORT_");
        for (char c : portName.toUpperCase(Locale.ROOT).toCharArray()) {
            name.append((c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ? c : '_');
        }
        return name.toString();
    }

    private static String port(Assignment.Port port) {
        String value = port.name() + ":" + port.target();
        return port.hostPort() != null ? value + ":" + port.hostPort() + ":host" : value;
    }

    /**
     * The assignment {@code env} describes, and {@code env} without {@value #PORTS},
     * {@value #FENCING}, {@value #SLOT}, {@value #SLOT_NAME} and {@value #DEPENDENCIES}: what
     * remains is the dependencies' chosen addresses. A task has its volumes in its slot exactly
     * when it was given {@value #SLOT}.
     */
    public static Lifted lift(Map<String, String> env) {
        Map<String, String> rest = new LinkedHashMap<>(env);
        String ports = rest.remove(PORTS);
        String fencing = rest.remove(FENCING);
        String dependencies = rest.remove(DEPENDENCIES);
        String slot = rest.remove(SLOT);
        String slotName = rest.remove(SLOT_NAME);
        Assignment assignment = new Assignment(ports(ports), LEASE.equals(fencing), dependencies(dependencies),
                slot != null, slot(slot), slotName);
        return new Lifted(assignment, rest);
    }

    private static int slot(String value) {
        try {
            return value == null ? 0 : Math.max(0, Integer.parseInt(value.trim()));
        } catch (NumberFormatException e) {
            return 0;
        }
    }

    /** {@code http:8080,9090:9090,web:80:8080:host}; a bare {@code 8080} names itself; a repeated name counts once. */
    static List<Assignment.Port> ports(String value) {
        List<Assignment.Port> ports = new ArrayList<>();
        if (value == null) {
            return ports;
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
                boolean host = parts.length >= 4 && "host".equals(parts[3].trim());
                Assignment.Port port = new Assignment.Port(name.isEmpty() ? target : name, Integer.parseInt(target),
                        host && published != null && published > 0 ? published : null);
                if (ports.stream().noneMatch(existing -> existing.name().equals(port.name()))) {
                    ports.add(port);
                }
            } catch (NumberFormatException e) {
                // not a port: skip it rather than refuse the task
            }
        }
        return ports;
    }

    /** {@code BACKEND=shop_backend,BILLING_API=billing_api}, in order. */
    static Map<String, String> dependencies(String value) {
        Map<String, String> dependencies = new LinkedHashMap<>();
        if (value == null || value.isBlank()) {
            return dependencies;
        }
        for (String entry : value.split(",")) {
            int equals = entry.indexOf('=');
            if (equals > 0 && equals < entry.length() - 1) {
                dependencies.put(entry.substring(0, equals).trim(), entry.substring(equals + 1).trim());
            }
        }
        return dependencies;
    }
}
