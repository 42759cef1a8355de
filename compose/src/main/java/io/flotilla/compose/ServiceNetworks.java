package io.flotilla.compose;

import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.TaskTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A service's {@code networks:} and {@code network_mode:}, as Compose reads them: the networks it
 * attaches to by their cluster-wide names, with per-network {@code aliases}. A container that
 * names neither joins the stack's default network (Compose's behaviour); a process task that
 * names none keeps the host's network, as before networks existed.
 */
final class ServiceNetworks {
    /** What the template takes: the attachments, or a network mode (never both). */
    record Mapped(List<NetworkAttachment> networks, String networkMode) {}

    /** Per-network options that pin what the managers allocate, or tune Docker's own networking. */
    private static final Set<String> IGNORED_OPTIONS = Set.of("ipv4_address", "ipv6_address", "link_local_ips",
            "mac_address", "driver_opts", "priority", "gw_priority", "interface_name");
    /** Docker's default bridge: no attachment, no mode (what a container had before networks existed). */
    static final String BRIDGE = "bridge";

    private ServiceNetworks() {}

    static Mapped map(ComposeNode service, String driver, MappingContext context) throws ComposeException {
        ComposeNode networks = service.get("networks");
        ComposeNode modeNode = service.get("network_mode");
        if (modeNode.isPresent()) {
            if (networks.isPresent()) {
                throw modeNode.keyError("network_mode and networks cannot be used together: a task either joins"
                        + " networks or takes the mode (as Compose refuses)");
            }
            return new Mapped(List.of(), mode(modeNode, driver, context));
        }
        if (!networks.isPresent()) {
            if (driver.equals(TaskTemplate.PROCESS)) {
                return new Mapped(List.of(), null);
            }
            NetworkDeclarations.Declared fallback = context.networks.get("default");
            context.usedNetworks.add("default");
            return new Mapped(List.of(new NetworkAttachment(fallback.name())), null);
        }
        List<NetworkAttachment> attachments = new ArrayList<>();
        if (networks.isArray()) {
            for (ComposeNode item : networks.items()) {
                attachments.add(new NetworkAttachment(declared(item, item.text(), context), List.of()));
            }
            return new Mapped(attachments, null);
        }
        for (Map.Entry<String, ComposeNode> field : networks.fields().entrySet()) {
            ComposeNode options = field.getValue();
            String name = declared(networks.get(field.getKey()), field.getKey(), context);
            for (String option : options.fields().keySet()) {
                if (IGNORED_OPTIONS.contains(option)) {
                    context.warn(options.get(option).path().key() + " is not supported; ignored (the managers"
                            + " allocate each task's address)");
                }
            }
            List<String> aliases = new ArrayList<>();
            for (ComposeNode alias : options.get("aliases").items()) {
                aliases.add(alias.text());
            }
            attachments.add(new NetworkAttachment(name, aliases));
        }
        return new Mapped(attachments, null);
    }

    private static String declared(ComposeNode at, String key, MappingContext context) throws ComposeException {
        NetworkDeclarations.Declared declared = context.networks.get(key);
        if (declared == null) {
            throw at.keyError("refers to undefined network " + key + " (declare it under the top-level networks:)");
        }
        context.usedNetworks.add(key);
        return declared.name();
    }

    /**
     * {@code host} and {@code none} as the template's mode. {@code bridge} is accepted for a container,
     * with a warning: it is Docker's default bridge on each node, what a container had before Flotilla
     * had networks, and what such a file asks for; a process task has no Docker bridge.
     * {@code service:x} and {@code container:x} share another task's namespace, which a task placed
     * on any node cannot do: refused.
     */
    private static String mode(ComposeNode node, String driver, MappingContext context) throws ComposeException {
        String mode = node.text();
        switch (mode) {
            case TaskTemplate.HOST_NETWORK, TaskTemplate.NO_NETWORK -> {
                return mode;
            }
            case BRIDGE -> {
                if (driver.equals(TaskTemplate.PROCESS)) {
                    throw node.error("network_mode bridge is Docker's bridge, which a process task does not have;"
                            + " use networks: (its own namespace on an overlay) or network_mode: host");
                }
                context.warn(node.path().key() + ": bridge is Docker's default bridge on each node: the service is on"
                        + " no Flotilla network, so other services cannot reach it by name (use networks: instead)");
                return null;
            }
            default -> {
                if (mode.startsWith("service:") || mode.startsWith("container:")) {
                    throw node.error("network_mode " + mode + " is not supported: a task cannot share another's"
                            + " network namespace across the cluster; put both services on one network and address"
                            + " each other by name");
                }
                throw node.error("network_mode must be host, none or bridge, not \"" + mode + "\"");
            }
        }
    }
}
