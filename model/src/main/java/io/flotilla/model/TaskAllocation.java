package io.flotilla.model;

import com.fasterxml.jackson.annotation.JsonInclude;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * What the scheduler decided about a task when it assigned it to a node, as the log records it
 * ({@link Command.Assignment}, then {@link Task#allocation()}): typed, so that neither the
 * dispatcher nor an agent parses environment strings to learn it. The slot's number and stable
 * name are not part of it: they follow from the task's slot and its service's spec.
 *
 * @param fenced              the task may run only while its node holds its lease with the
 *                            managers (a stateful service, or a named volume on a shared driver;
 *                            docs/stateful.md)
 * @param slotVolumes         the task's named volumes are its slot's own ({@code data-2}): a task of
 *                            a stateful service
 * @param dependencyAddresses the endpoint the scheduler chose, at assignment, of each service the
 *                            task depends on, as the variables the task sees:
 *                            {@code <PREFIX>_HOST}, {@code <PREFIX>_PORT},
 *                            {@code <PREFIX>_PORT_<NAME>} (the agent adds the live
 *                            {@code <PREFIX>_ENDPOINTS} itself)
 */
public record TaskAllocation(@JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean fenced,
                             @JsonInclude(JsonInclude.Include.NON_DEFAULT) boolean slotVolumes,
                             @JsonInclude(JsonInclude.Include.NON_EMPTY) Map<String, String> dependencyAddresses) {
    /** Not fenced, its service's volumes, no dependency chosen: a task not assigned yet, or a plain one. */
    public static final TaskAllocation NONE = new TaskAllocation(false, false, Map.of());

    private static final TaskAllocation FENCED = new TaskAllocation(true, false, Map.of());
    private static final TaskAllocation STATEFUL = new TaskAllocation(true, true, Map.of());
    private static final TaskAllocation SLOT_ONLY = new TaskAllocation(false, true, Map.of());

    /** The variables in which the log once kept the decision (a task's {@code injectedEnv}, an assignment's {@code env}). */
    static final String FENCING_VARIABLE = "FLOTILLA_FENCING";
    static final String SLOT_VARIABLE = "FLOTILLA_SLOT";
    static final String SLOT_NAME_VARIABLE = "FLOTILLA_SLOT_NAME";

    public TaskAllocation {
        dependencyAddresses = Checks.map(dependencyAddresses);
    }

    /**
     * The decision as the log stored it before it was typed: an environment with
     * {@code FLOTILLA_FENCING=lease} for a fenced task, {@code FLOTILLA_SLOT} and
     * {@code FLOTILLA_SLOT_NAME} for a task of a stateful service (both derived again where they
     * are needed), and the chosen dependencies' variables, which is all it held besides.
     */
    public static TaskAllocation fromEnvironment(Map<String, String> env) {
        if (env == null || env.isEmpty()) {
            return NONE;
        }
        Map<String, String> addresses = new LinkedHashMap<>(env);
        String fencing = addresses.remove(FENCING_VARIABLE);
        boolean slotVolumes = addresses.remove(SLOT_VARIABLE) != null;
        addresses.remove(SLOT_NAME_VARIABLE);
        return new TaskAllocation("lease".equals(fencing), slotVolumes, addresses);
    }

    /**
     * {@code allocation}, or the one shared instance equal to it when it names no address (nearly
     * every task: a state of a million tasks then holds four allocations, not a million); null
     * reads as {@link #NONE}.
     */
    static TaskAllocation shared(TaskAllocation allocation) {
        if (allocation == null) {
            return NONE;
        }
        if (!allocation.dependencyAddresses.isEmpty()) {
            return allocation;
        }
        if (allocation.fenced) {
            return allocation.slotVolumes ? STATEFUL : FENCED;
        }
        return allocation.slotVolumes ? SLOT_ONLY : NONE;
    }

    public TaskAllocation withDependencyAddresses(Map<String, String> addresses) {
        return new TaskAllocation(fenced, slotVolumes, addresses);
    }
}
