package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Json;
import io.flotilla.model.Network;
import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * Networks in the state: made with their stack (VXLAN id, subnet, gateway from the pool), each
 * task's address given at creation and freed when it ends, serial so a freed address is not given
 * again at once, a service's virtual address and a node's own, an exhausted subnet that keeps the
 * task waiting, refusals that change nothing, and snapshots that keep it all.
 */
class NetworkStateTest {
    static final String NET = "shop_default";
    private long index;

    static NetworkSpec net(String name, String stack, String subnet) {
        return new NetworkSpec(name, stack, false, false, Map.of(), subnet, null);
    }

    static ServiceSpec service(String shortName, int replicas, String endpointMode, String... networks) {
        List<NetworkAttachment> attachments = new ArrayList<>();
        for (String network : networks) {
            attachments.add(new NetworkAttachment(network));
        }
        ServiceSpec plain = VolumeStateTest.service(shortName, replicas, Map.of());
        ServiceSpec spec = plain.withTask(plain.task().withNetworks(attachments, null));
        return new ServiceSpec(spec.name(), spec.stack(), spec.mode(), replicas, spec.task(), List.of(), List.of(),
                Map.of(), null, null, endpointMode);
    }

    static Command.DeployStack deploy(List<NetworkSpec> networks, ServiceSpec... services) {
        Map<String, String> ids = new java.util.HashMap<>();
        for (ServiceSpec spec : services) {
            ids.put(spec.name(), "s-" + spec.shortName());
        }
        Map<String, String> networkIds = new java.util.HashMap<>();
        networks.forEach(n -> networkIds.put(n.name(), "id-" + n.name()));
        return new Command.DeployStack("shop", List.of(services), ids, T0, networks, List.of(), networkIds);
    }

    private ClusterState apply(ClusterState state, Command command) {
        return StateMachine.apply(state, ++index, command);
    }

    private ClusterState create(ClusterState s, ServiceSpec spec, String taskId, int slot) {
        return apply(s, new Command.CreateTasks(List.of(VolumeStateTest.task(taskId, spec, "s-" + spec.shortName(), slot))));
    }

    private ClusterState end(ClusterState s, String taskId) {
        Task task = s.task(taskId).orElseThrow();
        return apply(s, new Command.UpdateTaskStatuses(task.nodeId(), List.of(new Command.TaskStatusUpdate(taskId,
                TaskStatus.of(TaskState.FAILED, T0.plusSeconds(index), "exit 1")))));
    }

    private static String address(ClusterState s, String taskId) {
        List<TaskAddress> addresses = s.networks().addressesOf(s.task(taskId).orElseThrow());
        return addresses.isEmpty() ? null : addresses.getFirst().address();
    }

