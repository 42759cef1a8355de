package io.flotilla.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.ContainerNetwork;
import com.github.dockerjava.api.model.Network;
import io.flotilla.model.api.TaskNetwork;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * Against the real daemon: the Docker network of an overlay sits on the overlay's bridge with its
 * layout, and a container joins it at the managers' address with the MAC every node derives from
 * that address. Nothing is sent: the test only reads what Docker made.
 */
class DockerNetworksTest {
    // Addresses of no interface or route on this machine (checked by ensure's bridge appearing locally).
    static final TaskNetwork FRONT = new TaskNetwork("dntest_front", 16_000_001, "10.254.77.0/24", "10.254.77.1", false,
            "10.254.77.10");
    static final TaskNetwork BACK = new TaskNetwork("dntest_back", 16_000_002, "10.254.78.0/24", "10.254.78.1", true,
            "10.254.78.20");

    DockerClient client;
    DockerNetworks networks;
    String container;

    @BeforeEach
    void connect() {
        client = DockerTestEnvironment.require().client();
        networks = new DockerNetworks(client);
        cleanUp();
    }

    @AfterEach
    void cleanUp() {
        if (container != null) {
            client.removeContainerCmd(container).withForce(true).exec();
            container = null;
        }
        networks.removeIfUnused(FRONT.network());
        networks.removeIfUnused(BACK.network());
    }

    @Test
    void aContainerJoinsItsOverlaysAtTheChosenAddressesWithDerivedMacs() {
        networks.ensure(FRONT);
        networks.ensure(FRONT); // idempotent
        networks.ensure(BACK);
        Network front = client.inspectNetworkCmd().withNetworkId(DockerNetworks.dockerName(FRONT.network())).exec();
        assertThat(front.getOptions()).containsEntry("com.docker.network.bridge.name", "fl-br-16000001")
                .containsEntry("com.docker.network.driver.mtu", "1450");
        assertThat(front.getIpam().getConfig().getFirst().getSubnet()).isEqualTo("10.254.77.0/24");
        assertThat(front.getLabels()).containsEntry(DockerNetworks.NETWORK_LABEL, "dntest_front");
        assertThat(client.inspectNetworkCmd().withNetworkId(DockerNetworks.dockerName(BACK.network())).exec().getInternal())
                .isTrue();

        container = client.createContainerCmd(DockerTestEnvironment.IMAGE).withCmd("sleep", "30")
                .withHostConfig(com.github.dockerjava.api.model.HostConfig.newHostConfig()
                        .withNetworkMode(DockerNetworks.dockerName(FRONT.network())))
                .withIpv4Address(FRONT.address()).exec().getId();
        networks.connect(container, BACK);
        client.startContainerCmd(container).exec();

        Map<String, ContainerNetwork> attached = client.inspectContainerCmd(container).exec().getNetworkSettings().getNetworks();
        assertThat(attached.get("flotilla-dntest_front").getIpAddress()).isEqualTo("10.254.77.10");
        assertThat(attached.get("flotilla-dntest_front").getMacAddress()).isEqualTo("02:42:0a:fe:4d:0a");
        assertThat(attached.get("flotilla-dntest_back").getIpAddress()).isEqualTo("10.254.78.20");
        assertThat(attached.get("flotilla-dntest_back").getMacAddress()).isEqualTo("02:42:0a:fe:4e:14");

        assertThat(networks.removeIfUnused(FRONT.network())).as("in use").isFalse();
    }

    @Test
    void aStaleNetworkWithAnotherLayoutIsReplaced() {
        networks.ensure(FRONT);
        TaskNetwork moved = new TaskNetwork(FRONT.network(), FRONT.vni(), "10.254.79.0/24", "10.254.79.1", false,
                "10.254.79.10");
        networks.ensure(moved);
        Network replaced = client.inspectNetworkCmd().withNetworkId(DockerNetworks.dockerName(FRONT.network())).exec();
        assertThat(replaced.getIpam().getConfig().getFirst().getSubnet()).isEqualTo("10.254.79.0/24");
        assertThat(networks.removeIfUnused(FRONT.network())).isTrue();
        assertThat(client.listNetworksCmd().withNameFilter(DockerNetworks.dockerName(FRONT.network())).exec()
                .stream().map(Network::getName).toList()).isEmpty();
    }

    @Test
    void namesFollowTheBridgeConvention() {
        assertThat(TaskNetwork.bridgeName(16_777_215)).hasSizeLessThanOrEqualTo(15);
        assertThat(FRONT.prefixLength()).isEqualTo(24);
        assertThat(DockerNetworks.endpoint(FRONT, List.of("web")).getAliases()).containsExactly("web");
    }
}
