package io.flotilla.state;

import io.flotilla.model.Command.AssignTasks;
import io.flotilla.model.Command.CreateService;
import io.flotilla.model.Command.CreateTasks;
import io.flotilla.model.Command.DeleteTasks;
import io.flotilla.model.Command.DeployStack;
import io.flotilla.model.Command.RebalanceDone;
import io.flotilla.model.Command.RebalanceService;
import io.flotilla.model.Command.RemoveNode;
import io.flotilla.model.Command.RemoveService;
import io.flotilla.model.Command.RemoveStack;
import io.flotilla.model.Command.RollbackService;
import io.flotilla.model.Command.ScaleService;
import io.flotilla.model.Command.SetDesiredStates;
import io.flotilla.model.Command.SetNodeStates;
import io.flotilla.model.Command.UpdateNodeSpec;
import io.flotilla.model.Command.UpdateService;
import io.flotilla.model.Command.UpdateServiceStatus;
import io.flotilla.model.Command.UpdateTaskStatuses;
import io.flotilla.model.Command.UpsertNode;
import io.flotilla.model.Command;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.Volume;
import io.flotilla.model.VolumeMount;
import java.time.Instant;
import java.util.HashSet;
import java.util.Set;

/**
 * The one function that changes the cluster: {@code apply(state, index, command) → state}.
 *
 * <p>Deterministic: it reads no clock, draws no random number and does no I/O; ids and instants
 * come in the command. Every replica applying the same log reaches the same state. A command that
 * refers to something gone (a task deleted meanwhile, a node removed) changes nothing: handlers
 * validate before proposing, and races between proposals are harmless.
 *
 * <p>Task states only move forward: a status update that would move a task back is dropped.
 *
 * <p>{@link #applyWithChanges} also says what the command changed ({@link Changes}): the one place
 * that knows each command, so whoever follows the log reads that answer instead of working it out
 * from the command again. A new command is handled here and nowhere else.
 *
 * <p>It also derives the entry's events ({@link EventDerivation}) and appends them to the state's
 * {@link EventLog}: the history {@code GET /v1/events} serves is a function of the log.
 */
public final class StateMachine {
    private StateMachine() {}

    /** The state after a command, and what the command changed in it. */
    public record Applied(ClusterState state, Changes changes) {}

    /** Applies {@code command} at log index {@code index}: the new state. */
    public static ClusterState apply(ClusterState state, long index, Command command) {
        return applyWithChanges(state, index, command).state();
    }

    /**
     * Applies {@code command} at log index {@code index}, and says what it changed: the building
     * blocks note what they write, and what differs from {@code state} among those is the change set
     * (exact, whatever the command). The stamps of the nodes' assignment sets follow it.
     */
    public static Applied applyWithChanges(ClusterState state, long index, Command command) {
        Changes.Written written = new Changes.Written();
        ClusterState next = NetworkFollow.follow(state, written, change(state.recording(written), command));
        Changes changes = Changes.between(state, written, next);
        ClusterState applied = next.applied(index, changes, state);
        java.util.List<io.flotilla.model.ClusterEvent> events = EventDerivation.derive(state, command, applied, changes, index);
        return new Applied(events.isEmpty() ? applied : applied.withEvents(applied.events().append(events)), changes);
    }

