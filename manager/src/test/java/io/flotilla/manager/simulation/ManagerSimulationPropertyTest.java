package io.flotilla.manager.simulation;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.UpdateConfig;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.random.RandomGenerator;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.ShrinkingMode;
import net.jqwik.api.constraints.IntRange;

/**
 * The manager under faults, deterministically from a seed (Kafka's RaftEventSimulationTest): a
 * random history of manager crashes and restarts, partitions (managers from managers, agents from
 * managers), dropped messages, node crashes and returns, task failures, bad images, and user
 * writes (create, scale, update, rollback, rebalance, drain, remove); then the faults stop.
 *
 * <p>Every decision is made by the code that runs in a manager (each replica's {@code LeaderCore}
 * and {@code DispatchRules}; see {@link ManagerSimulation}). After every step
 * ({@link SimulatedRaft#checkSafety}, {@link ManagerSimulation#checkFencedSlots}): at most one
 * leader per term; task states only move forward along the committed log; every acknowledged
 * (committed) entry is in every leader's log at its index; every manager's committed prefix is the
 * committed log; no fenced slot runs twice; no agent holds a lease past what a leader of the same
 * or a later term waits for ({@link ManagerSimulation#checkLeases}: a leader without a quorum
 * grants none). After the faults stop, the cluster must become quiescent, and then — step after
 * step — exactly the desired number of task processes run per service (never more: a returning
 * node stops the tasks that were replaced while it was away), and none of a removed service. Then
 * one node crashes: the leader must mark it DOWN in time (and not early), READY again once it is
 * back, and the cluster must converge again.
 *
 * <p>A failure names its seed and fault steps: the run is a pure function of them (one thread, fake
 * clock, ordered collections, ids from a generator seeded by it), so {@code replay} with
 * {@code -Dsimulation.seed=S -Dsimulation.steps=N} replays it exactly.
 */
class ManagerSimulationPropertyTest {

    /** Not shrunk: a nearby seed is another history, not a smaller one. */
    @Property(tries = 2000, shrinking = ShrinkingMode.OFF)
    void managersConvergeSafelyUnderFaults(@ForAll long seed, @ForAll @IntRange(min = 50, max = 250) int faultSteps) {
        ManagerSimulation sim = replayable(seed, faultSteps);
        net.jqwik.api.statistics.Statistics.label("fenced processes").collect(sim.fencedStarts() == 0 ? "none"
                : sim.fencedKills() == 0 ? "started, none lost its lease" : "some killed by their lease");
        net.jqwik.api.statistics.Statistics.label("leaders elected")
                .collect(sim.termsWithALeader() <= 1 ? "1" : sim.termsWithALeader() <= 5 ? "2-5" : "6+");
    }

    @net.jqwik.api.Example
    void replay() {
        String seed = System.getProperty("simulation.seed");
        if (seed != null) {
            replayable(Long.parseLong(seed), Integer.parseInt(System.getProperty("simulation.steps", "150")));
        }
    }

    /** {@link #run}, and a failure says which seed failed and how to replay it. */
    static ManagerSimulation replayable(long seed, int faultSteps) {
        try {
            return run(seed, faultSteps);
        } catch (AssertionError | RuntimeException e) {
            throw new AssertionError("simulation seed " + seed + " with " + faultSteps + " fault steps failed; replay: "
                    + "-Dtest=ManagerSimulationPropertyTest#replay -Dsimulation.seed=" + seed + " -Dsimulation.steps="
                    + faultSteps + "\n" + e.getMessage(), e);
        }
    }

    static ManagerSimulation run(long seed, int faultSteps) {
        RandomGenerator random = new SplittableRandom(seed);
        int managerCount = random.nextBoolean() ? 3 : 5;
        ManagerSimulation sim = new ManagerSimulation(random, managerCount, 4);
        Writer writer = new Writer(sim, random);
        sim.router.dropRate = random.nextDouble() * 0.2;
        sim.crashesOnStart = task -> task.spec().image() != null && task.spec().image().startsWith("bad");
        for (int i = 0; i < faultSteps; i++) {
            fault(sim, random);
            if (random.nextInt(8) == 0) {
                writer.write();
            }
            sim.step(Duration.ofMillis(100 + random.nextInt(400)));
        }

        // The faults stop: every manager and node is back, the network heals, images work.
        sim.managers.forEach(sim::restartManager);
        sim.agents.values().forEach(agent -> agent.up = true);
        sim.router.heal();
        sim.crashesOnStart = task -> false;
        converge(sim, seed);
        nodeLostAndBack(sim, random, seed);
        converge(sim, seed);
        assertThat(sim.committedEntries()).isPositive();
        return sim;
    }

