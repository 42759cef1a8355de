package io.flotilla.network;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The data plane on a real kernel: three hosts of the namespace test bed
 * ({@code scripts/netns-test-env.sh up 3}), a data plane per host driven through {@code nsenter},
 * and process tasks in namespaces of their own. Needs root; fails, never skips, without it.
 *
 * <p>Network A (non-internal) has a task on every host; B has one task on host 2; C (internal)
 * one on host 1. Every address is in 198.18.0.0/15, inside the test bed.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class OverlayKernelTest {
    private static final Logger LOG = LoggerFactory.getLogger(OverlayKernelTest.class);
    static final String GATEWAY_A = "198.19.1.1";
    static final String VIP_A = "198.19.1.250";
    static final String TASK_A1 = "198.19.1.11";
    static final String TASK_A2 = "198.19.1.12";
    static final String TASK_A3 = "198.19.1.13";
    static final String GATEWAY_B = "198.19.2.1";
    static final String TASK_B2 = "198.19.2.22";
    static final String GATEWAY_C = "198.19.3.1";
    static final String TASK_C1 = "198.19.3.31";
    static final String UNDERLAY_HOST = "198.18.77.254";

    static final CountingCommands[] COMMANDS = new CountingCommands[4];
    static final OverlayDataPlane[] PLANES = new OverlayDataPlane[4];

    static String node(int host) {
        return "198.18.77." + host;
    }

    /** Host {@code host}'s own address on network A (its bridge holds it, with its MAC). */
    static String nodeA(int host) {
        return "198.19.1.10" + host;
    }

    /**
     * Network A as host {@code host} sees it: the other hosts' tasks are its remote endpoints, and
     * so are the other hosts' own addresses on A.
     */
    static NetworkPlan networkA(int host, int... without) {
        List<RemoteEndpoint> remotes = new ArrayList<>();
        String[] tasks = {null, TASK_A1, TASK_A2, TASK_A3};
        for (int other = 1; other <= 3; other++) {
            int skip = other;
            if (other != host && java.util.Arrays.stream(without).noneMatch(w -> w == skip)) {
                remotes.add(new RemoteEndpoint(tasks[other], node(other)));
            }
        }
        for (int other = 1; other <= 3; other++) {
            if (other != host) {
                remotes.add(new RemoteEndpoint(nodeA(other), node(other)));
            }
        }
        return new NetworkPlan("a", 4096, "198.19.1.0/24", GATEWAY_A, false, nodeA(host), List.of(VIP_A), remotes);
    }

    static final NetworkPlan NETWORK_B = new NetworkPlan("b", 4097, "198.19.2.0/24", GATEWAY_B, false, List.of(), List.of());
    static final NetworkPlan NETWORK_C = new NetworkPlan("c", 4098, "198.19.3.0/24", GATEWAY_C, true, List.of(), List.of());

    static OverlayPlan plan(int host, NetworkPlan... networks) {
        return new OverlayPlan(node(host), 1500, List.of(networks));
    }

    static OverlayPlan fullPlan(int host) {
        return switch (host) {
            case 1 -> plan(1, networkA(1), NETWORK_C);
            case 2 -> plan(2, networkA(2), NETWORK_B);
            default -> plan(3, networkA(3));
        };
    }

    @BeforeAll
    static void startTheTestBed() {
        LOG.info("test bed:\n{}", NetnsTestBed.up(3));
        assertThat(NetnsTestBed.run(5, "tcpdump", "--version").ok())
                .as("tcpdump is needed to see the underlay's packets (apt-get install tcpdump)").isTrue();
        for (int host = 1; host <= 3; host++) {
            COMMANDS[host] = new CountingCommands(Commands.inNamespace("flh" + host));
            PLANES[host] = new OverlayDataPlane(COMMANDS[host]);
            PLANES[host].reconcile(fullPlan(host));
        }
        PLANES[1].attach("flt-1a", networkA(1), TASK_A1);
        PLANES[2].attach("flt-2a", networkA(2), TASK_A2);
        PLANES[3].attach("flt-3a", networkA(3), TASK_A3);
        PLANES[2].attach("flt-2b", NETWORK_B, TASK_B2);
        PLANES[1].attach("flt-1c", NETWORK_C, TASK_C1);
    }

    @AfterAll
    static void stopTheTestBed() {
        try {
            for (int host = 1; host <= 3; host++) {
                if (PLANES[host] != null) {
                    for (String task : List.of("flt-" + host + "a", "flt-" + host + "b", "flt-" + host + "c")) {
                        PLANES[host].remove(task);
                    }
                    PLANES[host].teardown();
                }
            }
        } finally {
            NetnsTestBed.down();
        }
    }

    @Test
    @Order(1)
    void tasks_of_a_network_on_two_hosts_reach_each_other_through_vxlan_on_the_underlay() {
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsTestBed.ping("flt-1a", TASK_A2));
        long sentBefore = vxlanTxPackets(1, 4096);
        String captured = captureOnUnderlay("udp port 4789", () -> assertThat(NetnsTestBed.ping("flt-1a", TASK_A2)).isTrue());
        assertThat(captured).contains(node(1) + ".").contains("> " + node(2) + ".4789").contains("VXLAN").contains("vni 4096");
        assertThat(vxlanTxPackets(1, 4096)).isGreaterThan(sentBefore);
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsTestBed.ping("flt-3a", TASK_A1));
        assertThat(NetnsTestBed.ping("flt-2a", TASK_A3)).isTrue();
    }

    @Test
    @Order(2)
    void a_task_of_another_network_reaches_neither_network_a_nor_its_addresses_on_the_node() {
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsTestBed.ping("flt-2b", GATEWAY_B));
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsTestBed.ping("flt-2a", TASK_A1));
        assertThat(NetnsTestBed.ping("flt-2b", TASK_A2)).as("A's task on the same host").isFalse();
        assertThat(NetnsTestBed.ping("flt-2b", TASK_A1)).as("A's task on another host").isFalse();
        assertThat(NetnsTestBed.ping("flt-2b", GATEWAY_A)).as("A's gateway on the same host").isFalse();
        assertThat(NetnsTestBed.ping("flt-2b", VIP_A)).as("A's local address on the same host").isFalse();
        assertThat(NetnsTestBed.ping("flt-2a", TASK_B2)).as("B's task from A").isFalse();
        assertThat(NetnsTestBed.ping("flt-2a", GATEWAY_B)).as("B's gateway from A").isFalse();
    }

    @Test
    @Order(3)
    void the_gateway_and_local_addresses_answer_on_the_node_and_no_arp_for_them_crosses_the_vxlan() {
        NetnsTestBed.run(5, "ip", "-n", "flt-1a", "neigh", "flush", "all");
        long sentBefore = vxlanTxPackets(1, 4096);
        assertThat(NetnsTestBed.ping("flt-1a", GATEWAY_A)).isTrue();
        assertThat(NetnsTestBed.ping("flt-1a", VIP_A)).isTrue();
        assertThat(vxlanTxPackets(1, 4096)).as("packets sent into the overlay").isEqualTo(sentBefore);
        assertThat(NetnsTestBed.run(5, "ip", "-n", "flt-1a", "neigh", "show", GATEWAY_A).output())
                .as("the gateway is answered by the bridge, whose MAC is the node's own address's")
                .contains(OverlayNames.mac(nodeA(1)));
    }

    @Test
    @Order(3)
    void another_hosts_own_address_is_answered_by_that_hosts_bridge_across_the_vxlan() {
        // The far host's bridge must have the MAC this host derives from its address, or it drops the frame.
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsTestBed.ping("flt-1a", nodeA(2)));
        assertThat(NetnsTestBed.ping("flt-3a", nodeA(1))).isTrue();
        assertThat(NetnsTestBed.ping("flt-1a", nodeA(1))).as("its own host's address, locally").isTrue();
    }

    @Test
    @Order(4)
    void reconciling_the_same_plan_again_changes_nothing() {
        for (int host = 1; host <= 3; host++) {
            COMMANDS[host].clear();
            PLANES[host].reconcile(fullPlan(host));
            assertThat(COMMANDS[host].writes()).as("host %d", host).isEmpty();
            assertThat(COMMANDS[host].all()).as("host %d: the reads of one pass", host).hasSize(5);
        }
        COMMANDS[1].clear();
        assertThat(PLANES[1].attach("flt-1a", networkA(1), TASK_A1).interfaceName()).isEqualTo("eth0");
        assertThat(COMMANDS[1].writes()).isEmpty();
    }

    @Test
    @Order(5)
    void a_removed_remote_endpoint_loses_exactly_its_entries_and_comes_back_alone() {
        COMMANDS[1].clear();
        PLANES[1].reconcile(plan(1, networkA(1, 3), NETWORK_C));
        assertThat(COMMANDS[1].writes()).containsExactly(
                "ip neigh del " + TASK_A3 + " dev fl-vx-4096",
                "bridge fdb del " + OverlayNames.mac(TASK_A3) + " dev fl-vx-4096 dst " + node(3) + " self");
        // The VXLAN device's own entries (the bridge's learned ones, "master fl-br-4096", age out and lead nowhere).
        List<String> fdb = NetnsTestBed.run(5, "ip", "netns", "exec", "flh1", "bridge", "fdb", "show", "dev", "fl-vx-4096")
                .output().lines().filter(line -> line.contains(" self")).toList();
        assertThat(String.join("\n", fdb)).doesNotContain(OverlayNames.mac(TASK_A3)).contains(OverlayNames.mac(TASK_A2) + " dst " + node(2));
        String neighbours = NetnsTestBed.run(5, "ip", "-n", "flh1", "neigh", "show", "dev", "fl-vx-4096").output();
        assertThat(neighbours).doesNotContain(TASK_A3 + " ").contains(TASK_A2 + " lladdr " + OverlayNames.mac(TASK_A2));
        assertThat(NetnsTestBed.ping("flt-1a", TASK_A3)).isFalse();
        assertThat(NetnsTestBed.ping("flt-1a", TASK_A2)).isTrue();

        COMMANDS[1].clear();
        long started = System.nanoTime();
        PLANES[1].reconcile(fullPlan(1));
        long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
        LOG.info("a remote endpoint added in {} ms ({} commands)", millis, COMMANDS[1].all().size());
        assertThat(COMMANDS[1].writes()).containsExactly(
                "bridge fdb replace " + OverlayNames.mac(TASK_A3) + " dev fl-vx-4096 dst " + node(3) + " self permanent",
                "ip neigh replace " + TASK_A3 + " lladdr " + OverlayNames.mac(TASK_A3) + " dev fl-vx-4096 nud permanent");
        // The task's own ARP entry for A3 failed meanwhile and is retried on the task's timer: clear it.
        NetnsTestBed.run(5, "ip", "-n", "flt-1a", "neigh", "flush", "all");
        await().atMost(Duration.ofSeconds(5)).until(() -> NetnsTestBed.ping("flt-1a", TASK_A3));
    }

    @Test
    @Order(6)
    void an_internal_networks_task_stays_on_the_node_and_the_others_reach_beyond_it() {
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsTestBed.ping("flt-1c", GATEWAY_C));
        assertThat(captureOnUnderlay("icmp and dst host " + UNDERLAY_HOST,
                () -> assertThat(NetnsTestBed.ping("flt-1a", UNDERLAY_HOST)).isTrue()))
                .as("a non-internal network's task, masqueraded as its node").contains(node(1) + " > " + UNDERLAY_HOST);
        // The test bed drops what arrives with an overlay source, so the ping alone would fail even
        // if the packet left the node: the capture is what shows it stayed on the node. And the
        // host's FORWARD policy is ACCEPT meanwhile (a node without Docker), so that the internal
        // network's own rule is what keeps it in, not the policy.
        assertThat(iptablesOk(1, "-P", "FORWARD", "ACCEPT")).isTrue();
        try {
            assertThat(captureOnUnderlay("icmp and dst host " + UNDERLAY_HOST,
                    () -> assertThat(NetnsTestBed.ping("flt-1c", UNDERLAY_HOST)).isFalse()))
                    .as("the internal network's task, on the underlay").isEmpty();
        } finally {
            assertThat(iptablesOk(1, "-P", "FORWARD", "DROP")).isTrue();
        }
        assertThat(NetnsTestBed.ping("flt-1c", TASK_A1)).as("the internal network's task to another network").isFalse();
    }

    @Test
    @Order(7)
    void a_network_taken_out_of_the_plan_loses_its_devices_and_rules_and_teardown_leaves_nothing() {
        PLANES[2].reconcile(plan(2, networkA(2)));
        String links = NetnsTestBed.run(5, "ip", "-n", "flh2", "-o", "link", "show").output();
        assertThat(links).doesNotContain("fl-br-4097").doesNotContain("fl-vx-4097").contains("fl-br-4096").contains("fl-vx-4096");
        String rules = iptables(2, "-S") + iptables(2, "-t", "nat", "-S");
        assertThat(rules).doesNotContain("fl-br-4097").doesNotContain("198.19.2.0/24").contains("fl-br-4096");
        assertThat(NetnsTestBed.ping("flt-2a", TASK_A1)).isTrue();

        PLANES[2].teardown();
        assertThat(NetnsTestBed.run(5, "ip", "-n", "flh2", "-o", "link", "show").output())
                .doesNotContain("fl-br-").doesNotContain("fl-vx-").contains("eth0");
        assertThat(iptables(2, "-S") + iptables(2, "-t", "nat", "-S")).doesNotContain("FLOTILLA").doesNotContain("flotilla");
        COMMANDS[2].clear();
        PLANES[2].teardown();
        assertThat(COMMANDS[2].writes()).isEmpty();
    }

    @Test
    @Order(6)
    void vxlan_from_a_host_that_is_no_tunnel_end_is_dropped_and_the_peers_still_get_through() {
        await().atMost(Duration.ofSeconds(10)).until(() -> NetnsTestBed.ping("flt-1a", TASK_A3));
        assertThat(iptables(1, "-S", "FLOTILLA-VXLAN")).contains("-s " + node(2) + "/32 -j RETURN")
                .contains("-s " + node(3) + "/32 -j RETURN").doesNotContain(UNDERLAY_HOST);
        long droppedBefore = vxlanDrops(1);
        // A datagram to host 1's VXLAN port from the machine's own address on the underlay: no tunnel's far end.
        assertThat(NetnsTestBed.run(5, "bash", "-c", "echo probe > /dev/udp/" + node(1) + "/4789").ok()).isTrue();
        await().atMost(Duration.ofSeconds(5)).until(() -> vxlanDrops(1) > droppedBefore);
        long droppedAfterProbe = vxlanDrops(1);
        assertThat(NetnsTestBed.ping("flt-3a", TASK_A1)).as("a peer's VXLAN still arrives").isTrue();
        assertThat(vxlanDrops(1)).as("nothing of the peer's was dropped").isEqualTo(droppedAfterProbe);
    }

    /** The packets host {@code host}'s VXLAN chain has dropped so far. */
    static long vxlanDrops(int host) {
        for (String line : iptables(host, "-L", "FLOTILLA-VXLAN", "-v", "-x", "-n").split("\n")) {
            String[] words = line.strip().split("\\s+");
            if (words.length > 2 && words[2].equals("DROP")) {
                return Long.parseLong(words[0]);
            }
        }
        throw new AssertionError("no DROP rule in FLOTILLA-VXLAN of flh" + host);
    }

    static String iptables(int host, String... arguments) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/flh" + host, "iptables", "-w"));
        argv.addAll(List.of(arguments));
        return NetnsTestBed.run(10, argv.toArray(String[]::new)).output();
    }

    static boolean iptablesOk(int host, String... arguments) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/flh" + host, "iptables", "-w"));
        argv.addAll(List.of(arguments));
        return NetnsTestBed.run(10, argv.toArray(String[]::new)).ok();
    }

    static long vxlanTxPackets(int host, int vni) {
        String json = NetnsTestBed.run(5, "ip", "-n", "flh" + host, "-s", "-j", "link", "show", "dev", OverlayNames.vxlan(vni)).output();
        try {
            return io.flotilla.model.Json.MAPPER.readTree(json).get(0).path("stats64").path("tx").path("packets").asLong();
        } catch (IOException e) {
            throw new AssertionError("cannot read the counters of " + OverlayNames.vxlan(vni) + ": " + json, e);
        }
    }

    /**
     * Runs {@code traffic} while tcpdump waits on the underlay for one packet that matches
     * {@code filter}; returns tcpdump's line, or nothing if no such packet came within 3 seconds.
     */
    static String captureOnUnderlay(String filter, Runnable traffic) {
        List<String> argv = new ArrayList<>(List.of("nsenter", "--net=/var/run/netns/flsw",
                "timeout", "3", "tcpdump", "-i", "fl-underlay", "-n", "-l", "-c", "1"));
        argv.addAll(List.of(filter.split(" ")));
        Process tcpdump;
        try {
            tcpdump = new ProcessBuilder(argv).start();
        } catch (IOException e) {
            throw new AssertionError("cannot start tcpdump", e);
        }
        try {
            BufferedReader errors = new BufferedReader(new InputStreamReader(tcpdump.getErrorStream(), StandardCharsets.UTF_8));
            CompletableFuture<String> listening = CompletableFuture.supplyAsync(() -> {
                try {
                    for (String line = errors.readLine(); line != null; line = errors.readLine()) {
                        if (line.contains("listening on")) {
                            return line;
                        }
                    }
                    return "";
                } catch (IOException e) {
                    return "";
                }
            });
            assertThat(listening.get(3, TimeUnit.SECONDS)).as("tcpdump started").contains("fl-underlay");
            traffic.run();
            String output = new String(tcpdump.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
            assertThat(tcpdump.waitFor(10, TimeUnit.SECONDS)).isTrue();
            return output.strip();
        } catch (Exception e) {
            throw new AssertionError("capture on the underlay failed", e);
        } finally {
            tcpdump.destroy();
        }
    }
}