    private static ClusterState change(ClusterState state, Command command) {
        return switch (command) {
            case DeployStack c -> deployStack(state, c);
            case RemoveStack c -> {
                ClusterState s = state;
                for (Service service : state.servicesOfStack(c.stack())) {
                    s = removeService(s, service.id());
                }
                yield FileCommands.removeOfStack(NetworkCommands.removeOfStack(s, c.stack(), Set.of()), c.stack(), Set.of());
            }
            case Command.CreateFile c -> FileCommands.create(state, c);
            case Command.UpdateFile c -> FileCommands.update(state, c);
            case Command.RemoveFile c -> FileCommands.remove(state, c);
            case Command.CreateNetwork c -> NetworkCommands.create(state, c);
            case Command.RemoveNetwork c -> NetworkCommands.remove(state, c);
            case Command.StoreImage c -> state.withImages(state.images().store(c.image()));
            case Command.ImageHeld c -> state.withImages(state.images().held(c.digest(), c.nodeId()));
            case CreateService c -> state.serviceByName(c.spec().name()).isPresent() || state.service(c.serviceId()).isPresent()
                    ? state
                    : state.putService(Service.created(c.serviceId(), c.spec(), c.at()));
            case UpdateService c -> state.service(c.serviceId())
                    .map(service -> state.putService(service.withSpec(c.spec(), c.at(), c.force())))
                    .orElse(state);
            case RollbackService c -> state.service(c.serviceId())
                    .filter(service -> service.version() == c.fromVersion() && service.previousSpec() != null)
                    .map(service -> state.putService(service.rolledBack(c.at(), c.reason())))
                    .orElse(state);
            case UpdateServiceStatus c -> state.service(c.serviceId())
                    .filter(service -> service.version() == c.version())
                    .map(service -> state.putService(service.withUpdateStatus(c.status())))
                    .orElse(state);
            case RebalanceService c -> state.service(c.serviceId())
                    .map(service -> state.putService(service.withRebalanceRequestedAt(c.at())))
                    .orElse(state);
            case RebalanceDone c -> state.service(c.serviceId())
                    .filter(service -> c.requestedAt().equals(service.rebalanceRequestedAt()))
                    .map(service -> state.putService(service.withRebalanceRequestedAt(null)))
                    .orElse(state);
            case RemoveService c -> removeService(state, c.serviceId());
            case ScaleService c -> state.service(c.serviceId())
                    .map(service -> state.putService(service.withSpec(service.spec().withReplicas(c.replicas()), c.at())))
                    .orElse(state);
            case CreateTasks c -> createTasks(state, c);
            case SetDesiredStates c -> setDesiredStates(state, c);
            case AssignTasks c -> assignTasks(state, c);
            case UpdateTaskStatuses c -> updateTaskStatuses(state, c);
            case DeleteTasks c -> {
                ClusterState s = state;
                for (String id : c.taskIds()) {
                    s = s.removeTask(id);
                }
                yield s;
            }
            case UpsertNode c -> upsertNode(state, c.node());
            case Command.UpsertNodes c -> {
                ClusterState s = state;
                for (Node node : c.nodes()) {
                    s = upsertNode(s, node);
                }
                yield s;
            }
            case SetNodeStates c -> {
                ClusterState s = state;
                for (Command.NodeStateChange change : c.changes()) {
                    Node node = s.node(change.nodeId()).orElse(null);
                    if (node != null) {
                        s = s.putNode(node.withStatus(node.status().withState(change.state(), c.at(), change.message())));
                    }
                }
                yield s;
            }
            case UpdateNodeSpec c -> state.node(c.nodeId())
                    .map(node -> state.putNode(node.withSpec(c.spec())))
                    .orElse(state);
            case Command.PatchNodeSpec c -> state.node(c.nodeId())
                    .map(node -> state.putNode(node.withSpec(c.patch().applyTo(node.spec()))))
                    .orElse(state);
            // The id goes on the deny list: its certificates are refused from this entry on.
            // A removed node no longer holds up a CA rotation.
            case RemoveNode c -> state.cluster() == null ? state.removeNode(c.nodeId())
                    : CaRotations.completeIfDone(state.removeNode(c.nodeId())
                            .withCluster(state.cluster().withRemoved(java.util.List.of(c.nodeId()))));
            // A token rotation is read-modify-write of the config: it must never drop a removal
            // applied meanwhile, so the deny list only grows; the CA fields are the state's own.
            case Command.SetClusterConfig c -> state.withCluster(state.cluster() == null ? c.config()
                    : c.config().withRemoved(state.cluster().removedNodes())
                            .withCa(state.cluster().caRoot(), state.cluster().caRotation()));
            case Command.StartCaRotation c -> CaRotations.start(state, c.rotation());
            case Command.CaCertificateIssued c -> CaRotations.issued(state, c.nodeId(), c.rootDigest());
            case Command.RemoveVolumes c -> {
                ClusterState s = state;
                for (String name : c.names()) {
                    if (s.tasksUsingVolume(name).isEmpty()) {
                        s = s.removeVolume(name);
                    }
                }
                yield s;
            }
            case Command.RegisterEndpoints c -> {
                ClusterState s = state;
                for (io.flotilla.model.Registration registration : c.registrations()) {
                    if (admitsRegistration(s, s.registrations(), registration)) {
                        s = s.putRegistration(registration);
                    }
                }
                yield s;
            }
            // They change nothing but the event history, which applyWithChanges derives from them.
            case Command.LeaderChanged c -> state;
            case Command.RecordAudit c -> state;
            case Command.RedeemLogin c -> state.withLogins(state.logins().redeem(c.tokenId(), c.use(), c.expires(), c.at()));
            case Command.DeregisterEndpoints c -> {
                ClusterState s = state;
                for (String id : c.registrationIds()) {
                    s = s.removeRegistration(id);
                }
                yield s;
            }
        };
    }

