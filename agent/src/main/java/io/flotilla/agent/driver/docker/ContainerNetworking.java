package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.model.HostConfig;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.TaskNetwork;
import java.util.List;

/**
 * How a task's container is networked, from its template and assignment. Pure.
 *
 * <ul>
 *   <li>{@code network_mode: host} or {@code none}: Docker's mode of that name, nothing else.</li>
 *   <li>Overlay networks ({@link Assignment#networks()}): the container is created on the first
 *       one's Docker network ({@link DockerNetworks#dockerName}) at the task's address there, and
 *       connected to the others, each at its address, before it starts. Its resolver is the node's
 *       DNS on the first network's gateway (the bridge's own address on every node), with
 *       {@code <stack>.<domain>} as search domain. No aliases: Flotilla's DNS answers the names,
 *       Docker's embedded one ({@code 127.0.0.11}, which Docker puts in front of a user network's
 *       resolver) only forwards to it.</li>
 *   <li>Neither: Docker's default bridge, as before networks existed.</li>
 * </ul>
 *
 * @param networkMode HostConfig's network mode; null for Docker's default bridge
 * @param networks    the overlays, in the assignment's order (first: created on it, default route)
 * @param dns         the container's name servers; empty: Docker's default
 * @param dnsSearch   its search domains; empty: Docker's default
 */
public record ContainerNetworking(String networkMode, List<TaskNetwork> networks, List<String> dns, List<String> dnsSearch) {
    /** The DNS server's default domain. */
    public static final String DEFAULT_DOMAIN = "flotilla";
    static final ContainerNetworking DEFAULT_BRIDGE = new ContainerNetworking(null, List.of(), List.of(), List.of());

    public ContainerNetworking {
        networks = List.copyOf(networks);
        dns = List.copyOf(dns);
        dnsSearch = List.copyOf(dnsSearch);
    }

    /** @param domain the cluster's DNS domain ({@code flotilla}) */
    static ContainerNetworking of(TaskTemplate template, Assignment assignment, String domain) {
        if (template.networkMode() != null) {
            return new ContainerNetworking(template.networkMode(), List.of(), List.of(), List.of());
        }
        if (assignment.networks().isEmpty()) {
            return DEFAULT_BRIDGE;
        }
        TaskNetwork first = assignment.networks().getFirst();
        return new ContainerNetworking(DockerNetworks.dockerName(first.network()), assignment.networks(),
                List.of(first.gateway()), searchDomains(assignment.stack(), domain));
    }

    /** {@code <stack>.<domain>}; none for a task outside a stack. */
    static List<String> searchDomains(String stack, String domain) {
        return stack == null || stack.isBlank() ? List.of() : List.of(stack + "." + domain);
    }

    /** The task's address on the network it is created on; null without overlays. */
    String ipv4Address() {
        return networks.isEmpty() ? null : networks.getFirst().address();
    }

    /** The networks to connect the created container to before it starts. */
    List<TaskNetwork> connectBeforeStart() {
        return networks.size() < 2 ? List.of() : networks.subList(1, networks.size());
    }

    /** Whether the container's ports can be published (not on the host's or no network). */
    boolean publishesPorts() {
        return networkMode == null || !networkMode.equals(TaskTemplate.HOST_NETWORK)
                && !networkMode.equals(TaskTemplate.NO_NETWORK);
    }

    void applyTo(HostConfig host) {
        if (networkMode != null) {
            host.withNetworkMode(networkMode);
        }
        if (!dns.isEmpty()) {
            host.withDns(dns);
        }
        if (!dnsSearch.isEmpty()) {
            host.withDnsSearch(dnsSearch);
        }
    }
}
