package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Node;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskTemplate;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

/**
 * A rolling upgrade from the previous release ({@link PreviousRelease}: its jars kept as a fixture) to
 * this build, on real node processes: three managers and two workers formed by the previous release
 * run a process service; then each node in turn is stopped as an operator stops it (SIGTERM: its
 * tasks keep running) and started again by this build on its data dir — the two followers, the leader,
 * then the workers — while a client keeps writing a label through the managers. So the old and the
 * new code share one Raft log, one leader replicates to the other's followers, and old agents report
 * to new managers. Each step must leave the tasks on the other nodes alone (the same processes) and
 * the service at its replicas (a node down longer than the heartbeat timeout has its tasks replaced
 * elsewhere, as always); at the end every acknowledged write is there through every manager, the
 * machine runs exactly the cluster's task processes, and the cluster takes a new deploy.
 */
class RollingUpgradeTest {
    private static final String SERVICE = "upgrade_sleep";
    private static final int REPLICAS = 3;
    private static final String PREFIX = "127.0.19.";

    @Test
    @Timeout(420)
    void everyNodeUpgradedOneAtATimeKeepsTheWritesAndTheRunningTasks() throws Exception {
        Path dir = Files.createTempDirectory(Files.createDirectories(Path.of("target", "upgrade")), "run");
        FailoverCluster cluster = new FailoverCluster(PREFIX, 1, dir, false, 3, null);
        cluster.classPath(PreviousRelease.classPath());
        AtomicBoolean stop = new AtomicBoolean();
        Thread writer = null;
        try {
            cluster.form();
            String first = cluster.addr(0);
            new ApiClient(first).deploy(new StackSpec("upgrade", List.of(new ServiceSpec(SERVICE, "upgrade",
                    ServiceMode.REPLICATED, REPLICAS, TaskTemplate.process(List.of("sleep", "1000000")), List.of(), List.of(),
                    Map.of(), null, null))));
            FailoverReads.awaitUntil("the service running", Duration.ofSeconds(60),
                    () -> FailoverReads.running(first, SERVICE).size() == REPLICAS);
            assertThat(pids(first).values()).as("task pids").doesNotContainNull().hasSize(REPLICAS);
            String worker = FailoverReads.nodeIdAt(first, cluster.addr(3));

            // one client adding the labels u0, u1, u2, … one after the other, through the managers in turn: each
            // acknowledged write must be there at the end, so that one a manager skipped shows
            AtomicInteger acknowledged = new AtomicInteger(-1);
            java.util.Set<Integer> acknowledgedSet = java.util.concurrent.ConcurrentHashMap.newKeySet();
            writer = new Thread(() -> write(cluster, worker, stop, acknowledged, acknowledgedSet), "upgrade-writer");
            writer.start();
            FailoverReads.awaitUntil("a first write", Duration.ofSeconds(30), () -> acknowledged.get() >= 0);

            cluster.classPath(System.getProperty("java.class.path"));
            String leader = host(cluster.leaderApi());
            List<String> order = new ArrayList<>();
            for (int i = 0; i < cluster.managers(); i++) {
                if (!cluster.addr(i).equals(leader)) {
                    order.add(cluster.addr(i));
                }
            }
            order.add(leader);
            order.addAll(cluster.addresses().subList(cluster.managers(), cluster.size()));
            for (String address : order) {
                String api = cluster.leaderApi();
                String nodeId = FailoverReads.nodeIdAt(api, address);
                // the tasks elsewhere must not notice: the same processes before and after this node's upgrade
                Map<String, Long> elsewhere = new java.util.HashMap<>();
                FailoverReads.running(api, SERVICE).stream().filter(t -> !t.nodeId().equals(nodeId))
                        .forEach(t -> elsewhere.put(t.id(), t.status().pid()));
                int acknowledgedBefore = acknowledged.get();
                cluster.stop(address);
                cluster.restart(address);
                awaitCounted(cluster, address, address + " counted again on this build");
                FailoverReads.awaitUntil("writes accepted after " + address + "'s upgrade", Duration.ofSeconds(30),
                        () -> acknowledged.get() > acknowledgedBefore);
                FailoverReads.awaitUntil("the service at its replicas again", Duration.ofSeconds(60),
                        () -> FailoverReads.running(cluster.leaderApi(), SERVICE).size() == REPLICAS);
                Map<String, Long> now = pids(cluster.leaderApi());
                elsewhere.forEach((task, pid) -> assertThat(now.get(task)).as("task %s (not on %s) still the same process", task, address)
                        .isEqualTo(pid));
                System.out.printf("RollingUpgradeTest: %s upgraded; %d writes acknowledged so far; %d tasks elsewhere untouched%n",
                        address, acknowledged.get() + 1, elsewhere.size());
            }
            stop.set(true);
            writer.join(Duration.ofSeconds(30));

            // every acknowledged write is there, through every manager
            for (int i = 0; i < cluster.managers(); i++) {
                Node node = new ApiClient(cluster.addr(i)).get("/v1/nodes/" + worker, Node.class, Duration.ofSeconds(10));
                java.util.Set<Integer> there = node.spec().labels().keySet().stream().filter(k -> k.matches("u\\d+"))
                        .map(k -> Integer.parseInt(k.substring(1))).collect(Collectors.toSet());
                assertThat(there).as("the acknowledged writes' labels through %s", cluster.addr(i)).containsAll(acknowledgedSet);
            }
            String api = cluster.leaderApi();
            FailoverReads.awaitUntil("exactly the running tasks' processes on the machine, none orphaned", Duration.ofSeconds(60),
                    () -> ChaosRun.taskProcesses(PREFIX).equals(pids(api).keySet()));

            new ApiClient(api).deploy(new StackSpec("after", List.of(new ServiceSpec("after_sleep", "after",
                    ServiceMode.REPLICATED, 2, TaskTemplate.process(List.of("sleep", "1000000")), List.of(), List.of(),
                    Map.of(), null, null))));
            FailoverReads.awaitUntil("a service deployed after the upgrade running", Duration.ofSeconds(60),
                    () -> FailoverReads.running(api, "after_sleep").size() == 2);
        } finally {
            stop.set(true);
            if (writer != null) {
                writer.join(Duration.ofSeconds(30));
            }
            cluster.killAll();
        }
    }