    /**
     * A registration may not take a task's id (its endpoint would replace the task's in the
     * service's set) nor replace another owner's registration. The API never proposes either (ids
     * are the server's); this keeps a crafted or replayed log entry from doing it.
     */
    private static boolean admitsRegistration(ClusterState state, Registrations registrations,
                                              io.flotilla.model.Registration registration) {
        if (state.task(registration.id()).isPresent()) {
            return false;
        }
        return registrations.get(registration.id())
                .map(existing -> java.util.Objects.equals(existing.owner(), registration.owner()))
                .orElse(true);
    }

    /** A known node keeps its operator spec and takes the incoming status; an unknown one is added as it is. */
    /**
     * A removed node never comes back under its id: a hello that was on its way when the removal
     * committed (the node's process keeps running) is dropped, so the removal holds. The node joins
     * again as a new node, with a new data directory.
     */
    private static ClusterState upsertNode(ClusterState state, Node incoming) {
        if (state.cluster() != null && state.cluster().removedNodes().contains(incoming.id())) {
            return state;
        }
        return state.node(incoming.id())
                .map(existing -> state.putNode(existing.withStatus(incoming.status())))
                .orElseGet(() -> state.putNode(incoming));
    }

    private static ClusterState deployStack(ClusterState state, DeployStack c) {
        ClusterState s = NetworkCommands.deploy(state, c);
        s = s == null ? null : FileCommands.deploy(s, c);
        if (s == null) {
            return state;
        }
        Set<String> listed = new HashSet<>();
        for (ServiceSpec spec : c.services()) {
            listed.add(spec.name());
            Service existing = s.serviceByName(spec.name()).orElse(null);
            if (existing != null) {
                s = s.putService(existing.withSpec(spec, c.at()));
            } else {
                String id = c.newServiceIds().get(spec.name());
                if (id != null && s.service(id).isEmpty()) {
                    s = s.putService(Service.created(id, spec, c.at()));
                }
            }
        }
        for (Service service : state.servicesOfStack(c.stack())) {
            if (!listed.contains(service.spec().name())) {
                s = removeService(s, service.id());
            }
        }
        return FileCommands.afterDeploy(NetworkCommands.afterDeploy(s, c), c);
    }

    /**
     * Removes a service. Its tasks that never reached a node are deleted at once; the others are
     * asked to shut down, and the orchestrator deletes them once their agent reports them ended.
     */
    private static ClusterState removeService(ClusterState state, String serviceId) {
        ClusterState s = state.removeService(serviceId);
        for (Task task : state.tasksOfService(serviceId)) {
            if (task.state().compareTo(TaskState.ASSIGNED) < 0) { // incl. global tasks pre-placed, never assigned
                s = s.removeTask(task.id());
            } else if (task.desiredState() != TaskState.SHUTDOWN) {
                s = s.putTask(task.withDesiredState(TaskState.SHUTDOWN));
            }
        }
        return s;
    }

    private static ClusterState createTasks(ClusterState state, CreateTasks c) {
        ClusterState s = state;
        Canonical canonical = new Canonical();
        for (Task task : c.tasks()) {
            Service service = s.service(task.serviceId()).orElse(null);
            if (s.task(task.id()).isEmpty() && service != null) {
                s = s.putTask(canonical.task(task, service, task.nodeId() == null ? null : s.node(task.nodeId()).orElse(null)));
            }
        }
        return s;
    }

    /**
     * The task with its template replaced by the service's own template object when they are
     * equal (the current spec's, or the previous one's), its service id and name by the service's,
     * its instants and status words shared (see {@link Canonical}): decoded from the log, every
     * task holds its own copies, and a million tasks of one service would hold a million equal
     * templates. Equal values, so the state is the same; only the heap differs.
     */
    static Task shareTemplate(Task task, Service service) {
        return new Canonical().task(task, service, null);
    }

