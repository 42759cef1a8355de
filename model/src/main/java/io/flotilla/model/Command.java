package io.flotilla.model;

import com.fasterxml.jackson.annotation.JsonCreator;
import com.fasterxml.jackson.annotation.JsonProperty;
import java.time.Instant;
import java.util.List;
import java.util.Map;

/**
 * Everything that changes the cluster. Commands are appended to the Raft log and applied by one
 * deterministic function, so they carry every id and instant they need: applying reads no clock
 * and draws no random number. Lists batch many changes into one log entry.
 */
@CommandTypes
public sealed interface Command {

    /**
     * Make a stack's services match {@code services}: create the missing ones (with the ids in
     * {@code newServiceIds}, keyed by full name), update the others, remove the stack's services
     * that are no longer listed. First its {@code networks}: the missing ones are made (ids in
     * {@code newNetworkIds}, by name), the stack's networks no longer listed are removed; the
     * {@code externalNetworks} must exist. When a network cannot be made (its subnet overlaps
     * another's) or an external one is missing, nothing changes. Entries written before networks
     * existed read with none.
     *
     * <p>Then its secrets and configs ({@code files}, the stack's own and its external ones): each
     * of {@code fileVersions} makes an own one (version 1) or gives it its next version; an own one
     * listed without a version is unchanged; the stack's own ones no longer listed (and used by no
     * service) are removed. When an external one is missing, a version is not the next one (another
     * write came first) or a service names a file the stack does not list, nothing changes.
     */
    record DeployStack(String stack, List<ServiceSpec> services, Map<String, String> newServiceIds, Instant at,
                       List<NetworkSpec> networks, List<String> externalNetworks, Map<String, String> newNetworkIds,
                       List<FileSpec> files, List<FileVersion> fileVersions)
            implements Command {
        public DeployStack {
            Checks.requireText(stack, "stack");
            services = Checks.list(services);
            newServiceIds = Checks.map(newServiceIds);
            networks = Checks.list(networks);
            externalNetworks = Checks.list(externalNetworks);
            newNetworkIds = Checks.map(newNetworkIds);
            files = Checks.list(files);
            fileVersions = Checks.list(fileVersions);
        }

        /** A stack without secrets or configs. */
        public DeployStack(String stack, List<ServiceSpec> services, Map<String, String> newServiceIds, Instant at,
                           List<NetworkSpec> networks, List<String> externalNetworks, Map<String, String> newNetworkIds) {
            this(stack, services, newServiceIds, at, networks, externalNetworks, newNetworkIds, List.of(), List.of());
        }

        /** A stack without networks of its own. */
        public DeployStack(String stack, List<ServiceSpec> services, Map<String, String> newServiceIds, Instant at) {
            this(stack, services, newServiceIds, at, List.of(), List.of(), Map.of());
        }
    }

    /**
     * {@code network create}: the network, with a VXLAN id and (unless the spec names one) a subnet
     * from the cluster's pool, allocated in apply. Refused in apply (nothing changes) when the name
     * is taken or the subnet overlaps another network's: the API checks the same first.
     */
    record CreateNetwork(String networkId, NetworkSpec spec, Instant at) implements Command {
        public CreateNetwork {
            Checks.requireText(networkId, "network id");
            java.util.Objects.requireNonNull(spec, "spec");
        }
    }

    /**
     * {@code network rm}: a no-op while a service uses the network or a stack owns it. Tasks still
     * ending on it keep their addresses; the network goes with the last of them.
     */
    record RemoveNetwork(String name, Instant at) implements Command {
        public RemoveNetwork {
            Checks.requireText(name, "network name");
        }
    }

    /**
     * A version of a stack's own secret or config in a {@link DeployStack}: {@code version} 1 makes
     * it (with {@code id}), a higher one replaces the content of version {@code version - 1}.
     */
    record FileVersion(FileKind kind, String name, String id, long version, SealedData sealed) {
        public FileVersion {
            java.util.Objects.requireNonNull(kind, "kind");
            Checks.requireText(name, "file name");
            Checks.requireText(id, "file id");
            java.util.Objects.requireNonNull(sealed, "sealed");
        }
    }

