package io.flotilla.model;

import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * One place a service answers: a healthy running task, or a self-registration. Endpoints of tasks
 * are derived from the replicated state (never stored); registrations are stored as
 * {@link Registration}s. Only healthy endpoints exist: a task that stops, fails its healthcheck
 * or loses its node has none, and a registration that stops renewing is removed.
 *
 * @param id      the task id, or the registration id
 * @param service the full service name ({@code shop_web}), or the registered name
 * @param stack   the stack, null for a service or registration outside a stack
 * @param taskId  the task id; null for a registration
 * @param nodeId  the node the task runs on; null for a registration
 * @param address where the endpoint answers (the node's address for a task)
 * @param ports   port name → port (a task's host ports)
 * @param tags    free-form tags, {@code key=value} by convention ({@code zone=a}); a task's are its
 *                service's labels
 * @param meta    metadata of a registration
 * @param source  {@code task} or {@code registration}
 * @param slot    the task's slot for a task of a stateful service (its per-slot DNS name
 *                {@code <service>-<slot>.<service>.<stack>.<domain>} answers this endpoint); null otherwise
 */
public record Endpoint(String id, String service, String stack, String taskId, String nodeId, String address,
                       Map<String, Integer> ports, List<String> tags, Map<String, String> meta, String source,
                       Integer slot) {
    public static final String TASK = "task";
    public static final String REGISTRATION = "registration";

    public Endpoint {
        Checks.requireText(id, "endpoint id");
        Checks.requireText(service, "endpoint service");
        Checks.requireText(address, "endpoint address");
        ports = ports == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(ports));
        tags = tags == null ? List.of() : List.copyOf(tags);
        meta = meta == null ? Map.of() : Collections.unmodifiableMap(new TreeMap<>(meta));
        source = source == null ? TASK : source;
        if (slot != null && slot < 1) {
            throw new IllegalArgumentException("endpoint slot must be at least 1, got " + slot);
        }
    }

    /** An endpoint without a slot (a registration, or a task of a stateless service). */
    public Endpoint(String id, String service, String stack, String taskId, String nodeId, String address,
                    Map<String, Integer> ports, List<String> tags, Map<String, String> meta, String source) {
        this(id, service, stack, taskId, nodeId, address, ports, tags, meta, source, null);
    }

    /** True if the endpoint carries every tag of {@code required}. */
    public boolean hasTags(List<String> required) {
        return tags.containsAll(required);
    }
}