    /** Task id → pid of the service's running tasks, as the agents report them. */
    private static Map<String, Long> pids(String api) {
        Map<String, Long> pids = new java.util.HashMap<>();
        FailoverReads.running(api, SERVICE).forEach(t -> pids.put(t.id(), t.status().pid()));
        return pids;
    }

    private static void write(FailoverCluster cluster, String worker, AtomicBoolean stop, AtomicInteger acknowledged,
                              java.util.Set<Integer> acknowledgedSet) {
        int next = 0;
        for (int attempt = 0; !stop.get(); attempt++) {
            String manager = cluster.addr(attempt % cluster.managers());
            try {
                new ClusterClient(manager).updateNode(worker, Map.of("labelAdd", List.of("u" + next + "=1")));
                acknowledgedSet.add(next);
                acknowledged.set(next++);
            } catch (RuntimeException e) {
                // that manager is being upgraded (or the election is under way): the next one
            }
            try {
                Thread.sleep(50);
            } catch (InterruptedException e) {
                return;
            }
        }
    }

    /** Until the node answers on its own API (a worker relays it), then until the cluster counts every node again. */
    private static void awaitCounted(FailoverCluster cluster, String address, String what) throws InterruptedException {
        FailoverReads.awaitUntil(address + " answering", Duration.ofSeconds(90), () -> {
            new ClusterClient(address).info();
            return true;
        });
        cluster.awaitCounted(what);
    }

    private static String host(String api) {
        return api.substring(0, api.indexOf(':'));
    }
}
