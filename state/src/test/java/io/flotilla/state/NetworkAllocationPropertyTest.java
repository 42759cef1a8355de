package io.flotilla.state;

import static io.flotilla.state.StateMachineTest.T0;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;

/**
 * For random sequences of creates, updates, scales, failures and removals of tasks, services and
 * networks (small subnets, so they fill up): no address has two holders, a live task's address
 * never changes, no holder waits while an address is free and every free address can be given
 * again, VXLAN ids and subnets never collide, no ended task holds an address, and replaying the
 * same commands gives the same state.
 */
class NetworkAllocationPropertyTest {
    private static final List<String> SERVICES = List.of("s1", "s2", "s3");
    private static final List<String> NODES = List.of("n1", "n2");
    private static final List<NetworkSpec> NETWORKS = List.of(
            new NetworkSpec("a", null, false, true, Map.of(), "10.1.0.0/29", null),
            new NetworkSpec("b", null, false, true, Map.of(), null, null),
            new NetworkSpec("c", null, false, true, Map.of(), "10.1.0.0/28", null), // overlaps a: refused while a exists
            new NetworkSpec("d", null, false, true, Map.of(), "10.2.0.0/30", "10.2.0.2"));
    private static final List<List<String>> ATTACHMENTS = List.of(List.of("a"), List.of("b"), List.of("a", "d"),
            List.of(), List.of("c", "b"), List.of("d"));

    /** One random step: a kind and three numbers, made into a command against the current state. */
    record Step(int kind, int x, int y, int z) {}

    @Property(tries = 300, edgeCases = net.jqwik.api.EdgeCasesMode.NONE)
    void addressesNeverCollideStayStableAndComeBack(@ForAll("steps") List<Step> steps) {
        ClusterState state = ClusterState.EMPTY;
        List<Command> log = new ArrayList<>();
        Map<String, String> held = new HashMap<>(); // task id + network → address, while the task lives
        long index = 0;
        int ids = 0;
        for (NodeCommand n : NodeCommand.values()) {
            Command command = new Command.UpsertNode(StateMachineTest.node(NODES.get(n.ordinal())));
            log.add(command);
            state = StateMachine.apply(state, ++index, command);
        }
        for (Step step : steps) {
            Command command = command(state, step, "x" + ids++);
            if (command == null) {
                continue;
            }
            log.add(command);
            state = StateMachine.apply(state, ++index, command);
            checkInvariants(state, held);
        }
        everyFreeAddressCanBeGiven(state);

        ClusterState replayed = ClusterState.EMPTY;
        long replayIndex = 0;
        for (Command command : log) {
            replayed = StateMachine.apply(replayed, ++replayIndex, command);
        }
        assertThat(replayed.networks().saved()).isEqualTo(state.networks().saved());
        assertThat(StateSnapshot.of(state).toState().networks().saved()).isEqualTo(state.networks().saved());
    }

    private enum NodeCommand { N1, N2 }

    private static Command command(ClusterState state, Step step, String newId) {
        String serviceId = SERVICES.get(step.x() % SERVICES.size());
        Service service = state.service(serviceId).orElse(null);
        List<Task> tasks = new ArrayList<>(state.tasks());
        tasks.sort(java.util.Comparator.comparing(Task::id));
        Task task = tasks.isEmpty() ? null : tasks.get(step.y() % tasks.size());
        return switch (step.kind()) {
            case 0 -> new Command.CreateNetwork("id-" + newId, NETWORKS.get(step.y() % NETWORKS.size()), T0);
            case 1 -> new Command.RemoveNetwork(NETWORKS.get(step.y() % NETWORKS.size()).name(), T0);
            case 2 -> service == null ? new Command.CreateService(serviceId, spec(serviceId, step), T0)
                    : new Command.UpdateService(serviceId, spec(serviceId, step), T0);
            case 3 -> new Command.RemoveService(serviceId, T0);
            case 4, 5, 6 -> service == null ? null : new Command.CreateTasks(List.of(new Task(newId, serviceId,
                    service.spec().name(), 1 + step.z() % 4, service.version(), null, TaskState.RUNNING,
                    TaskStatus.of(TaskState.NEW, T0, "new"), service.spec().task(), T0, null, 0, io.flotilla.model.TaskAllocation.NONE)));
            case 7 -> task == null ? null : new Command.AssignTasks(List.of(new Command.Assignment(task.id(),
                    NODES.get(step.z() % NODES.size()))), T0);
            case 8 -> task == null ? null : new Command.UpdateTaskStatuses(null, List.of(new Command.TaskStatusUpdate(
                    task.id(), TaskStatus.of(step.z() % 2 == 0 ? TaskState.FAILED : TaskState.RUNNING, T0, "x"))));
            case 9 -> task == null ? null : new Command.DeleteTasks(List.of(task.id()));
            case 10 -> service == null ? null : new Command.ScaleService(serviceId, step.z() % 5, T0);
            default -> task == null ? null : new Command.SetDesiredStates(List.of(
                    new Command.DesiredStateChange(task.id(), TaskState.SHUTDOWN)), T0);
        };
    }

