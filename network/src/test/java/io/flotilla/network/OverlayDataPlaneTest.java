package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The data plane's pass over a recorded kernel: reads, then the changes in order, then forwarding once. */
class OverlayDataPlaneTest {
    static final List<String> READS = List.of("ip -d -j addr show", "bridge -j fdb show", "ip -j neigh show",
            "iptables -w -S", "iptables -w -t nat -S");
    static final NetworkPlan A = new NetworkPlan("a", 4096, "10.0.1.0/24", "10.0.1.1", false, List.of(),
            List.of(new RemoteEndpoint("10.0.1.2", "198.18.77.2")));
    static final NetworkPlan INTERNAL = new NetworkPlan("c", 4098, "10.0.3.0/24", "10.0.3.1", true, List.of(), List.of());

    @Test
    void a_pass_reads_the_kernel_then_runs_the_changes_in_order_and_turns_forwarding_on_once() {
        RecordingCommands kernel = new RecordingCommands().answer("sysctl -n net.ipv4.ip_forward", "0\n");
        OverlayDataPlane plane = new OverlayDataPlane(kernel);
        OverlayPlan plan = new OverlayPlan("198.18.77.1", 1500, List.of(A));
        plane.reconcile(plan);
        List<String> expected = new ArrayList<>();
        LinkChanges.between(KernelStates.empty(false), plan).forEach(change -> expected.add(String.join(" ", change)));
        FirewallRules.between(KernelStates.empty(false), plan).forEach(change -> expected.add(String.join(" ", change)));
        expected.add("sysctl -n net.ipv4.ip_forward");
        expected.add("sysctl -q -w net.ipv4.ip_forward=1");
        assertThat(kernel.lines().subList(0, 5)).containsExactlyInAnyOrderElementsOf(READS);
        assertThat(kernel.lines().subList(5, kernel.lines().size())).isEqualTo(expected);

        kernel.clear();
        plane.reconcile(plan);
        assertThat(kernel.lines()).doesNotContain("sysctl -n net.ipv4.ip_forward");
    }

    @Test
    void forwarding_already_on_or_only_internal_networks_leave_it_alone() {
        RecordingCommands on = new RecordingCommands().answer("sysctl -n net.ipv4.ip_forward", "1\n");
        new OverlayDataPlane(on).reconcile(new OverlayPlan("198.18.77.1", 1500, List.of(A)));
        assertThat(on.lines()).contains("sysctl -n net.ipv4.ip_forward").noneMatch(line -> line.contains("-w net.ipv4"));

        RecordingCommands internal = new RecordingCommands().answer("sysctl -n net.ipv4.ip_forward", "0\n");
        new OverlayDataPlane(internal).reconcile(new OverlayPlan("198.18.77.1", 1500, List.of(INTERNAL)));
        assertThat(internal.lines()).noneMatch(line -> line.startsWith("sysctl"));
    }

    @Test
    void teardown_removes_flotillas_devices_and_nothing_else() {
        RecordingCommands kernel = new RecordingCommands().answer("ip -d -j addr show", KernelStateReaderTest.ADDR);
        new OverlayDataPlane(kernel).teardown();
        assertThat(kernel.lines()).containsSubsequence("ip link del dev fl-vx-7", "ip link del dev fl-br-7")
                .noneMatch(line -> line.contains("fl-underlay") || line.contains(" lo") || line.contains("fl-3f2a9c0d11e4"));
        assertThat(kernel.lines().stream().filter(line -> !READS.contains(line))).hasSize(2);
    }

    @Test
    void a_failing_command_stops_the_pass_with_its_error() {
        Commands failing = new Commands() {
            final RecordingCommands recorded = new RecordingCommands();

            @Override
            public String run(List<String> argv) {
                if (argv.contains("vxlan")) {
                    throw new CommandFailedException(argv, 2, "RTNETLINK answers: File exists");
                }
                return recorded.run(argv);
            }
        };
        assertThatThrownBy(() -> new OverlayDataPlane(failing).reconcile(new OverlayPlan("198.18.77.1", 1500, List.of(A))))
                .isInstanceOf(CommandFailedException.class).hasMessageContaining("File exists").hasMessageContaining("fl-vx-4096");
    }
}
