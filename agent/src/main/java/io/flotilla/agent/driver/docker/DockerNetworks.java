package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Network;
import io.flotilla.model.api.TaskNetwork;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;

/**
 * The Docker side of a node's overlay networks: one Docker bridge network per overlay, named
 * {@code flotilla-<network>}, on the node's own bridge for it ({@link TaskNetwork#bridge()}, made
 * by the data plane with its VXLAN device; Docker reuses a bridge of that name when it exists and
 * makes it otherwise), with the overlay's subnet and gateway, so that a container joins the overlay
 * through Docker's ordinary bridge driver at the address the managers chose. Docker 20.10 gives
 * such an endpoint the MAC {@code 02:42:<IPv4 bytes>}, which every other node derives from the
 * address alone for its static entries.
 *
 * <p>Why not a Docker network plugin: a plugin is one more daemon per node, speaking Docker's
 * plugin protocol, for what the bridge driver already does once the bridge exists; and process
 * tasks need the same bridge without Docker.
 */
public final class DockerNetworks {
    /** Docker network label naming the overlay it stands for. */
    public static final String NETWORK_LABEL = "io.flotilla.network";
    static final String PREFIX = "flotilla-";
    /** VXLAN's 50 bytes of headers under a 1500-byte underlay. */
    static final int DEFAULT_MTU = 1450;

    private final DockerClient client;
    private final int mtu;
    /** Overlays whose Docker network had no container at the last {@link #removeIdle}. */
    private Set<String> idleLastPass = Set.of();

    public DockerNetworks(DockerClient client, int mtu) {
        this.client = client;
        this.mtu = mtu;
    }

    public DockerNetworks(DockerClient client) {
        this(client, DEFAULT_MTU);
    }

    /** The Docker network standing for {@code network}. */
    public static String dockerName(String network) {
        return PREFIX + network;
    }

    /**
     * Makes the Docker network of {@code network} unless it exists with the same layout; one left
     * by an earlier network of the same name with another layout (removed and made again) is
     * replaced, once no container uses it.
     *
     * @throws IllegalStateException when a stale network of that name is still in use
     */
    public synchronized void ensure(TaskNetwork network) {
        String name = dockerName(network.network());
        Network existing = inspect(name);
        if (existing != null) {
            if (matches(existing, network)) {
                return;
            }
            try {
                client.removeNetworkCmd(existing.getId()).exec();
            } catch (ConflictException e) {
                throw new IllegalStateException("Docker network " + name + " has another layout than " + network
                        + " and is still in use", e);
            }
        }
        Network.Ipam ipam = new Network.Ipam().withConfig(new Network.Ipam.Config()
                .withSubnet(network.subnet()).withGateway(network.gateway()));
        try {
            client.createNetworkCmd().withName(name).withDriver("bridge").withIpam(ipam)
                    .withInternal(network.internal()).withCheckDuplicate(true)
                    .withLabels(Map.of(NETWORK_LABEL, network.network()))
                    .withOptions(Map.of("com.docker.network.bridge.name", network.bridge(),
                            "com.docker.network.driver.mtu", Integer.toString(mtu),
                            // Flotilla's data plane owns the isolation and the NAT of its bridges.
                            "com.docker.network.bridge.enable_ip_masquerade", "false"))
                    .exec();
        } catch (ConflictException e) {
            if (!matches(Objects.requireNonNull(inspect(name), "network " + name + " vanished"), network)) {
                throw e; // made by a concurrent call with another layout
            }
        }
    }

    /** What attaches a container to {@code network} at its address (create's or connect's endpoint settings). */
    public static ContainerNetwork endpoint(TaskNetwork network, List<String> aliases) {
        return new ContainerNetwork().withIpamConfig(new ContainerNetwork.Ipam().withIpv4Address(network.address()))
                .withAliases(aliases);
    }

    /** Connects a created container to one more of its networks. */
    public void connect(String containerId, TaskNetwork network) {
        client.connectToNetworkCmd().withNetworkId(dockerName(network.network())).withContainerId(containerId)
                .withContainerNetwork(endpoint(network, List.of())).exec();
    }

    /** Removes the Docker network of {@code network} if no container uses it; true if it is gone. */
    public synchronized boolean removeIfUnused(String network) {
        Network existing = inspect(dockerName(network));
        if (existing == null) {
            return true;
        }
        if (existing.getContainers() != null && !existing.getContainers().isEmpty()) {
            return false;
        }
        try {
            client.removeNetworkCmd(existing.getId()).exec();
            return true;
        } catch (ConflictException | NotFoundException e) {
            return inspect(dockerName(network)) == null;
        }
    }

    /**
     * The janitor's pass ({@code retainOnly}, every maintenance pass): removes the Docker network of
     * each overlay that no container of this daemon has been on for two passes in a row, and that no
     * container is being created on ({@code joining}). Two passes, because the daemon may be shared
     * by several agents (test clusters on one machine) and another agent's container may be between
     * its {@link #ensure} and its start; a pass is seconds, that window milliseconds. The node's data
     * plane removes the overlay's bridge itself once its last task on this node ended.
     *
     * @return the overlays whose Docker network was removed
     */
    public synchronized List<String> removeIdle(Set<String> joining) {
        Set<String> idle = new HashSet<>();
        for (Network listed : client.listNetworksCmd().withFilter("label", List.of(NETWORK_LABEL)).exec()) {
            String overlay = listed.getLabels() == null ? null : listed.getLabels().get(NETWORK_LABEL);
            Network existing = overlay == null || joining.contains(overlay) ? null : inspect(listed.getId());
            if (existing != null && (existing.getContainers() == null || existing.getContainers().isEmpty())) {
                idle.add(overlay);
            }
        }
        List<String> removed = new ArrayList<>();
        for (String overlay : idle) {
            if (idleLastPass.contains(overlay) && removeIfUnused(overlay)) {
                removed.add(overlay);
            }
        }
        idleLastPass = new HashSet<>(idle);
        removed.forEach(idleLastPass::remove);
        return removed;
    }

    private Network inspect(String name) {
        try {
            return client.inspectNetworkCmd().withNetworkId(name).exec();
        } catch (NotFoundException e) {
            return null;
        }
    }

    private boolean matches(Network existing, TaskNetwork network) {
        if (existing.getIpam() == null || existing.getIpam().getConfig() == null
                || existing.getIpam().getConfig().size() != 1) {
            return false;
        }
        Network.Ipam.Config config = existing.getIpam().getConfig().getFirst();
        Map<String, String> options = existing.getOptions() == null ? Map.of() : existing.getOptions();
        return network.subnet().equals(config.getSubnet()) && network.gateway().equals(config.getGateway())
                && network.bridge().equals(options.get("com.docker.network.bridge.name"))
                && Boolean.TRUE.equals(existing.getInternal()) == network.internal();
    }
}