    /**
     * Until the cluster is quiescent for 60 steps in a row, then — for 40 steps — exactly the
     * desired processes per service, and none of a removed service.
     */
    private static void converge(ManagerSimulation sim, long seed) {
        int quiet = 0;
        int steps = 0;
        while (quiet < 60) {
            if (++steps > 5000) {
                StringBuilder services = new StringBuilder();
                sim.state().services().forEach(s -> services.append(s.spec().name()).append(' ')
                        .append(s.updateStatus()).append('\n').append(sim.describe(s.id())));
                throw new AssertionError("seed " + seed + ": no convergence after the faults stopped; copies "
                        + sim.runningCopies() + "\n" + services);
            }
            activateAllNodes(sim);
            sim.step(Duration.ofMillis(250));
            quiet = sim.quiescent() ? quiet + 1 : 0;
        }
        for (int i = 0; i < 40; i++) {
            sim.step(Duration.ofMillis(250));
            ClusterState state = sim.state();
            Map<String, Integer> copies = sim.runningCopies();
            for (Service service : state.services()) {
                assertThat(copies.getOrDefault(service.id(), 0))
                        .as("seed %d: running copies of %s (%s)%n%s", seed, service.spec().name(), service.updateStatus(),
                                sim.describe(service.id()))
                        .isEqualTo(ManagerSimulation.desired(state, service));
            }
            assertThat(copies.keySet()).as("seed %d: copies of removed services", seed)
                    .allMatch(id -> state.service(id).isPresent());
        }
    }

    /**
     * A node of the quiet cluster crashes: the leader's liveness verdict marks it DOWN once its
     * silence passed the heartbeat timeout (not before, and not later than a few steps after, or
     * after the leader's grace if that ends later); back, its first report makes it READY again.
     */
    private static void nodeLostAndBack(ManagerSimulation sim, RandomGenerator random, long seed) {
        List<String> ids = new ArrayList<>(sim.agents.keySet());
        String lost = ids.get(random.nextInt(ids.size()));
        SimulatedManager leader = sim.leaderFor("client");
        Instant crashed = sim.now;
        Instant graceEnds = leader.leadingSince.plus(ManagerSimulation.LEADER_GRACE);
        Instant timedOut = crashed.plus(ManagerSimulation.HEARTBEAT_TIMEOUT);
        Instant due = (timedOut.isAfter(graceEnds) ? timedOut : graceEnds).plusSeconds(2);
        sim.agents.get(lost).crash();
        while (nodeState(sim, lost) != NodeState.DOWN) {
            assertThat(sim.now).as("seed %d: node %s crashed at %s is still %s in the leader's state%n%s", seed, lost,
                    crashed, nodeState(sim, lost), sim.describeNodes()).isBefore(due);
            sim.step(Duration.ofMillis(250));
        }
        assertThat(Duration.between(crashed, sim.now)).as("seed %d: node %s judged DOWN before its timeout", seed, lost)
                .isGreaterThan(ManagerSimulation.HEARTBEAT_TIMEOUT);
        sim.agents.get(lost).up = true;
        Instant back = sim.now;
        while (nodeState(sim, lost) != NodeState.READY) {
            assertThat(sim.now).as("seed %d: node %s back at %s is still %s in the leader's state%n%s", seed, lost,
                    back, nodeState(sim, lost), sim.describeNodes()).isBefore(back.plusMillis(1500));
            sim.step(Duration.ofMillis(250));
        }
    }

    private static NodeState nodeState(ManagerSimulation sim, String nodeId) {
        return sim.state().node(nodeId).map(node -> node.status().state()).orElse(null);
    }

    private static void activateAllNodes(ManagerSimulation sim) {
        for (Node node : sim.state().nodes()) {
            if (node.spec().availability() != NodeAvailability.ACTIVE) {
                sim.propose(new Command.UpdateNodeSpec(node.id(),
                        new NodeSpec(node.spec().role(), NodeAvailability.ACTIVE, node.spec().labels())));
            }
        }
    }

    private static void fault(ManagerSimulation sim, RandomGenerator random) {
        switch (random.nextInt(40)) {
            case 0 -> sim.crashManager(pick(sim.managers, random));
            case 1, 2 -> sim.restartManager(pick(sim.managers, random));
            case 3 -> {
                // a random split of managers, agents and the client into two sides
                List<String> endpoints = new ArrayList<>();
                sim.managers.forEach(m -> endpoints.add(m.id));
                endpoints.addAll(sim.agents.keySet());
                endpoints.add("client");
                endpoints.forEach(endpoint -> sim.router.isolate(endpoint, random.nextInt(2)));
            }
            case 4, 5 -> {
                double drop = sim.router.dropRate;
                sim.router.heal();
                sim.router.dropRate = drop;
            }
            case 6 -> pick(new ArrayList<>(sim.agents.values()), random).crash();
            case 7, 8 -> pick(new ArrayList<>(sim.agents.values()), random).up = true;
            case 11 -> sim.router.isolate(pick(new ArrayList<>(sim.agents.keySet()), random), 1); // one node cut off, its tasks run on
            case 9, 10 -> {
                SimulatedAgent agent = pick(new ArrayList<>(sim.agents.values()), random);
                if (!agent.processes.isEmpty()) {
                    List<String> running = new ArrayList<>(agent.processes.keySet());
                    sim.failProcess(agent, running.get(random.nextInt(running.size())));
                }
            }
            default -> { }
        }
    }