    @Test
    void aStackNetworkGetsIdSubnetAndGatewayAndEachTaskAnAddressAtCreation() {
        ServiceSpec web = service("web", 2, ServiceSpec.VIP, NET);
        ClusterState s = apply(ClusterState.EMPTY, deploy(List.of(net(NET, "shop", null)), web));
        Network network = s.networks().get(NET).orElseThrow();
        assertThat(network.vni()).isEqualTo(NetworkTable.FIRST_VNI);
        assertThat(network.subnet()).isEqualTo("10.0.0.0/24");
        assertThat(network.gateway()).isEqualTo("10.0.0.1");
        assertThat(network.id()).isEqualTo("id-" + NET);
        assertThat(s.networks().virtualAddressesOf("s-web")).containsExactly(Map.entry(NET, "10.0.0.2"));

        s = create(s, web, "w1", 1);
        s = create(s, web, "w2", 2);
        assertThat(address(s, "w1")).isEqualTo("10.0.0.3");
        assertThat(address(s, "w2")).isEqualTo("10.0.0.4");
        assertThat(s.networks().missingAddress(s.task("w1").orElseThrow())).isNull();

        s = apply(s, new Command.UpsertNode(StateMachineTest.node("n1")));
        s = apply(s, new Command.AssignTasks(List.of(new Command.Assignment("w1", "n1")), T0));
        assertThat(address(s, "w1")).as("stable at assignment").isEqualTo("10.0.0.3");
        assertThat(s.networks().nodeAddresses("n1")).containsExactly(Map.entry(NET, "10.0.0.5"));
        assertThat(s.networks().networksOnNode("n1")).containsExactly(NET);
        assertThat(s.networks().endpoints(NET)).containsExactly(new NetworkTable.Endpoint("10.0.0.3", "n1", "w1"),
                new NetworkTable.Endpoint("10.0.0.5", "n1", null));

        s = end(s, "w1");
        assertThat(s.networks().addressesOf(s.task("w1").orElseThrow())).as("freed when it ends").isEmpty();
        assertThat(s.networks().nodeAddresses("n1")).as("the node's last task there ended").isEmpty();
        assertThat(s.networks().networksOnNode("n1")).isEmpty();
        s = create(s, web, "w3", 1);
        assertThat(address(s, "w3")).as("serial: the freed .3 is not given at once").isEqualTo("10.0.0.6");
    }

    @Test
    void anExhaustedSubnetKeepsTheTaskWaitingWithAReasonUntilAnAddressIsFreed() {
        // a /29: .1 gateway, .2-.6 hosts, .7 broadcast; the VIP takes .2
        ServiceSpec web = service("web", 5, ServiceSpec.VIP, NET);
        ClusterState s = apply(ClusterState.EMPTY, deploy(List.of(net(NET, "shop", "10.9.0.0/29")), web));
        for (int slot = 1; slot <= 5; slot++) {
            s = create(s, web, "w" + slot, slot);
        }
        assertThat(address(s, "w4")).isEqualTo("10.9.0.6");
        assertThat(address(s, "w5")).isNull();
        assertThat(s.networks().missingAddress(s.task("w5").orElseThrow()))
                .isEqualTo("no free address on network shop_default (subnet 10.9.0.0/29): waiting for a task on it to end");

        s = end(s, "w2");
        assertThat(address(s, "w5")).as("the waiting task gets the freed address").isEqualTo("10.9.0.4");
        assertThat(s.networks().missingAddress(s.task("w5").orElseThrow())).isNull();
    }

    @Test
    void overlappingSubnetsUnknownNetworksAndAForeignNetworkChangeNothing() {
        ServiceSpec web = service("web", 1, ServiceSpec.VIP, NET);
        ClusterState s = apply(ClusterState.EMPTY, deploy(List.of(net(NET, "shop", "10.9.0.0/24")), web));
        ClusterState before = s;

        Command.DeployStack other = new Command.DeployStack("blog", List.of(), Map.of(), T0,
                List.of(net("blog_default", "blog", "10.9.0.128/25")), List.of(), Map.of("blog_default", "b"));
        s = apply(s, other);
        assertThat(s.networks().all()).isEqualTo(before.networks().all());

        ServiceSpec foreign = new ServiceSpec("blog_app", "blog", null, 1, web.task(), List.of(), List.of(), Map.of(),
                null, null);
        s = apply(s, new Command.DeployStack("blog", List.of(foreign), Map.of("blog_app", "s-b"), T0,
                List.of(), List.of(), Map.of()));
        assertThat(s.services()).as("shop's network is not blog's").hasSize(1);

        s = apply(s, new Command.DeployStack("blog", List.of(), Map.of(), T0, List.of(), List.of("missing"), Map.of()));
        s = apply(s, new Command.CreateNetwork("x", net("other", null, "10.9.0.0/16"), T0));
        assertThat(s.networks().all()).hasSize(1);
        s = apply(s, new Command.RemoveNetwork(NET, T0));
        assertThat(s.networks().get(NET)).as("a stack's network goes with its stack").isPresent();
    }

