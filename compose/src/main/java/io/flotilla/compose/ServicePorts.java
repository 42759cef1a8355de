package io.flotilla.compose;

import io.flotilla.model.PortSpec;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A service's {@code ports} and {@code expose} as {@link PortSpec}s. A port is named by its
 * long-syntax {@code name}, else by its target; when two ports share a target the later one
 * gets a suffix, so names stay unique within the service.
 */
final class ServicePorts {
    private ServicePorts() {}

    /** {@code ports}, then {@code expose} entries not already listed, each with a unique name. */
    static List<PortSpec> map(ComposeNode service, MappingContext context) throws ComposeException {
        List<PortSpec> ports = new ArrayList<>();
        Set<String> names = new HashSet<>();
        Set<String> targets = new HashSet<>();
        for (ComposeNode item : service.get("ports").items()) {
            for (PortParser.Entry entry : PortParser.parse(item)) {
                if (entry.hostIp() != null && !entry.hostIp().isBlank()) {
                    context.unsupported("ports.host_ip");
                }
                String name = entry.name();
                if (name != null && !names.add(name)) {
                    throw item.error("port name " + name + " is used twice");
                }
                if (name == null) {
                    name = uniqueName(entry, names);
                }
                ports.add(new PortSpec(name, entry.target(), entry.published(), entry.protocol(), entry.mode(), entry.appProtocol()));
                targets.add(entry.target() + "/" + entry.protocol());
            }
        }
        for (ComposeNode item : service.get("expose").items()) {
            List<PortParser.Entry> entries;
            try {
                entries = PortParser.parseShort(item.text());
            } catch (IllegalArgumentException e) {
                throw item.error("invalid exposed port \"" + item.text() + "\": " + e.getMessage());
            }
            for (PortParser.Entry entry : entries) {
                if (entry.published() != null) {
                    throw item.error("an exposed port has no published part: \"" + item.text() + "\"");
                }
                if (targets.add(entry.target() + "/" + entry.protocol())) {
                    ports.add(new PortSpec(uniqueName(entry, names), entry.target(), null, entry.protocol(), null));
                }
            }
        }
        return ports;
    }

    private static String uniqueName(PortParser.Entry entry, Set<String> names) {
        String base = Integer.toString(entry.target());
        List<String> candidates = List.of(base, base + "-" + entry.protocol(),
                base + "-" + (entry.published() == null ? "exposed" : entry.published()));
        for (String candidate : candidates) {
            if (names.add(candidate)) {
                return candidate;
            }
        }
        for (int i = 2; ; i++) {
            if (names.add(base + "-" + i)) {
                return base + "-" + i;
            }
        }
    }

}