    private static <T> T pick(List<T> items, RandomGenerator random) {
        return items.get(random.nextInt(items.size()));
    }

    /** User writes, proposed to the leader the client reaches (lost if there is none). */
    private static final class Writer {
        private final ManagerSimulation sim;
        private final RandomGenerator random;
        private int services;
        private int images;

        Writer(ManagerSimulation sim, RandomGenerator random) {
            this.sim = sim;
            this.random = random;
        }

        void write() {
            ClusterState state = sim.state();
            List<Service> existing = new ArrayList<>(state.services());
            existing.sort(java.util.Comparator.comparing(Service::id));
            int choice = existing.isEmpty() ? 0 : random.nextInt(9);
            Service target = existing.isEmpty() ? null : existing.get(random.nextInt(existing.size()));
            switch (choice) {
                case 0 -> {
                    if (existing.size() < 3) {
                        services++;
                        sim.propose(new Command.CreateService("svc-" + services, spec("s" + services), sim.now));
                    }
                }
                case 1 -> {
                    if (target.spec().mode() == ServiceMode.REPLICATED) {
                        sim.propose(new Command.ScaleService(target.id(), random.nextInt(6), sim.now));
                    }
                }
                case 2, 3 -> {
                    String image = (random.nextInt(4) == 0 ? "bad-" : "v") + (++images);
                    sim.propose(new Command.UpdateService(target.id(),
                            target.spec().withTask(target.spec().task().withImage(image)), sim.now));
                }
                case 4 -> sim.propose(new Command.RollbackService(target.id(), target.version(), sim.now, "manual"));
                case 5 -> sim.propose(new Command.RebalanceService(target.id(), sim.now));
                case 6 -> {
                    List<Node> nodes = new ArrayList<>(state.nodes());
                    if (!nodes.isEmpty()) {
                        nodes.sort(java.util.Comparator.comparing(Node::id));
                        Node node = nodes.get(random.nextInt(nodes.size()));
                        NodeAvailability availability = NodeAvailability.values()[random.nextInt(NodeAvailability.values().length)];
                        sim.propose(new Command.UpdateNodeSpec(node.id(),
                                new NodeSpec(node.spec().role(), availability, node.spec().labels())));
                    }
                }
                case 7 -> {
                    if (random.nextInt(3) == 0) {
                        sim.propose(new Command.RemoveService(target.id(), sim.now));
                    }
                }
                default -> { }
            }
        }

        private ServiceSpec spec(String name) {
            boolean global = random.nextInt(4) == 0;
            // a third of the services are fenced: stateful with per-slot node-local volumes, or on glusterfs
            int fencing = random.nextInt(6);
            ServiceSpec base = ServiceSpec.process(name, 1 + random.nextInt(4), List.of("sleep", "1000"));
            String[] actions = {"pause", "continue", "rollback"};
            UpdateConfig update = new UpdateConfig(random.nextInt(3), Duration.ofMillis(random.nextInt(2000)),
                    actions[random.nextInt(3)], Duration.ofSeconds(1 + random.nextInt(5)), 0,
                    random.nextBoolean() ? "start-first" : "stop-first");
            Map<String, String> labels = new java.util.HashMap<>(
                    random.nextBoolean() ? Map.of("io.flotilla.rebalance", "auto") : Map.of());
            List<String> spread = random.nextBoolean() ? List.of("node.labels.zone") : List.of();
            io.flotilla.model.TaskTemplate task = base.task()
                    .withRestartPolicy(new RestartPolicy(RestartPolicy.ANY, Duration.ofSeconds(1), null, null))
                    .withPlacement(new io.flotilla.model.PlacementSpec(List.of(), spread, null));
            if (fencing == 0 && !global) {
                labels.put(ServiceSpec.STATEFUL_LABEL, "true");
                task = withVolume(task, io.flotilla.model.VolumeOptions.DEFAULT, name);
            } else if (fencing == 1) {
                task = withVolume(task, new io.flotilla.model.VolumeOptions(io.flotilla.model.VolumeOptions.GLUSTERFS,
                        Map.of(), Map.of(), false), name);
            }
            return new ServiceSpec(name, null, global ? ServiceMode.GLOBAL : ServiceMode.REPLICATED, base.replicas(),
                    task, List.of(), List.of(), labels, update, null);
        }

        private static io.flotilla.model.TaskTemplate withVolume(io.flotilla.model.TaskTemplate t,
                                                                 io.flotilla.model.VolumeOptions options, String name) {
            return new io.flotilla.model.TaskTemplate(t.driver(), t.image(), t.command(), t.entrypoint(), t.environment(),
                    t.workingDir(), t.user(), t.hostname(), t.labels(), t.healthcheck(),
                    List.of(new io.flotilla.model.VolumeMount("volume", name + "_data", "/data", false, options)),
                    t.resources(), t.restartPolicy(), t.placement(), t.stopSignal(), t.stopGracePeriod(), t.init(),
                    t.readOnly(), t.capAdd(), t.capDrop(), t.tmpfs(), t.ulimits(), t.pullPolicy(), t.networks(),
                    t.discovery());
        }
    }
}
