package io.flotilla.manager.simulation;

import io.flotilla.manager.dispatcher.AssignmentSets;
import io.flotilla.manager.dispatcher.NodeLiveness;
import io.flotilla.manager.simulation.SimulatedManager.Entry;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Resources;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.scheduler.Orchestrator;
import io.flotilla.scheduler.Scheduler;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * A whole cluster in one thread, driven step by step on a fake clock (Kafka's
 * RaftEventSimulationTest, Nomad's harness): N manager replicas sharing a Raft-like log, fake
 * agents running fake task processes, and a message router that partitions and drops. The real
 * {@link StateMachine}, {@link Orchestrator}, {@link Scheduler}, {@link NodeLiveness} and
 * {@link AssignmentSets} make every decision; only Raft and the network are modelled:
 *
 * <ul>
 *   <li>Election: a manager that heard no leader for its timeout becomes a candidate for term+1;
 *       reachable managers with a lower term adopt the term and vote for it if its log is at least
 *       as up to date as theirs (Raft's election restriction). A majority of all managers makes
 *       it leader; it appends a no-op and becomes ready once that is committed.</li>
 *   <li>Replication: a leader copies its log to reachable followers (a follower with a higher
 *       term makes it step down); an entry of the leader's term is committed once a majority
 *       holds it, and everything before it with it. A leader without a majority for a while steps
 *       down (Ratis' leader lease).</li>
 *   <li>Leader loop: a ready leader that has applied all its own entries judges liveness, then
 *       reconciles, then places — one kind of decision per step, as the real loop submits and waits.</li>
 *   <li>Agents: each step an agent that reaches a ready leader heartbeats, says hello if unknown,
 *       takes its assignment set, starts and stops processes to match it (stopping any process not
 *       in it), and reports what differs from the leader's state.</li>
 * </ul>
 * Invariants are checked after every step by {@link #checkSafety()}.
 */
final class ManagerSimulation {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");
    static final Duration HEARTBEAT_TIMEOUT = Duration.ofSeconds(3);
    static final int LEADER_LEASE_STEPS = 6;
    /** The agents' lease (ManagerConfig.leaseTtl's default). */
    static final Duration LEASE = io.flotilla.scheduler.Fencing.DEFAULT_LEASE;

    final RandomGenerator random;
    final MessageRouter router;
    final List<SimulatedManager> managers = new ArrayList<>();
    final Map<String, SimulatedAgent> agents = new TreeMap<>();
    final Orchestrator orchestrator;
    final Scheduler scheduler = new Scheduler();
    Instant now = T0;
    long step;
    /** Tasks whose process crashes at start (a bad image). */
    Predicate<Task> crashesOnStart = task -> false;

    // ---- what the invariants remember ----
    private final Map<Long, String> leaderOfTerm = new HashMap<>();
    /** Fenced processes started, and killed by their agent's lease running out (for the statistics). */
    int fencedStarts;
    int fencedKills;
    /** The committed log as observed so far: committed entries never change. */
    final List<Entry> committed = new ArrayList<>();
    private ClusterState committedState = ClusterState.EMPTY;
    /** Entries whose commit was acknowledged (to a client, an agent or the leader loop). */
    private final List<Acknowledged> acknowledged = new ArrayList<>();
    private long nextEntryId;
    private int nextTaskId;

    /** An entry committed (and so acknowledged) by the leader of {@code term}. */
    record Acknowledged(int index, Entry entry, long term) {}

    ManagerSimulation(RandomGenerator random, int managerCount, int nodeCount) {
        this.random = random;
        this.router = new MessageRouter(random);
        this.orchestrator = new Orchestrator(() -> String.format("task-%06d", ++nextTaskId));
        for (int i = 1; i <= managerCount; i++) {
            SimulatedManager manager = new SimulatedManager("m" + i);
            manager.electionTimeoutSteps = 3 + random.nextInt(5);
            managers.add(manager);
        }
        for (int i = 1; i <= nodeCount; i++) {
            agents.put("n" + i, new SimulatedAgent("n" + i, "z" + (i % 2)));
        }
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
        return leader != null ? leader.state : committedState;
    }

    private void append(SimulatedManager leader, Command command) {
        leader.log.add(new Entry(leader.term, command, nextEntryId++));
    }

    // ---- one step ----

    void step(Duration elapsed) {
        step++;
        now = now.plus(elapsed);
        for (SimulatedManager manager : managers) {
            maybeStartElection(manager);
        }
        for (SimulatedManager manager : managers) {
            if (manager.isLeader()) {
                replicate(manager);
            }
        }
        for (SimulatedManager manager : managers) {
            if (manager.up) {
                manager.applyCommitted();
            }
        }
        for (SimulatedManager manager : managers) {
            if (manager.caughtUp()) {
                leaderLoop(manager);
            }
        }
        for (SimulatedAgent agent : agents.values()) {
            if (agent.up) {
                agentRound(agent);
                fence(agent);
            }
        }
        checkSafety();
        checkFencedSlots();
    }

    /** The agent's dead man's switch: past its lease, its fenced processes are killed (and reported FAILED). */
    private void fence(SimulatedAgent agent) {
        if (agent.leaseUntil != null && !now.isAfter(agent.leaseUntil)) {
            return;
        }
        for (SimulatedAgent.Process process : List.copyOf(agent.processes.values())) {
            if (process.fenced()) {
                agent.processes.remove(process.taskId());
                fencedKills++;
                agent.ended.put(process.taskId(), status(TaskState.FAILED, 137, "fenced")
                        .withError("fenced: node lost its lease with the managers"));
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

    private void maybeStartElection(SimulatedManager candidate) {
        if (!candidate.up || candidate.isLeader() || step - candidate.lastHeardStep < candidate.electionTimeoutSteps) {
            return;
        }
        candidate.term++;
        candidate.lastHeardStep = step;
        int votes = 1;
        for (SimulatedManager voter : managers) {
            if (voter == candidate || !voter.up || !router.deliver(candidate.id, voter.id) || voter.term >= candidate.term) {
                continue;
            }
            voter.stepDown(candidate.term);
            boolean upToDate = candidate.lastLogTerm() > voter.lastLogTerm()
                    || candidate.lastLogTerm() == voter.lastLogTerm() && candidate.log.size() >= voter.log.size();
            if (upToDate && router.deliver(voter.id, candidate.id)) {
                votes++;
                voter.lastHeardStep = step;
            }
        }
        if (votes * 2 > managers.size()) {
            candidate.becomeLeader(step, now);
        }
    }

    private void replicate(SimulatedManager leader) {
        int reached = 1;
        for (SimulatedManager follower : managers) {
            if (follower == leader || !follower.up || !router.deliver(leader.id, follower.id)) {
                continue;
            }
            if (follower.term > leader.term) {
                leader.stepDown(follower.term);
                return;
            }
            follower.stepDown(leader.term);
            follower.lastHeardStep = step;
            follower.log.clear();
            follower.log.addAll(leader.log); // AppendEntries, reduced: the leader's log wins
            if (router.deliver(follower.id, leader.id)) {
                leader.matchIndex.put(follower.id, leader.log.size());
                reached++;
            }
        }
        if (reached * 2 > managers.size()) {
            leader.lastMajorityContactStep = step;
        } else if (step - leader.lastMajorityContactStep > LEADER_LEASE_STEPS) {
            leader.stepDown(leader.term);
            return;
        }
        leader.lastHeardStep = step;
        for (int index = leader.log.size(); index > leader.commitIndex; index--) {
            if (leader.log.get(index - 1).term() != leader.term) {
                break; // only entries of its own term are committed by counting (Raft §5.4.2)
            }
            int holders = 1;
            for (Map.Entry<String, Integer> match : leader.matchIndex.entrySet()) {
                if (match.getValue() >= index) {
                    holders++;
                }
            }
            if (holders * 2 > managers.size()) {
                commit(leader, index);
                break;
            }
        }
        for (SimulatedManager follower : managers) {
            if (follower != leader && follower.up && follower.term == leader.term
                    && leader.matchIndex.getOrDefault(follower.id, 0) >= leader.commitIndex
                    && follower.log.size() >= leader.commitIndex) {
                follower.commitIndex = Math.max(follower.commitIndex, leader.commitIndex);
            }
        }
    }

    /** The leader commits up to {@code index}: the entries become part of the one committed log, and are acknowledged. */
    private void commit(SimulatedManager leader, int index) {
        for (int i = 0; i < index; i++) {
            Entry entry = leader.log.get(i);
            if (i < committed.size()) {
                if (!committed.get(i).equals(entry)) {
                    throw new AssertionError("committed entry " + i + " changed: " + committed.get(i) + " → " + entry
                            + " (leader " + leader.id + ", term " + leader.term + ")");
                }
            } else {
                committed.add(entry);
                acknowledged.add(new Acknowledged(i, entry, leader.term));
                if (entry.command() != null) {
                    ClusterState before = committedState;
                    committedState = StateMachine.apply(committedState, i + 1, entry.command());
                    checkForwardOnly(before, committedState, entry);
                }
            }
        }
        leader.commitIndex = index;
    }

    private void leaderLoop(SimulatedManager leader) {
        ClusterState state = leader.state;
        List<Command> decided = NodeLiveness.verdicts(state, leader.heartbeats, now, HEARTBEAT_TIMEOUT, LEASE);
        if (decided.isEmpty()) {
            decided = orchestrator.reconcile(state, now);
        }
        if (decided.isEmpty()) {
            decided = scheduler.place(state, now);
        }
        decided.forEach(command -> append(leader, command));
    }

    private void agentRound(SimulatedAgent agent) {
        SimulatedManager leader = leaderFor(agent.nodeId);
        if (leader == null || !router.deliver(agent.nodeId, leader.id)) {
            return;
        }
        leader.heartbeats.record(agent.nodeId, now);
        if (step - leader.lastMajorityContactStep <= 1) {
            // the answer grants a lease only from a leader that heard from a majority lately (Dispatcher.status)
            agent.leaseUntil = agent.leaseUntil == null || now.plus(LEASE).isAfter(agent.leaseUntil)
                    ? now.plus(LEASE) : agent.leaseUntil;
        }
        ClusterState state = leader.state;
        Node node = state.node(agent.nodeId).orElse(null);
        if (node == null) {
            append(leader, new Command.UpsertNode(new Node(agent.nodeId,
                    new NodeSpec(NodeRole.WORKER, NodeAvailability.ACTIVE, Map.of("zone", agent.zone)),
                    new NodeStatus(NodeState.READY, "host-" + agent.nodeId, "10.0.0." + agent.nodeId.substring(1),
                            Resources.NONE, Set.of("process"), now, "ready"))));
            return;
        }
        if (node.status().state() != NodeState.READY) {
            append(leader, new Command.SetNodeStates(List.of(
                    new Command.NodeStateChange(agent.nodeId, NodeState.READY, "heartbeat resumed")), now));
            Command clear = NodeLiveness.backAgain(state, agent.nodeId);
            if (clear != null) {
                append(leader, clear);
            }
        }
        AssignmentSet set = AssignmentSets.of(state, agent.nodeId);
        Map<String, Task> assigned = new TreeMap<>();
        set.tasks().forEach(task -> assigned.put(task.id(), task));
        // stop what is no longer in the set (replaced while this node was away, or removed)
        agent.processes.keySet().removeIf(taskId -> !assigned.containsKey(taskId));
        agent.ended.keySet().removeIf(taskId -> !assigned.containsKey(taskId));
        List<Command.TaskStatusUpdate> updates = new ArrayList<>();
        for (Task task : assigned.values()) {
            TaskStatus ended = agent.ended.get(task.id());
            if (ended != null) {
                updates.add(new Command.TaskStatusUpdate(task.id(), ended));
            } else if (task.desiredState() != TaskState.RUNNING) {
                agent.processes.remove(task.id());
                TaskStatus stopped = status(TaskState.SHUTDOWN, null, "shut down");
                agent.ended.put(task.id(), stopped);
                updates.add(new Command.TaskStatusUpdate(task.id(), stopped));
            } else if (agent.runs(task)) {
                if (task.state() != TaskState.RUNNING) {
                    updates.add(new Command.TaskStatusUpdate(task.id(), status(TaskState.RUNNING, null, "started")));
                }
            } else if (task.state().compareTo(TaskState.RUNNING) >= 0) {
                TaskStatus lost = status(TaskState.FAILED, null, "process lost").withError("the node restarted");
                agent.ended.put(task.id(), lost);
                updates.add(new Command.TaskStatusUpdate(task.id(), lost));
            } else if (crashesOnStart.test(task)) {
                TaskStatus crashed = status(TaskState.FAILED, 1, "exited").withError("exit code 1");
                agent.ended.put(task.id(), crashed);
                updates.add(new Command.TaskStatusUpdate(task.id(), crashed));
            } else if (fenced(task) && (agent.leaseUntil == null || now.isAfter(agent.leaseUntil))) {
                continue; // no lease, no fenced start
            } else {
                agent.processes.put(task.id(), new SimulatedAgent.Process(task.id(), task.serviceId(), task.slot(),
                        fenced(task)));
                fencedStarts += fenced(task) ? 1 : 0;
                updates.add(new Command.TaskStatusUpdate(task.id(), status(TaskState.RUNNING, null, "started")));
            }
        }
        if (!updates.isEmpty()) {
            append(leader, new Command.UpdateTaskStatuses(agent.nodeId, updates));
        }
    }

    private static boolean fenced(Task task) {
        return "lease".equals(task.injectedEnv().get(io.flotilla.scheduler.Fencing.FENCING_ENV));
    }

    private TaskStatus status(TaskState state, Integer exitCode, String message) {
        return new TaskStatus(state, now, message, null, exitCode, exitCode == null && state == TaskState.RUNNING ? 1L : null,
                null, Map.of(), null);
    }

    // ---- faults ----

    void crashManager(SimulatedManager manager) {
        manager.crash();
    }

    void restartManager(SimulatedManager manager) {
        if (!manager.up) {
            manager.up = true;
            manager.lastHeardStep = step;
        }
    }

    /** The process of a running task dies (exit code 1); the agent reports it. */
    void failProcess(SimulatedAgent agent, String taskId) {
        if (agent.processes.remove(taskId) != null) {
            agent.ended.put(taskId, status(TaskState.FAILED, 1, "exited").withError("exit code 1"));
        }
    }

    // ---- invariants ----

    /**
     * After every step: one leader per term; no acknowledged entry missing from the log of a leader
     * of the same or a later term; every manager's committed prefix is the committed log.
     */
    void checkSafety() {
        for (SimulatedManager manager : managers) {
            if (manager.isLeader()) {
                String previous = leaderOfTerm.putIfAbsent(manager.term, manager.id);
                if (previous != null && !previous.equals(manager.id)) {
                    throw new AssertionError("two leaders in term " + manager.term + ": " + previous + " and " + manager.id);
                }
                for (Acknowledged ack : acknowledged) {
                    if (ack.term() > manager.term) {
                        continue; // a stale leader of an older term, cut off: not a later leader
                    }
                    if (ack.index() >= manager.log.size() || !manager.log.get(ack.index()).equals(ack.entry())) {
                        throw new AssertionError("leader " + manager.id + " (term " + manager.term + ") lost acknowledged entry "
                                + ack.index() + ": " + ack.entry());
                    }
                }
            }
            if (manager.up) {
                for (int i = 0; i < manager.commitIndex; i++) {
                    if (i >= committed.size() || !manager.log.get(i).equals(committed.get(i))) {
                        throw new AssertionError(manager.id + " committed entry " + i + " differs from the committed log");
                    }
                }
            }
        }
    }

    private static void checkForwardOnly(ClusterState before, ClusterState after, Entry entry) {
        for (Task task : after.tasks()) {
            Task old = before.task(task.id()).orElse(null);
            if (old != null && (task.state().compareTo(old.state()) < 0 || old.state().isTerminal() && task.state() != old.state())) {
                throw new AssertionError("task " + task.id() + " moved back " + old.state() + " → " + task.state()
                        + " applying " + entry);
            }
        }
    }

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
     * Converged: a caught-up leader whose loop decides nothing, exactly the desired processes per
     * service, and every process a task the state has RUNNING and wants running.
     */
    boolean quiescent() {
        SimulatedManager leader = leaderFor("client");
        if (leader == null || !leader.caughtUp()) {
            return false;
        }
        ClusterState state = leader.state;
        if (!NodeLiveness.verdicts(state, leader.heartbeats, now, HEARTBEAT_TIMEOUT).isEmpty()
                || !orchestrator.reconcile(state, now).isEmpty() || !scheduler.place(state, now).isEmpty()) {
            return false;
        }
        Map<String, Integer> copies = runningCopies();
        for (Service service : state.services()) {
            if (copies.getOrDefault(service.id(), 0) != desired(state, service)) {
                return false; // e.g. a restart still backing off
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

    int termsWithALeader() {
        return leaderOfTerm.size();
    }

    long committedEntries() {
        return committed.size();
    }
}
