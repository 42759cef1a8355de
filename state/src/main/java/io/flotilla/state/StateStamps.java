package io.flotilla.state;

/**
 * What may have changed for a node since an earlier state, as one {@link ClusterState} tells it
 * ({@link ClusterState#stamps()}): the questions the dispatcher asks before it answers a node's long
 * poll (its tasks, its whole assignment set, its session). Read from the state's stamps
 * ({@link AssignmentStamps}) and, for a session, its networks; never false when something did
 * change, and a snapshot load counts as a change.
 */
public final class StateStamps {
    private final AssignmentStamps stamps;
    private final NetworkTable networks;

    StateStamps(AssignmentStamps stamps, NetworkTable networks) {
        this.stamps = stamps;
        this.networks = networks;
    }

    /**
     * True if what node {@code nodeId} must run (its tasks, their desired states and templates,
     * the ports published with them) may have changed since the state with index {@code index}:
     * anything but the status of a task it already has, which stays in its set. Never false when
     * it did change; may be true when it did not (a snapshot load counts as a change).
     */
    public boolean nodeTasksChangedSince(String nodeId, long index) {
        AssignmentStamps.NodeStamps changed = stamps.of(nodeId);
        return stamps.portsChangedAt() > index || (changed != null && changed.tasks() > index);
    }

    /**
     * The stamp of the last change to what node {@code nodeId} must run (0 if none): equal stamps
     * mean the same tasks, templates and ended-or-not states (statuses aside), so a value derived
     * from those alone may be kept while the stamp stays.
     */
    public long nodeTasksStamp(String nodeId) {
        AssignmentStamps.NodeStamps changed = stamps.of(nodeId);
        return changed == null ? 0 : changed.tasks();
    }

    /**
     * True if node {@code nodeId}'s assignment set may differ in any way from the one at index
     * {@code index}: {@link #nodeTasksChangedSince}, or a status of one of its tasks (a report of
     * the node applied, which the agent learns from its set).
     */
    public boolean nodeSetChangedSince(String nodeId, long index) {
        AssignmentStamps.NodeStamps changed = stamps.of(nodeId);
        return stamps.portsChangedAt() > index || (changed != null && changed.set() > index);
    }

    /**
     * True if what node {@code nodeId}'s session carries may have changed since the state with
     * index {@code index}: the node itself (spec, status, removal), a service's spec, the cluster's
     * root CA or a rotation, or whether the node's renewal in a rotation is counted, or a network the
     * node has a task on (its addresses, or an endpoint's readiness on it: the node's network
     * directory). Never false when it did change (a snapshot load counts as a change).
     */
    public boolean nodeSessionChangedSince(String nodeId, long index) {
        return stamps.sessionOf(nodeId) > index || stamps.networkOfNodeChangedSince(networks, nodeId, index);
    }

    /** The stamp of the last change to a service's spec (0 if none): equal stamps, equal service specs. */
    public long serviceSpecsStamp() {
        return stamps.specsChangedAt();
    }
}
