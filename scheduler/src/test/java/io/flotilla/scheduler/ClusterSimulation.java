package io.flotilla.scheduler;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.NodeAvailability;
import io.flotilla.model.NodeRole;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * A scheduler harness in Nomad's manner: holds a ClusterState, applies every command through
 * {@link StateMachine#apply} (checking after each that task states only moved forward and that no
 * node is oversubscribed), fakes the agents and the dispatcher, and advances a fake clock. Tests
 * drive it with {@link #step()} (one leader-loop round) or {@link #converge()}.
 */
final class ClusterSimulation {
    static final Instant T0 = Instant.parse("2025-01-01T00:00:00Z");

    ClusterState state = ClusterState.EMPTY;
    Instant now = T0;
    final List<Command> log = new ArrayList<>();
    /** Commands returned by the orchestrator and scheduler in the last {@link #step()}. */
    List<Command> lastDecisions = List.of();
    /** When false, assigned tasks stay ASSIGNED (an agent that never starts them). */
    boolean agentsStartTasks = true;
    /** False: a task wanted stopped keeps running (an agent draining it before its stop signal). */
    boolean agentsStopTasks = true;
    /** Health reported for started tasks whose spec has a healthcheck. */
    String healthOnStart = "healthy";
    /** Tasks for which the agent reports FAILED (exit code 1) instead of starting them. */
    java.util.function.Predicate<Task> crashOnStart = task -> false;
    private long index;
    private int nextTaskId;
    private int nextServiceId;
    private int nextHostPort = 30000;
    final Orchestrator orchestrator;
    final Scheduler scheduler = new Scheduler();
    /**
     * When set (by {@link #checkScopedReconcile}), follows every applied command, and every
     * {@link #step()} checks that a pass over the changes since the last one decides exactly what
     * a full pass decides.
     */
    private ChangeTracker tracker;
    /** What the last command applied changed (apply's answer). */
    io.flotilla.state.Changes lastChanges = io.flotilla.state.Changes.NONE;
    private final Orchestrator checker;

    ClusterSimulation() {
        this(Orchestrator.MAX_CREATES_PER_PASS);
    }

    /** A simulation whose passes create at most {@code maxCreatesPerPass} tasks each (the rest deferred). */
    ClusterSimulation(int maxCreatesPerPass) {
        orchestrator = new Orchestrator(() -> String.format("task-%06d", ++nextTaskId), maxCreatesPerPass);
        checker = new Orchestrator(() -> "new-task", maxCreatesPerPass);
    }

    // ---- cluster setup ----

    Node addNode(String id) {
        return addNode(id, Map.of(), Resources.NONE);
    }

    Node addNode(String id, Map<String, String> labels, Resources resources) {
        Node node = new Node(id, new NodeSpec(NodeRole.WORKER, NodeAvailability.ACTIVE, labels),
                new NodeStatus(NodeState.READY, "host-" + id, "10.0.0." + (state.nodes().size() + 1), resources,
                        Set.of("process", "docker"), now, null));
        apply(new Command.UpsertNode(node));
        return node;
    }

    String createService(ServiceSpec spec) {
        String id = "svc-" + (++nextServiceId);
        apply(new Command.CreateService(id, spec, now));
        return id;
    }

    void updateService(String serviceId, ServiceSpec spec) {
        apply(new Command.UpdateService(serviceId, spec, now));
    }

    void scale(String serviceId, int replicas) {
        apply(new Command.ScaleService(serviceId, replicas, now));
    }

    void setAvailability(String nodeId, NodeAvailability availability) {
        Node node = state.node(nodeId).orElseThrow();
        apply(new Command.UpdateNodeSpec(nodeId, new NodeSpec(node.spec().role(), availability, node.spec().labels())));
    }

    /** The node stops heartbeating: the dispatcher marks it down and orphans its tasks. */
    void nodeDown(String nodeId) {
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange(nodeId, NodeState.DOWN, "heartbeat lost")), now));
        List<Command.TaskStatusUpdate> orphaned = new ArrayList<>();
        for (Task task : state.tasksOfNode(nodeId)) {
            if (!task.state().isTerminal() && task.state().compareTo(TaskState.ASSIGNED) >= 0) {
                orphaned.add(new Command.TaskStatusUpdate(task.id(), status(TaskState.ORPHANED, null, "node down")));
            }
        }
        if (!orphaned.isEmpty()) {
            apply(new Command.UpdateTaskStatuses(null, orphaned));
        }
    }

    void nodeUp(String nodeId) {
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange(nodeId, NodeState.READY, null)), now));
    }

    void removeNode(String nodeId) {
        apply(new Command.RemoveNode(nodeId));
    }

    // ---- agents ----

    void fail(Task task, int exitCode) {
        end(task, TaskState.FAILED, exitCode);
    }

    void end(Task task, TaskState state, Integer exitCode) {
        apply(new Command.UpdateTaskStatuses(task.nodeId(),
                List.of(new Command.TaskStatusUpdate(task.id(), status(state, exitCode, state.displayName())))));
    }

    /** Every agent on a READY node does one round: stop what is to stop, start what is assigned. */
    boolean runAgents() {
        boolean changed = false;
        for (Node node : List.copyOf(state.nodes())) {
            if (node.status().state() != NodeState.READY) {
                continue;
            }
            List<Command.TaskStatusUpdate> updates = new ArrayList<>();
            for (Task task : state.tasksOfNode(node.id())) {
                if (task.state().isTerminal() || task.state().compareTo(TaskState.ASSIGNED) < 0) {
                    continue;
                }
                if (task.desiredState() != TaskState.RUNNING) {
                    if (!agentsStopTasks && task.state() == TaskState.RUNNING) {
                        continue;
                    }
                    updates.add(new Command.TaskStatusUpdate(task.id(), status(TaskState.SHUTDOWN, null, "shut down")));
                } else if (agentsStartTasks && task.state() != TaskState.RUNNING) {
                    updates.add(new Command.TaskStatusUpdate(task.id(), crashOnStart.test(task)
                            ? status(TaskState.FAILED, 1, "exited") : running(task)));
                }
            }
            if (!updates.isEmpty()) {
                apply(new Command.UpdateTaskStatuses(node.id(), updates));
                changed = true;
            }
        }
        return changed;
    }

    private TaskStatus running(Task task) {
        Map<String, Integer> hostPorts = new HashMap<>();
        Service service = state.service(task.serviceId()).orElse(null);
        if (service != null) {
            for (PortSpec port : service.spec().ports()) {
                hostPorts.put(port.name(), nextHostPort++);
            }
        }
        String health = task.spec().healthcheck() == null ? null : healthOnStart;
        return new TaskStatus(TaskState.RUNNING, now, "started", null, null, 1L, null, hostPorts, health);
    }

    private TaskStatus status(TaskState state, Integer exitCode, String message) {
        return new TaskStatus(state, now, message, null, exitCode, null, null, Map.of(), null);
    }

    // ---- the leader loop ----

    /**
     * One round: reconcile → apply, place → apply, agents act, clock +1 ms. True if anything happened.
     * With {@link #checkScopedReconcile}, the slots the pass deferred (bounded creation) are carried
     * into the next scope, as the leader loop does, so the scoped pass must still decide what a
     * full pass decides, creations included.
     */
    boolean step() {
        if (tracker != null) {
            ReconcileScope scope = tracker.drain();
            assertThat(checker.reconcile(state, now, scope)).as("pass over %s", scope)
                    .isEqualTo(checker.reconcile(state, now));
        }
        Orchestrator.Pass pass = orchestrator.pass(state, now, ReconcileScope.all());
        if (tracker != null) {
            tracker.carry(pass.deferred());
        }
        List<Command> decided = new ArrayList<>(pass.commands());
        decided.forEach(this::apply);
        List<Command> placed = scheduler.place(state, now);
        placed.forEach(this::apply);
        decided.addAll(placed);
        lastDecisions = decided;
        boolean agents = runAgents();
        now = now.plusMillis(1);
        return !decided.isEmpty() || agents;
    }

    /** Steps until nothing happens any more; fails if that takes more than {@code maxSteps}. */
    void converge() {
        for (int i = 0; i < 200; i++) {
            if (!step()) {
                return;
            }
        }
        throw new AssertionError("did not converge in 200 steps; last decisions: " + lastDecisions);
    }

    void advance(Duration duration) {
        now = now.plus(duration);
    }

    /** From now on, every step checks that a scoped pass decides what a full pass decides. */
    ClusterSimulation checkScopedReconcile() {
        tracker = new ChangeTracker();
        return this;
    }

    void apply(Command command) {
        ClusterState before = state;
        StateMachine.Applied applied = StateMachine.applyWithChanges(state, ++index, command);
        state = applied.state();
        lastChanges = applied.changes();
        if (tracker != null) {
            tracker.applied(lastChanges, state);
        }
        log.add(command);
        checkForwardOnly(before, state);
        checkNoOversubscription(state);
    }

    // ---- invariants checked after every apply ----

    static void checkForwardOnly(ClusterState before, ClusterState after) {
        for (Task task : after.tasks()) {
            Task old = before.task(task.id()).orElse(null);
            if (old != null) {
                assertThat(task.state().compareTo(old.state()))
                        .as("task %s moved %s → %s", task.id(), old.state(), task.state()).isGreaterThanOrEqualTo(0);
                if (old.state().isTerminal()) {
                    assertThat(task.state()).isEqualTo(old.state());
                }
            }
        }
    }

    static void checkNoOversubscription(ClusterState state) {
        for (Node node : state.nodes()) {
            Resources offered = node.status().resources();
            long cpu = 0;
            long memory = 0;
            for (Task task : state.tasksOfNode(node.id())) {
                if (!task.state().isTerminal() && task.state().compareTo(TaskState.ASSIGNED) >= 0) {
                    cpu += task.spec().resources().reservations().nanoCpus();
                    memory += task.spec().resources().reservations().memoryBytes();
                }
            }
            if (offered.nanoCpus() > 0) {
                assertThat(cpu).as("cpu reserved on %s", node.id()).isLessThanOrEqualTo(offered.nanoCpus());
            }
            if (offered.memoryBytes() > 0) {
                assertThat(memory).as("memory reserved on %s", node.id()).isLessThanOrEqualTo(offered.memoryBytes());
            }
        }
    }

    // ---- queries ----

    List<Task> tasks(String serviceId) {
        List<Task> tasks = new ArrayList<>(state.tasksOfService(serviceId));
        tasks.sort(Comparator.comparingInt(Task::slot).thenComparing(ServiceReconciler.AGE));
        return tasks;
    }

    List<Task> active(String serviceId) {
        return tasks(serviceId).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && !t.state().isTerminal()).toList();
    }

    List<Task> running(String serviceId) {
        return tasks(serviceId).stream().filter(t -> t.state() == TaskState.RUNNING).toList();
    }

    Task activeInSlot(String serviceId, int slot) {
        return active(serviceId).stream().filter(t -> t.slot() == slot).findFirst().orElse(null);
    }
}