    /**
     * {@code secret|config create}: the object as made (version 1, no stack). A no-op when the
     * name is taken (the API refuses that first).
     */
    record CreateFile(ClusterFile file) implements Command {
        public CreateFile {
            java.util.Objects.requireNonNull(file, "file");
        }
    }

    /**
     * {@code secret|config update}: {@code sealed} becomes version {@code version}; applied only
     * while the object is at {@code version - 1} (the content was sealed for that version).
     */
    record UpdateFile(FileKind kind, String name, long version, SealedData sealed, Instant at) implements Command {
        public UpdateFile {
            java.util.Objects.requireNonNull(kind, "kind");
            Checks.requireText(name, "file name");
            java.util.Objects.requireNonNull(sealed, "sealed");
        }
    }

    /** {@code secret|config rm}: a no-op while a service uses it or a stack owns it. */
    record RemoveFile(FileKind kind, String name, Instant at) implements Command {
        public RemoveFile {
            java.util.Objects.requireNonNull(kind, "kind");
            Checks.requireText(name, "file name");
        }
    }

    record RemoveStack(String stack, Instant at) implements Command {}

    record CreateService(String serviceId, ServiceSpec spec, Instant at) implements Command {}

    /** A new spec for a service; {@code force} starts a rolling update even if the tasks would not change. */
    record UpdateService(String serviceId, ServiceSpec spec, Instant at, boolean force) implements Command {
        public UpdateService(String serviceId, ServiceSpec spec, Instant at) {
            this(serviceId, spec, at, false);
        }
    }

    /**
     * Back to the service's previous spec, as a new version, with the update status at
     * rollback_started. Applied only while the service is still at {@code fromVersion} (so a
     * decision made before a newer update changes nothing) and has a previous spec.
     */
    record RollbackService(String serviceId, long fromVersion, Instant at, String reason) implements Command {}

    /** The orchestrator's verdict on an update; applied only while the service is still at {@code version}. */
    record UpdateServiceStatus(String serviceId, long version, ServiceUpdateStatus status) implements Command {}

    /** {@code service rebalance}: asks the orchestrator to spread the service's tasks again. */
    record RebalanceService(String serviceId, Instant at) implements Command {}

    /** The orchestrator found nothing more to move: clears the request made at {@code requestedAt}. */
    record RebalanceDone(String serviceId, Instant requestedAt) implements Command {}

    record RemoveService(String serviceId, Instant at) implements Command {}

    record ScaleService(String serviceId, int replicas, Instant at) implements Command {}

    /**
     * New tasks. In the log the template is written once per run of tasks of the same service
     * version, not once per task ({@link CreateTasksJson}); older entries (full tasks) still read.
     */
    @com.fasterxml.jackson.databind.annotation.JsonSerialize(using = CreateTasksJson.Serializer.class)
    @com.fasterxml.jackson.databind.annotation.JsonDeserialize(using = CreateTasksJson.Deserializer.class)
    record CreateTasks(List<Task> tasks) implements Command {
        public CreateTasks {
            tasks = Checks.list(tasks);
        }
    }

    record DesiredStateChange(String taskId, TaskState desiredState) {}

    record SetDesiredStates(List<DesiredStateChange> changes, Instant at) implements Command {
        public SetDesiredStates {
            changes = Checks.list(changes);
        }
    }

    /**
     * The scheduler's decision: {@code taskId} runs on {@code nodeId}, with {@code allocation}
     * (fencing, slot volumes, the dependencies' chosen addresses).
     */
    record Assignment(String taskId, String nodeId, TaskAllocation allocation) {
        public Assignment {
            allocation = allocation == null ? TaskAllocation.NONE : allocation;
        }