    private static ClusterState setDesiredStates(ClusterState state, SetDesiredStates c) {
        ClusterState s = state;
        for (Command.DesiredStateChange change : c.changes()) {
            Task task = s.task(change.taskId()).orElse(null);
            if (task == null || task.desiredState() == change.desiredState()) {
                continue;
            }
            Task changed = task.withDesiredState(change.desiredState());
            // A task that never reached a node has nobody to stop it: it ends here.
            // (A global task is created pre-placed, with nodeId set, but is not ASSIGNED until scheduled.)
            if (task.state().compareTo(TaskState.ASSIGNED) < 0 && change.desiredState().isTerminal()) {
                changed = changed.withStatus(TaskStatus.of(TaskState.SHUTDOWN, c.at(), "shut down before it was assigned"));
            }
            s = s.putTask(changed);
        }
        return s;
    }

    private static ClusterState assignTasks(ClusterState state, AssignTasks c) {
        ClusterState s = state;
        for (Command.Assignment assignment : c.assignments()) {
            Task task = s.task(assignment.taskId()).orElse(null);
            if (task == null || (task.nodeId() != null && !task.nodeId().equals(assignment.nodeId()))
                    || task.state().compareTo(TaskState.ASSIGNED) >= 0
                    || task.desiredState() != TaskState.RUNNING || s.node(assignment.nodeId()).isEmpty()) {
                continue;
            }
            String nodeId = s.node(assignment.nodeId()).orElseThrow().id(); // the node's own string, not the decoded copy
            ClusterState bound = bindVolumes(s, task, nodeId, c.at());
            if (bound == null) {
                continue;
            }
            s = bound.putTask(task.withAssignment(nodeId, assignment.allocation(),
                    TaskStatus.of(TaskState.ASSIGNED, c.at(), "assigned to node")));
        }
        return s;
    }

    /**
     * Records the named volumes of a task being assigned to {@code nodeId}: a volume the state does
     * not hold yet appears (bound to the node for a node-local driver); a node-local volume bound to
     * another node is rebound only when the service's policy is {@code on_node_loss: recreate} (the
     * scheduler moved it on purpose). Otherwise the assignment would put the task away from its
     * data, and null says to skip it: the scheduler never asks for that, this is the last guard.
     */
    private static ClusterState bindVolumes(ClusterState state, Task task, String nodeId, Instant at) {
        if (task.spec().volumes().isEmpty()) {
            return state;
        }
        Service service = state.service(task.serviceId()).orElse(null);
        boolean stateful = service != null && service.spec().stateful();
        boolean recreate = service != null && ServiceSpec.ON_NODE_LOSS_RECREATE.equals(service.spec().onNodeLoss());
        ClusterState s = state;
        for (VolumeMount mount : task.spec().volumes()) {
            if (!mount.named()) {
                continue;
            }
            String name = mount.instanceName(task.slot(), stateful);
            boolean local = mount.options().nodeLocal();
            Volume existing = s.volume(name).orElse(null);
            if (existing == null) {
                String stack = mount.options().external() || service == null ? null : service.spec().stack();
                s = s.putVolume(new Volume(name, mount.options(), stack, local ? nodeId : null, at,
                        task.serviceName(), stateful ? task.slot() : 0));
            } else if (existing.options().nodeLocal() && !nodeId.equals(existing.nodeId())) {
                if (existing.nodeId() != null && !recreate) {
                    return null;
                }
                s = s.putVolume(existing.withNode(nodeId));
            }
        }
        return s;
    }

    private static ClusterState updateTaskStatuses(ClusterState state, UpdateTaskStatuses c) {
        ClusterState s = state;
        Canonical canonical = new Canonical();
        for (Command.TaskStatusUpdate update : c.updates()) {
            Task task = s.task(update.taskId()).orElse(null);
            if (task == null) {
                continue;
            }
            if (c.reporterNodeId() != null && !c.reporterNodeId().equals(task.nodeId())) {
                continue;
            }
            TaskStatus status = update.status();
            if (!task.state().canMoveTo(status.state())) {
                continue;
            }
            if (status.timestamp().isBefore(task.status().timestamp()) && status.state() == task.state()) {
                continue;
            }
            s = s.putTask(task.withStatus(canonical.status(status)));
        }
        return s;
    }
}