    @Test
    void networksMadeOnTheirOwnTakeThePoolsNextBlockAndGoWhenUnused() {
        ClusterState s = apply(ClusterState.EMPTY, new Command.CreateNetwork("a", net("a", null, "10.0.0.0/23"), T0));
        s = apply(s, new Command.CreateNetwork("b", net("b", null, null), T0));
        assertThat(s.networks().get("b").orElseThrow().subnet()).isEqualTo("10.0.2.0/24");
        assertThat(s.networks().get("b").orElseThrow().vni()).isEqualTo(4097);
        s = apply(s, new Command.RemoveNetwork("a", T0));
        s = apply(s, new Command.CreateNetwork("c", net("c", null, null), T0));
        assertThat(s.networks().get("c").orElseThrow().subnet()).isEqualTo("10.0.0.0/24");
        assertThat(s.networks().get("c").orElseThrow().vni()).as("lowest free").isEqualTo(4096);
    }

    @Test
    void aRemovedStacksNetworkStaysUntilItsLastTaskEnds() {
        ServiceSpec web = service("web", 1, ServiceSpec.VIP, NET);
        ClusterState s = apply(ClusterState.EMPTY, deploy(List.of(net(NET, "shop", null)), web));
        s = create(s, web, "w1", 1);
        s = apply(s, new Command.UpsertNode(StateMachineTest.node("n1")));
        s = apply(s, new Command.AssignTasks(List.of(new Command.Assignment("w1", "n1")), T0));
        StateMachine.Applied removed = StateMachine.applyWithChanges(s, ++index, new Command.RemoveStack("shop", T0));
        s = removed.state();
        assertThat(removed.changes().networks()).containsExactly(NET);
        assertThat(s.networks().get(NET)).as("hidden while removed").isEmpty();
        assertThat(s.networks().holdsName(NET)).isTrue();
        assertThat(address(s, "w1")).as("the stopping task keeps its address").isEqualTo("10.0.0.3");
        s = end(s, "w1");
        assertThat(s.networks().holdsName(NET)).isFalse();
    }

    @Test
    void aSnapshotKeepsTheAllocationsAndOldSnapshotsAndEntriesStillRead() {
        ServiceSpec web = service("web", 2, ServiceSpec.DNSRR, NET);
        ClusterState s = apply(ClusterState.EMPTY, deploy(List.of(net(NET, "shop", null)), web));
        s = create(s, web, "w1", 1);
        s = apply(s, new Command.UpsertNode(StateMachineTest.node("n1")));
        s = apply(s, new Command.AssignTasks(List.of(new Command.Assignment("w1", "n1")), T0));
        s = end(create(s, web, "w2", 2), "w2");
        assertThat(s.networks().virtualAddressesOf("s-web")).as("dnsrr: no VIP").isEmpty();

        ClusterState loaded = Json.read(Json.write(StateSnapshot.of(s)), StateSnapshot.class).toState();
        assertThat(loaded.networks().entry(NET)).isEqualTo(s.networks().entry(NET));
        ClusterState next = create(loaded, web, "w3", 2);
        assertThat(address(next, "w3")).as("the cursor survives").isEqualTo("10.0.0.5");

        String old = "{\"index\":3,\"services\":[],\"tasks\":[],\"nodes\":[]}";
        assertThat(Json.read(old, StateSnapshot.class).toState().networks().all()).isEmpty();
        Command entry = Json.read("{\"type\":\"DeployStack\",\"stack\":\"shop\",\"services\":[],\"newServiceIds\":{},"
                + "\"at\":\"2024-01-01T00:00:00Z\"}", Command.class);
        assertThat(((Command.DeployStack) entry).networks()).isEmpty();
        assertThat(Json.read(Json.write(deploy(List.of(net(NET, "shop", null)), web)), Command.class))
                .isEqualTo(deploy(List.of(net(NET, "shop", null)), web));
    }
}