        /** A plain assignment: not fenced, no dependency. */
        public Assignment(String taskId, String nodeId) {
            this(taskId, nodeId, TaskAllocation.NONE);
        }

        /**
         * Reads an entry of the log: the {@code allocation} written now, or the {@code env} an
         * older leader wrote ({@code FLOTILLA_FENCING}, {@code FLOTILLA_SLOT}, the dependencies'
         * variables), read as the same decision.
         */
        @JsonCreator
        static Assignment fromJson(@JsonProperty("taskId") String taskId, @JsonProperty("nodeId") String nodeId,
                                   @JsonProperty("allocation") TaskAllocation allocation,
                                   @JsonProperty("env") Map<String, String> env) {
            return new Assignment(taskId, nodeId, allocation != null ? allocation : TaskAllocation.fromEnvironment(env));
        }
    }

    record AssignTasks(List<Assignment> assignments, Instant at) implements Command {
        public AssignTasks {
            assignments = Checks.list(assignments);
        }
    }

    /** A status observed for a task. Applied only if it moves the task forward (or refreshes it). */
    record TaskStatusUpdate(String taskId, TaskStatus status) {}

    /**
     * Task statuses from an agent ({@code reporterNodeId}: updates for tasks not assigned to it are
     * ignored) or from the manager itself ({@code reporterNodeId} null: pending reasons, orphaning).
     */
    record UpdateTaskStatuses(String reporterNodeId, List<TaskStatusUpdate> updates) implements Command {
        public UpdateTaskStatuses {
            updates = Checks.list(updates);
        }
    }

    record DeleteTasks(List<String> taskIds) implements Command {
        public DeleteTasks {
            taskIds = Checks.list(taskIds);
        }
    }

    /** A node joins or describes itself again; its operator spec is kept if it is known already. */
    record UpsertNode(Node node) implements Command {}

    /**
     * Many {@link UpsertNode}s in one entry, applied in order (the agents' hellos that arrive while
     * one entry commits go together into the next).
     */
    record UpsertNodes(List<Node> nodes) implements Command {
        public UpsertNodes {
            nodes = Checks.list(nodes);
        }
    }

    record NodeStateChange(String nodeId, NodeState state, String message) {}

    record SetNodeStates(List<NodeStateChange> changes, Instant at) implements Command {
        public SetNodeStates {
            changes = Checks.list(changes);
        }
    }

    /** The operator's spec for a node; {@code at} is null in entries written before it was recorded. */
    record UpdateNodeSpec(String nodeId, NodeSpec spec, Instant at) implements Command {
        public UpdateNodeSpec(String nodeId, NodeSpec spec) {
            this(nodeId, spec, null);
        }
    }

    /** The operator's change to a node's spec, applied to the spec the entry finds ({@link NodeSpecPatch}). */
    record PatchNodeSpec(String nodeId, NodeSpecPatch patch, Instant at) implements Command {}

    /** {@code node rm}; {@code at} is null in entries written before it was recorded. */
    record RemoveNode(String nodeId, Instant at) implements Command {
        public RemoveNode(String nodeId) {
            this(nodeId, null);
        }
    }

    /**
     * A manager took office as leader in {@code term} (it submits this first thing in the term).
     * Applying it changes nothing but the event history: a {@code leader.changed} event.
     */
    record LeaderChanged(String leaderId, long term, Instant at) implements Command {
        public LeaderChanged {
            Checks.requireText(leaderId, "leader id");
        }
    }

