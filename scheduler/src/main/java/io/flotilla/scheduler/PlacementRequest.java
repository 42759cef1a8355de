package io.flotilla.scheduler;

import io.flotilla.model.PortSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * What a group of identical tasks (one service version) asks of a node, parsed once per
 * {@code place()} call: driver, constraints, reservations, per-node cap, host-mode ports and the
 * labels to spread over. The ports come from the service's current spec (tasks do not carry
 * them).
 */
record PlacementRequest(String serviceId, String serviceName, String driver, List<Constraint> constraints,
                        Resources reservations, Integer maxReplicasPerNode, Set<String> hostPorts,
                        List<String> spreadLabels) {

    static PlacementRequest of(Service service, TaskTemplate template) {
        return of(service.id(), service.spec(), template);
    }

    static PlacementRequest of(String serviceId, ServiceSpec spec, TaskTemplate template) {
        List<Constraint> constraints = template.placement().constraints().stream().map(Constraint::parse).toList();
        List<String> spread = new ArrayList<>();
        for (String preference : template.placement().spreadPreferences()) {
            String label = preference.strip();
            if (label.startsWith("spread=")) {
                label = label.substring("spread=".length()).strip();
            }
            if (label.startsWith("node.labels.")) {
                spread.add(label.substring("node.labels.".length()));
            }
        }
        return new PlacementRequest(serviceId, spec.name(), template.driver(), constraints,
                template.resources().reservations(), template.placement().maxReplicasPerNode(),
                hostPorts(spec), List.copyOf(spread));
    }

    /** The host-mode published ports of a service, as {@code 8080/tcp}. */
    static Set<String> hostPorts(ServiceSpec spec) {
        Set<String> ports = new TreeSet<>();
        for (PortSpec port : spec.ports()) {
            if ("host".equals(port.mode()) && port.published() != null && port.published() > 0) {
                ports.add(port.published() + "/" + port.protocol());
            }
        }
        return ports;
    }
}
