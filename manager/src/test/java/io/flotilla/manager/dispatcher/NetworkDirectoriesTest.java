package io.flotilla.manager.dispatcher;

import static io.flotilla.manager.dispatcher.NetworkFixture.BACK;
import static io.flotilla.manager.dispatcher.NetworkFixture.BLOG;
import static io.flotilla.manager.dispatcher.NetworkFixture.FRONT;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Network;
import io.flotilla.model.TaskAddress;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.PeerEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import io.flotilla.state.ClusterState;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * A node's network directory made from the state: only the networks it has tasks on, each with its
 * layout, the node's own address, its services (aliases, a VIP in vip mode, ports or not), every
 * task address with its readiness as the registry decides it, and the other nodes on it.
 */
class NetworkDirectoriesTest {
    /** web1 (front) and worker1 (back) on n1; api1 (both) and db1 (back) on n2; cache1 (back) and blog1 on n3. */
    private static NetworkFixture cluster() {
        return new NetworkFixture()
                .task("web1", "shop_web", 1, "n1").task("worker1", "shop_worker", 1, "n1")
                .task("api1", "shop_api", 1, "n2").task("db1", "shop_db", 1, "n2")
                .task("cache1", "shop_cache", 1, "n3").task("blog1", "blog_web", 1, "n3")
                .running("web1", "worker1", "api1", "blog1")
                .status("db1", TaskState.STARTING, null)
                .status("cache1", TaskState.RUNNING, "starting");
    }

    private static String address(ClusterState state, String taskId, String network) {
        return state.networks().addressesOf(state.task(taskId).orElseThrow()).stream()
                .filter(a -> a.network().equals(network)).map(TaskAddress::address).findFirst().orElseThrow();
    }

    private static NetworkEntry entry(NetworkDirectory directory, String name) {
        return directory.networks().stream().filter(n -> n.name().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void aNodeSeesOnlyItsNetworksWithTheirLayoutAndItsOwnAddress() {
        ClusterState state = cluster().state();
        NetworkDirectory n1 = NetworkDirectories.of(state, "n1");
        assertThat(n1.networks()).extracting(NetworkEntry::name).containsExactly(BACK, FRONT); // not the blog's
        Network front = state.networks().get(FRONT).orElseThrow();
        NetworkEntry entry = entry(n1, FRONT);
        assertThat(entry.stack()).isEqualTo("shop");
        assertThat(entry.vni()).isEqualTo(front.vni());
        assertThat(entry.subnet()).isEqualTo(front.subnet());
        assertThat(entry.gateway()).isEqualTo(front.gateway());
        assertThat(entry.internal()).isFalse();
        assertThat(entry.nodeAddress()).isEqualTo(state.networks().nodeAddresses("n1").get(FRONT)).isNotNull();

        assertThat(NetworkDirectories.of(state, "n3").networks()).extracting(NetworkEntry::name).containsExactly(BLOG, BACK);
        assertThat(entry(NetworkDirectories.of(state, "n3"), BLOG).services()).extracting(ServiceEntry::name)
                .containsExactly("blog_web");
        assertThat(NetworkDirectories.of(state, "n9")).isEqualTo(NetworkDirectory.EMPTY);
    }

    @Test
    void servicesCarryNamesAliasesTheirVipInVipModeWithOrWithoutPortsAndTheirTargetPorts() {
        ClusterState state = cluster().state();
        Map<String, String> apiVips = state.networks().virtualAddressesOf("shop_api");
        NetworkEntry back = entry(NetworkDirectories.of(state, "n1"), BACK);
        assertThat(back.services()).containsExactly(
                new ServiceEntry("shop_api", "api", "shop", List.of("backend"), apiVips.get(BACK), false, List.of(8080)),
                new ServiceEntry("shop_cache", "cache", "shop", List.of(),
                        state.networks().virtualAddressesOf("shop_cache").get(BACK), false, List.of(6379)),
                new ServiceEntry("shop_db", "db", "shop", List.of(), null, true, List.of(5432)), // dnsrr
                new ServiceEntry("shop_worker", "worker", "shop", List.of(),
                        state.networks().virtualAddressesOf("shop_worker").get(BACK), false, List.of())); // no ports: a VIP all the same
        assertThat(state.networks().virtualAddressesOf("shop_worker").get(BACK)).isNotNull();
        NetworkEntry front = entry(NetworkDirectories.of(state, "n1"), FRONT);
        assertThat(front.services()).extracting(ServiceEntry::name).containsExactly("shop_api", "shop_web");
        ServiceEntry apiOnFront = front.services().getFirst();
        assertThat(apiOnFront.aliases()).as("aliases are per network").isEmpty();
        assertThat(apiOnFront.vip()).isEqualTo(apiVips.get(FRONT)).isNotEqualTo(apiVips.get(BACK)).isNotNull();
    }

    @Test
    void everyTaskAddressOfTheNetworkIsAnEndpointReadyOnlyWhenTheRegistryWouldCountIt() {
        ClusterState state = cluster().state();
        NetworkEntry back = entry(NetworkDirectories.of(state, "n1"), BACK);
        assertThat(back.endpoints()).containsExactlyInAnyOrder(
                new EndpointEntry(address(state, "worker1", BACK), "worker1", "shop_worker", 1, "n1", "127.0.0.11", true),
                new EndpointEntry(address(state, "api1", BACK), "api1", "shop_api", 1, "n2", "127.0.0.12", true),
                new EndpointEntry(address(state, "db1", BACK), "db1", "shop_db", 1, "n2", "127.0.0.12", false), // starting
                new EndpointEntry(address(state, "cache1", BACK), "cache1", "shop_cache", 1, "n3", "127.0.0.13",
                        false)); // running, its health check not passed yet
        // a task on two networks is an endpoint on each, with its address there
        NetworkEntry front = entry(NetworkDirectories.of(state, "n1"), FRONT);
        assertThat(front.endpoints()).extracting(EndpointEntry::taskId).containsExactlyInAnyOrder("web1", "api1");
        assertThat(front.endpoints()).filteredOn(e -> e.taskId().equals("api1")).extracting(EndpointEntry::address)
                .containsExactly(address(state, "api1", FRONT)).doesNotContain(address(state, "api1", BACK));

        ClusterState healthy = cluster().status("cache1", TaskState.RUNNING, "healthy").state();
        assertThat(entry(NetworkDirectories.of(healthy, "n1"), BACK).endpoints())
                .filteredOn(e -> e.taskId().equals("cache1")).extracting(EndpointEntry::ready).containsExactly(true);
    }

    @Test
    void peersAreTheOtherNodesOfTheNetworkWithTheirOwnAddressThere() {
        ClusterState state = cluster().state();
        Map<String, String> n2 = state.networks().nodeAddresses("n2");
        Map<String, String> n3 = state.networks().nodeAddresses("n3");
        assertThat(entry(NetworkDirectories.of(state, "n1"), BACK).peers()).containsExactlyInAnyOrder(
                new PeerEntry("n2", "127.0.0.12", n2.get(BACK)), new PeerEntry("n3", "127.0.0.13", n3.get(BACK)));
        assertThat(entry(NetworkDirectories.of(state, "n1"), FRONT).peers()).containsExactly(
                new PeerEntry("n2", "127.0.0.12", n2.get(FRONT)));
        assertThat(entry(NetworkDirectories.of(state, "n3"), BLOG).peers()).isEmpty();
    }
}