    /**
     * Records that someone did something, for the event history: applying it only appends an
     * {@code audit} event (fields {@code actor}, {@code action}, {@code target}, {@code detail} in its
     * attributes). Submit it for every action taken outside the CLI's own commands, e.g. one per
     * action of a dashboard session, after the action itself was accepted.
     *
     * @param actor  who acted, e.g. {@code dashboard:session-1f2e} (required)
     * @param action what was done, e.g. {@code service.scale} (required)
     * @param target what it was done to, e.g. {@code shop_web}; null if nothing in particular
     * @param detail anything else worth keeping, in words, e.g. {@code replicas 3 -> 5}; null if none
     * @param at     when (required: apply reads no clock)
     */
    record RecordAudit(String actor, String action, String target, String detail, Instant at) implements Command {
        public RecordAudit {
            Checks.requireText(actor, "audit actor");
            Checks.requireText(action, "audit action");
            java.util.Objects.requireNonNull(at, "at");
        }
    }

    /**
     * A dashboard login link used: the first entry for its token id wins, and the manager that
     * submitted a later one refuses that login, so a link opens one session in the whole cluster.
     * {@code use} names this attempt (random), so its manager can tell whether it was the first.
     * Ids are kept until {@code expires}, dropped by a later entry's {@code at}.
     */
    record RedeemLogin(String tokenId, String use, Instant expires, Instant at) implements Command {
        public RedeemLogin {
            Checks.requireText(tokenId, "login token id");
            Checks.requireText(use, "login use id");
            java.util.Objects.requireNonNull(expires, "expires");
            java.util.Objects.requireNonNull(at, "at");
        }
    }

    /** Sets the cluster's identity and join tokens (at init, and when a token is rotated). */
    record SetClusterConfig(ClusterConfig config) implements Command {
        public SetClusterConfig {
            java.util.Objects.requireNonNull(config, "config");
        }
    }

    /** Starts a root CA rotation; a no-op while another one is under way (the API refuses that first). */
    record StartCaRotation(CaRotation rotation) implements Command {
        public StartCaRotation {
            java.util.Objects.requireNonNull(rotation, "rotation");
        }
    }

    /**
     * A manager issued {@code nodeId} a certificate of the root with digest {@code rootDigest}:
     * during a rotation to that root, the node counts as renewed, and the last one ends the rotation.
     */
    record CaCertificateIssued(String nodeId, String rootDigest) implements Command {}

    /**
     * Self-registrations (discovery): added, or replaced when the id exists with the same owner.
     * One whose id is a task's, or another owner's registration's, is skipped (a no-op).
     */
    record RegisterEndpoints(List<Registration> registrations) implements Command {
        public RegisterEndpoints {
            registrations = Checks.list(registrations);
        }
    }

    /**
     * Self-registrations removed: by their owner ({@code reason} {@code deregistered}) or by the
     * leader's verdict that they stopped renewing ({@code expired}).
     */
    record DeregisterEndpoints(List<String> registrationIds, String reason, Instant at) implements Command {
        public DeregisterEndpoints {
            registrationIds = Checks.list(registrationIds);
        }
    }

    /**
     * Forget named volumes ({@code volume rm}, {@code stack rm --volumes}). Volumes still used by a
     * task that is not terminal are kept (the API refuses those before it writes). Volumes come
     * into the state on their own: applying {@link AssignTasks} records each named volume of an
     * assigned task that the state does not hold yet, bound to the assigned node for a node-local
     * driver, and rebinds a node-local volume whose task the scheduler moved (on_node_loss: recreate).
     */
    record RemoveVolumes(List<String> names, Instant at) implements Command {
        public RemoveVolumes {
            names = Checks.list(names);
        }
    }

    /**
     * A manager stored an image's archive ({@code PUT /v1/images/archive}): the reference now names
     * it, held by that manager (an earlier archive of the same reference is replaced; the same
     * archive again keeps its holders and adds this one).
     */
    record StoreImage(ImageArchive image) implements Command {
        public StoreImage {
            java.util.Objects.requireNonNull(image, "image");
        }
    }

    /** Manager {@code nodeId} copied the archive with {@code digest} into its store: every reference to it lists the holder. */
    record ImageHeld(String digest, String nodeId) implements Command {
        public ImageHeld {
            Checks.requireText(digest, "digest");
            Checks.requireText(nodeId, "nodeId");
        }
    }
}
