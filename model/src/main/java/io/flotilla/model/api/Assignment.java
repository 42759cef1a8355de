package io.flotilla.model.api;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonInclude;
import io.flotilla.model.Checks;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

/**
 * What the manager tells an agent about one task beyond the task itself: how it is wired into the
 * cluster on this node. It travels in the {@link AssignmentSet} next to its task, typed, so that
 * neither side parses environment strings; the task's own process still sees the variables it
 * always saw, which the agent writes from this record ({@link AssignmentVariables}).
 *
 * <p>A field that an agent may ignore without running the task wrongly can be added as an
 * optional one (absent reads as empty); one it must not ignore (network addresses, secrets)
 * raises {@link AssignmentSet}'s wire format, so that an older agent refuses the set instead of
 * running the task without it.
 *
 * @param ports        the service's ports, in order: the task listens on each, the agent picks a
 *                     host port per port (the published one for a port published in host mode)
 * @param fenced       the task may run only while the node holds its lease with the managers (a
 *                     stateful service, or a named volume on a shared driver; docs/stateful.md)
 * @param dependencies the services the task depends on (depends_on, {@code x-flotilla.requires}),
 *                     in order: prefix of their variables ({@code BACKEND}) → full service name
 *                     ({@code shop_backend}); their endpoints are the set's
 *                     {@link AssignmentSet#dependencies()}
 * @param slotVolumes  the task's named volumes are its slot's own ({@code data-2}, a stateful
 *                     service), not its service's
 * @param slot         a stateful service's task: its slot ({@code 2}), which it sees as
 *                     {@code FLOTILLA_SLOT}; 0 otherwise
 * @param slotName     a stateful service's task: its slot's stable name
 *                     ({@code db-2.db.shop.flotilla}), which it sees as
 *                     {@code FLOTILLA_SLOT_NAME}; null otherwise
 * @param networks     the overlay networks the task attaches to, in the template's order, each with
 *                     the task's address on it (the first is its default route); empty: none
 * @param stack        the task's stack (its resolver's search domain is {@code <stack>.<domain>});
 *                     null outside one
 * @param files        the secrets and configs the task sees as files, each with the content of its
 *                     current version ({@link TaskFile}); empty: none. Never logged.
 */
public record Assignment(List<Port> ports, boolean fenced, Map<String, String> dependencies, boolean slotVolumes,
                         @JsonInclude(JsonInclude.Include.NON_DEFAULT) int slot, String slotName,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TaskNetwork> networks, String stack,
                         @JsonInclude(JsonInclude.Include.NON_EMPTY) List<TaskFile> files) {
    /** A task with no ports, not fenced, depending on nothing, with its service's volumes. */
    public static final Assignment NONE = new Assignment(List.of(), false, Map.of(), false);

    @JsonCreator
    public Assignment {
        ports = Checks.list(ports);
        networks = Checks.list(networks);
        files = Checks.list(files);
        dependencies = dependencies == null ? Map.of() : Collections.unmodifiableMap(new LinkedHashMap<>(dependencies));
    }

    /** Without secrets or configs. */
    public Assignment(List<Port> ports, boolean fenced, Map<String, String> dependencies, boolean slotVolumes,
                      int slot, String slotName, List<TaskNetwork> networks, String stack) {
        this(ports, fenced, dependencies, slotVolumes, slot, slotName, networks, stack, List.of());
    }

    /** A task that is not a stateful service's (no slot name). */
    public Assignment(List<Port> ports, boolean fenced, Map<String, String> dependencies, boolean slotVolumes) {
        this(ports, fenced, dependencies, slotVolumes, 0, null);
    }

    /** Without networks. */
    public Assignment(List<Port> ports, boolean fenced, Map<String, String> dependencies, boolean slotVolumes,
                      int slot, String slotName) {
        this(ports, fenced, dependencies, slotVolumes, slot, slotName, List.of(), null);
    }

    /**
     * A port of the task.
     *
     * @param name     its name ({@code http}; a port without one is named by its target, {@code 9090})
     * @param target   the port the task listens on in a container
     * @param hostPort the host port it must get when its service publishes it in host mode, else
     *                 null (any free port)
     */
    public record Port(String name, int target, Integer hostPort) {
        public Port {
            Checks.requireText(name, "port name");
        }

        /** A port on any free host port. */
        public Port(String name, int target) {
            this(name, target, null);
        }
    }

    public Assignment withPorts(List<Port> newPorts) {
        return new Assignment(newPorts, fenced, dependencies, slotVolumes, slot, slotName, networks, stack, files);
    }

    public Assignment withDependencies(Map<String, String> newDependencies) {
        return new Assignment(ports, fenced, newDependencies, slotVolumes, slot, slotName, networks, stack, files);
    }

    public Assignment withSlot(int newSlot, String newSlotName) {
        return new Assignment(ports, fenced, dependencies, slotVolumes, newSlot, newSlotName, networks, stack, files);
    }

    public Assignment withNetworks(List<TaskNetwork> newNetworks, String newStack) {
        return new Assignment(ports, fenced, dependencies, slotVolumes, slot, slotName, newNetworks, newStack, files);
    }

    public Assignment withFiles(List<TaskFile> newFiles) {
        return new Assignment(ports, fenced, dependencies, slotVolumes, slot, slotName, networks, stack, newFiles);
    }
}
