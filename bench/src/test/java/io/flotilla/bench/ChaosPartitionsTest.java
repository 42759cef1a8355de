package io.flotilla.bench;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * Partitions on the real kernel: a process started in a node's cgroup cannot connect to the other
 * side while the node is isolated, and can again once healed; a process outside the cgroups (a
 * client) is never cut off. Needs root, iptables and cgroup v2, as CI has: it fails without them.
 */
class ChaosPartitionsTest {
    private static final String NODE = "127.0.16.1";
    private static final String OTHER = "127.0.16.2";
    private static final String THIRD = "127.0.16.3";

    @Test
    @Timeout(60)
    void anIsolatedNodeReachesNoOtherNodeUntilHealed() throws Exception {
        try (ChaosPartitions partitions = ChaosPartitions.open();
             ServerSocket other = new ServerSocket(0, 50, InetAddress.getByName(OTHER))) {
            Thread acceptor = Thread.ofVirtual().start(() -> {
                while (!other.isClosed()) {
                    try {
                        other.accept().close();
                    } catch (java.io.IOException e) {
                        return;
                    }
                }
            });
            int port = other.getLocalPort();
            assertTrue(connects(partitions, NODE, port), "before the partition");

            partitions.isolate(NODE, List.of(NODE, OTHER));
            assertEquals(List.of(NODE), partitions.isolated());
            assertFalse(connects(partitions, NODE, port), "the isolated node reached the other side");
            // a client outside every node's cgroup is not partitioned
            try (java.net.Socket client = new java.net.Socket(OTHER, port)) {
                assertTrue(client.isConnected());
            }

            partitions.heal();
            assertTrue(connects(partitions, NODE, port), "after the heal");
            other.close();
            acceptor.join();
        }
    }

    @Test
    @Timeout(60)
    void twoNodesCutOffTogetherStillReachEachOtherButNotTheRest() throws Exception {
        try (ChaosPartitions partitions = ChaosPartitions.open();
             ServerSocket other = new ServerSocket(0, 50, InetAddress.getByName(OTHER));
             ServerSocket third = new ServerSocket(0, 50, InetAddress.getByName(THIRD))) {
            for (ServerSocket server : List.of(other, third)) {
                Thread.ofVirtual().start(() -> {
                    while (!server.isClosed()) {
                        try {
                            server.accept().close();
                        } catch (java.io.IOException e) {
                            return;
                        }
                    }
                });
            }
            partitions.isolate(List.of(NODE, OTHER), List.of(NODE, OTHER, THIRD));
            assertEquals(List.of(NODE, OTHER), partitions.isolated());
            assertTrue(connects(partitions, NODE, OTHER, other.getLocalPort()), "one side of the minority reached the other");
            assertFalse(connects(partitions, NODE, THIRD, third.getLocalPort()), "the minority reached the majority");
            assertFalse(connects(partitions, THIRD, OTHER, other.getLocalPort()), "the majority reached the minority");
            partitions.heal();
            assertTrue(connects(partitions, THIRD, OTHER, other.getLocalPort()), "after the heal");
        }
    }

    @Test
    void closeRemovesTheChainAndTheCgroup() throws Exception {
        ChaosPartitions partitions = ChaosPartitions.open();
        partitions.close();
        Process list = new ProcessBuilder("iptables", "-w", "5", "-S", "OUTPUT").redirectErrorStream(true).start();
        String rules = new String(list.getInputStream().readAllBytes());
        list.waitFor();
        assertFalse(rules.contains("FLCHAOS-" + ProcessHandle.current().pid()), rules);
        assertFalse(Files.exists(ChaosPartitions.cgroup2Root().resolve("flotilla-chaos-" + ProcessHandle.current().pid())));
    }

    /** Whether a shell in {@code node}'s cgroup connects to the other side within 2 s (bash's /dev/tcp). */
    private static boolean connects(ChaosPartitions partitions, String node, int port) throws Exception {
        return connects(partitions, node, OTHER, port);
    }

    private static boolean connects(ChaosPartitions partitions, String node, String to, int port) throws Exception {
        Process process = new ProcessBuilder(partitions.wrap(node, List.of("timeout", "2", "bash", "-c",
                "exec 3<>/dev/tcp/" + to + "/" + port))).redirectErrorStream(true).start();
        assertTrue(process.waitFor(10, TimeUnit.SECONDS));
        return process.exitValue() == 0;
    }
}
