package io.flotilla.manager.simulation;

import io.flotilla.manager.IdGenerator;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.manager.ManagerTuning;
import io.flotilla.manager.dispatcher.DispatchRules;
import io.flotilla.manager.loops.LeaderCore;
import io.flotilla.manager.raft.CommandBatches;
import io.flotilla.model.Command;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeState;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.scheduler.Fencing;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.SplittableRandom;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A whole cluster in one thread, driven step by step on a fake clock (Kafka's
 * RaftEventSimulationTest, Nomad's harness): N manager replicas sharing a Raft-like log
 * ({@link SimulatedRaft}), fake agents running fake task processes ({@link SimulatedAgent}), and a
 * message router that partitions and drops. Every decision is the real code's: each manager
 * process has a real {@link LeaderCore} (liveness, reconcile, place) with the real
 * {@link DispatchRules}, {@link Orchestrator} and {@link Scheduler}, on the real
 * {@link StateMachine}, with the production timeouts, and ids from a seeded generator. Only Raft,
 * the network, the threads and the agents are modelled:
 *
 * <ul>
 *   <li>Leader loop: a ready leader that has applied all its own entries takes one step of its core
 *       (one phase of a pass) and appends its commands, split as the real loop splits them — the
 *       real loop also submits a step's commands and waits until they are applied before the next.</li>
 *   <li>Agents: each step an agent that reaches a ready leader says hello or reports (through the
 *       leader's rules), takes its assignment set, starts and stops processes to match it
 *       (stopping any process not in it), and reports what differs from the leader's state.</li>
 * </ul>
 * Invariants are checked after every step ({@link SimulatedRaft#checkSafety}, {@link #checkFencedSlots},
 * {@link #checkLeases}).
 */
final class ManagerSimulation {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    static final Duration HEARTBEAT_TIMEOUT = ManagerConfig.DEFAULT_HEARTBEAT_TIMEOUT;
    static final Duration LEADER_GRACE = ManagerTuning.DEFAULT_LEADER_GRACE;
    /** The agents' lease (ManagerConfig.leaseTtl's default). */
    static final Duration LEASE = Fencing.DEFAULT_LEASE;

    final RandomGenerator random;
    final MessageRouter router;
    final List<SimulatedManager> managers = new ArrayList<>();
    final SimulatedRaft raft;
    final Map<String, SimulatedAgent> agents = new TreeMap<>();
    final Orchestrator orchestrator;
    final Scheduler scheduler = new Scheduler(LEASE);
    /** The fake clock: the cores time their passes with it (so each takes no time). */
    private final InstantSource clock = () -> now();
    Instant now = T0;
    long step;
    /** Tasks whose process crashes at start (a bad image). */
    Predicate<Task> crashesOnStart = task -> false;
    private long nextEntryId;

    ManagerSimulation(RandomGenerator random, int managerCount, int nodeCount) {
        this.random = random;
        this.router = new MessageRouter(random);
        this.orchestrator = new Orchestrator(new IdGenerator(new SplittableRandom(random.nextLong())));
        for (int i = 1; i <= managerCount; i++) {
            SimulatedManager manager = new SimulatedManager("m" + i, newCore());
            manager.electionTimeoutSteps = 3 + random.nextInt(5);
            managers.add(manager);
        }
        this.raft = new SimulatedRaft(managers, router);
        for (int i = 1; i <= nodeCount; i++) {
            agents.put("n" + i, new SimulatedAgent("n" + i, "z" + (i % 2)));
        }
    }

    private Instant now() {
        return now;
    }

    /** A manager process's core, as Manager.start makes it: its first grace counts from the start. */
    private LeaderCore newCore() {
        return new LeaderCore(new DispatchRules(HEARTBEAT_TIMEOUT, LEADER_GRACE, LEASE, now), orchestrator, scheduler,
                clock, true);
    }

    // ---- clients ----

    /** The ready leader of the highest term reachable from {@code endpoint}, or null. */
    SimulatedManager leaderFor(String endpoint) {
        SimulatedManager best = null;
        for (SimulatedManager manager : managers) {
            if (manager.isReadyLeader() && router.connected(endpoint, manager.id)
                    && (best == null || manager.term > best.term)) {
                best = manager;
            }
        }
        return best;
    }

    /** A client write: appended to the leader's log if there is one; true if proposed (not yet committed). */
    boolean propose(Command command) {
        SimulatedManager leader = leaderFor("client");
        if (leader == null) {
            return false;
        }
        append(leader, command);
        return true;
    }

    /** The state as the current leader sees it (or the committed one without a leader). */
    ClusterState state() {
        SimulatedManager leader = leaderFor("client");
        return leader != null ? leader.state : raft.committedState();
    }

    private void append(SimulatedManager leader, Command command) {
        leader.log.add(new SimulatedManager.Entry(leader.term, command, nextEntryId++));
    }

    // ---- one step ----

    void step(Duration elapsed) {
        step++;
        now = now.plus(elapsed);
        for (SimulatedManager manager : managers) {
            raft.maybeStartElection(manager, step, now);
        }
        for (SimulatedManager manager : managers) {
            if (manager.isLeader()) {
                raft.replicate(manager, step);
            }
        }
        for (SimulatedManager manager : managers) {
            if (manager.up) {
                manager.applyCommitted();
            }
        }
        for (SimulatedManager manager : managers) {
            if (manager.caughtUp()) {
                for (Command command : manager.leaderStep(now).commands()) {
                    CommandBatches.split(command).forEach(part -> append(manager, part));
                }
            }
        }
        for (SimulatedAgent agent : agents.values()) {
            if (agent.up) {
                SimulatedManager leader = leaderFor(agent.nodeId);
                if (leader != null && router.deliver(agent.nodeId, leader.id)) {
                    // the leader's quorum as ClusterStore.quorumAvailable sees it: a majority heard lately
                    boolean quorum = step - leader.lastMajorityContactStep <= 1;
                    Instant leaseBefore = agent.leaseUntil;
                    agent.round(leader.state, leader.core.rules(), quorum, now, crashesOnStart,
                            command -> append(leader, command));
                    leader.answered.put(agent.nodeId, now);
                    if (!java.util.Objects.equals(leaseBefore, agent.leaseUntil)) {
                        agent.leaseTerm = leader.term;
                    }
                }
                agent.fence(now);
            }
        }
        raft.checkSafety();
        checkFencedSlots();
        checkLeases();
    }

    /**
     * The fencing contract (docs/stateful.md): no agent holds a lease past what a leader of the
     * same or a later term waits for before it replaces the node's fenced tasks — a lease from its
     * last answer to the node, or from its own start (an earlier leader may have answered until
     * then). So a stale leader, cut off from the majority, must not extend a lease once a newer
     * one may lead: it grants none without a quorum. The allowance is computed here from what the
     * simulation saw (when each leader started, when it answered), not from the core's heartbeats.
     */
    void checkLeases() {
        for (SimulatedManager leader : managers) {
            if (!leader.isLeader()) {
                continue;
            }
            for (SimulatedAgent agent : agents.values()) {
                if (agent.leaseUntil == null || agent.leaseTerm > leader.term) {
                    continue;
                }
                Instant answered = leader.answered.get(agent.nodeId);
                Instant from = answered != null && answered.isAfter(leader.leadingSince) ? answered : leader.leadingSince;
                if (agent.leaseUntil.isAfter(from.plus(LEASE))) {
                    throw new AssertionError("agent " + agent.nodeId + " holds a lease until " + agent.leaseUntil
                            + " (granted in term " + agent.leaseTerm + "), past what leader " + leader.id + " (term "
                            + leader.term + ", leading since " + leader.leadingSince + ") waits for: " + from.plus(LEASE)
                            + ", at step " + step);
                }
            }
        }
    }

    /** Never two processes of one fenced slot, on any nodes, whatever the state says. */
    void checkFencedSlots() {
        Map<String, String> bySlot = new HashMap<>();
        for (SimulatedAgent agent : agents.values()) {
            for (SimulatedAgent.Process process : agent.processes.values()) {
                if (!process.fenced()) {
                    continue;
                }
                String slot = process.serviceId() + "/" + (process.slot() > 0 ? process.slot() : agent.nodeId);
                String other = bySlot.put(slot, agent.nodeId + ":" + process.taskId());
                if (other != null) {
                    throw new AssertionError("two running copies of fenced slot " + slot + ": " + other + " and "
                            + agent.nodeId + ":" + process.taskId() + " at step " + step + "\n"
                            + describe(process.serviceId()));
                }
            }
        }
    }

    // ---- faults ----

    void crashManager(SimulatedManager manager) {
        manager.crash();
    }

    void restartManager(SimulatedManager manager) {
        if (!manager.up) {
            manager.restart(newCore(), step);
        }
    }

    /** The process of a running task dies (exit code 1); the agent reports it. */
    void failProcess(SimulatedAgent agent, String taskId) {
        agent.failProcess(taskId, now);
    }

    // ---- convergence ----

    /** Running processes per service id, as the fake agents really run them. */
    Map<String, Integer> runningCopies() {
        Map<String, Integer> copies = new TreeMap<>();
        for (SimulatedAgent agent : agents.values()) {
            for (SimulatedAgent.Process process : agent.processes.values()) {
                copies.merge(process.serviceId(), 1, Integer::sum);
            }
        }
        return copies;
    }

    /** What should run per service, per the leader's state: replicas, or one per READY ACTIVE node. */
    static int desired(ClusterState state, Service service) {
        if (service.spec().mode() == ServiceMode.REPLICATED) {
            return service.spec().replicas();
        }
        return (int) state.nodes().stream().filter(n -> n.status().state() == NodeState.READY
                && n.spec().availability() == NodeAvailability.ACTIVE).count();
    }

    /**
     * Converged: a caught-up leader for which a full pass decides nothing (the real verdicts,
     * reconcile over everything, placement), exactly the desired processes per service, every task
     * the state wants running RUNNING, and every process a task the state has RUNNING and wants
     * running. (A replacement waiting for its restart delay is placed only later, so the decisions
     * being empty now is not enough: meanwhile the old task of a start-first update still runs and
     * the count looks right, then both run at once for a moment.)
     */
    boolean quiescent() {
        SimulatedManager leader = leaderFor("client");
        if (leader == null || !leader.caughtUp()) {
            return false;
        }
        ClusterState state = leader.state;
        if (!leader.core.rules().verdicts(state, now).isEmpty()
                || !orchestrator.reconcile(state, now).isEmpty() || !scheduler.place(state, now).isEmpty()) {
            return false;
        }
        Map<String, Integer> copies = runningCopies();
        for (Service service : state.services()) {
            if (copies.getOrDefault(service.id(), 0) != desired(state, service)) {
                return false; // e.g. a restart still backing off
            }
        }
        for (Task task : state.tasks()) {
            if (task.desiredState() == TaskState.RUNNING && task.state() != TaskState.RUNNING) {
                return false; // e.g. a replacement whose restart delay has not passed: placed later
            }
        }
        for (SimulatedAgent agent : agents.values()) {
            for (SimulatedAgent.Process process : agent.processes.values()) {
                Task task = state.task(process.taskId()).orElse(null);
                if (task == null || task.state() != TaskState.RUNNING || task.desiredState() != TaskState.RUNNING) {
                    return false;
                }
            }
        }
        return true;
    }

    /** For failure messages: a service's tasks in the leader's state, nodes, and where its processes run. */
    String describe(String serviceId) {
        StringBuilder text = new StringBuilder();
        ClusterState state = state();
        state.service(serviceId).ifPresent(s -> text.append(s.spec().mode()).append(" v").append(s.version())
                .append(" replicas ").append(s.spec().replicas()).append('\n'));
        state.tasksOfService(serviceId).stream().sorted(java.util.Comparator.comparing(Task::id)).forEach(t -> text
                .append("  ").append(t.id()).append(" slot ").append(t.slot()).append(" v").append(t.serviceVersion())
                .append(" on ").append(t.nodeId()).append(' ').append(t.state()).append(" desired ")
                .append(t.desiredState()).append(" err ").append(t.status().error()).append('\n'));
        state.nodes().forEach(n -> text.append("  node ").append(n.id()).append(' ').append(n.status().state())
                .append(' ').append(n.spec().availability()).append('\n'));
        agents.values().forEach(a -> text.append("  agent ").append(a.nodeId).append(" up ").append(a.up)
                .append(" runs ").append(a.processes.keySet()).append('\n'));
        return text.toString();
    }

    /** For failure messages: the nodes in the leader's state, and whether their agents run. */
    String describeNodes() {
        StringBuilder text = new StringBuilder();
        state().nodes().forEach(n -> text.append("  node ").append(n.id()).append(' ').append(n.status().state())
                .append(" agent up ").append(agents.get(n.id()) != null && agents.get(n.id()).up).append('\n'));
        return text.toString();
    }

    /** Fenced processes started, and killed by their agent's lease running out (for the statistics). */
    int fencedStarts() {
        return agents.values().stream().mapToInt(a -> a.fencedStarts).sum();
    }

    int fencedKills() {
        return agents.values().stream().mapToInt(a -> a.fencedKills).sum();
    }

    int termsWithALeader() {
        return raft.termsWithALeader();
    }

    long committedEntries() {
        return raft.committedEntries();
    }
}