    private static ServiceSpec spec(String serviceId, Step step) {
        List<NetworkAttachment> networks = ATTACHMENTS.get(step.z() % ATTACHMENTS.size()).stream()
                .map(NetworkAttachment::new).toList();
        ServiceSpec plain = ServiceSpec.process("svc_" + serviceId, 1, List.of("sleep", "60"));
        return new ServiceSpec(plain.name(), null, null, 1, plain.task().withNetworks(networks, null), List.of(),
                List.of(), Map.of(), null, null, step.y() % 3 == 0 ? ServiceSpec.DNSRR : ServiceSpec.VIP);
    }

    private static void checkInvariants(ClusterState state, Map<String, String> held) {
        NetworkTable table = state.networks();
        Set<Integer> vnis = new HashSet<>();
        List<Ipv4.Cidr> subnets = new ArrayList<>();
        for (String name : table.names()) {
            NetworkAddresses entry = table.entry(name);
            assertThat(vnis.add(entry.network().vni())).as("VNI %s of %s", entry.network().vni(), name).isTrue();
            Ipv4.Cidr subnet = entry.subnet();
            assertThat(subnets).as("subnet of %s", name).noneMatch(subnet::overlaps);
            subnets.add(subnet);
            assertThat(entry.holders()).as("one holder per address on %s", name).hasSameSizeAs(entry.addresses());
            entry.addresses().forEach((holder, address) -> {
                assertThat(entry.holders().get(address)).isEqualTo(holder);
                assertThat(subnet.isHost(address) && address != Ipv4.parse(entry.network().gateway()))
                        .as("%s is a host address, not the gateway", Ipv4.format(address)).isTrue();
                if (holder.startsWith(NetworkAddresses.TASK)) {
                    Task task = state.task(holder.substring(2)).orElse(null);
                    assertThat(task).as("%s holds an address and exists", holder).isNotNull();
                    assertThat(task.state().isTerminal()).as("%s has ended but holds an address", holder).isFalse();
                    assertThat(entry.taskNodes().get(task.id())).isEqualTo(task.nodeId());
                }
            });
            if (!entry.waiting().isEmpty()) {
                assertThat(entry.addresses().size()).as("%s waits while an address is free", entry.waiting())
                        .isEqualTo(subnet.size() - 3);
            }
        }
        Map<String, String> now = new HashMap<>();
        for (Task task : state.tasks()) {
            if (task.state().isTerminal()) {
                continue;
            }
            for (var address : table.addressesOf(task)) {
                now.put(task.id() + "@" + address.network(), address.address());
            }
        }
        held.forEach((key, address) -> {
            String taskId = key.substring(0, key.indexOf('@'));
            boolean live = state.task(taskId).map(t -> !t.state().isTerminal()).orElse(false);
            if (live) {
                assertThat(now.get(key)).as("live task %s keeps its address", key).isEqualTo(address);
            }
        });
        held.clear();
        held.putAll(now);
    }

    /** Every free host address of each network is given, one by one, to new holders. */
    private static void everyFreeAddressCanBeGiven(ClusterState state) {
        for (String name : state.networks().names()) {
            NetworkAddresses entry = state.networks().entry(name);
            Ipv4.Cidr subnet = entry.subnet();
            Set<Long> free = new HashSet<>();
            for (long a = subnet.base(); a <= subnet.last(); a++) {
                if (subnet.isHost(a) && a != Ipv4.parse(entry.network().gateway()) && !entry.holders().containsKey(a)) {
                    free.add(a);
                }
            }
            Set<Long> given = new HashSet<>();
            for (int i = 0; i < free.size(); i++) {
                entry = entry.allocate(NetworkAddresses.TASK + "probe" + i);
                given.add(entry.addresses().get(NetworkAddresses.TASK + "probe" + i));
            }
            assertThat(given).as("free addresses of %s given again", name).isEqualTo(free);
        }
    }

    @Provide
    Arbitrary<List<Step>> steps() {
        Arbitrary<Step> step = Combinators.combine(Arbitraries.integers().between(0, 11),
                Arbitraries.integers().between(0, 50), Arbitraries.integers().between(0, 50),
                Arbitraries.integers().between(0, 50)).as(Step::new);
        return step.list().ofMinSize(5).ofMaxSize(80);
    }
}
