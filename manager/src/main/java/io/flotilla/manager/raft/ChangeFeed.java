package io.flotilla.manager.raft;

/**
 * The applied log as it happens: every applied command with the states before and after it, and
 * every snapshot load ({@link ClusterStateMachine.ApplyListener}). The leader loop follows it to
 * reconcile only what changed; a store without one ({@link #NONE}) makes it look at everything on
 * every pass. On a Raft store it is the state machine's: {@code store.machine()::addApplyListener}.
 */
@FunctionalInterface
public interface ChangeFeed {
    /** No feed: a listener hears nothing, so whoever follows must look at everything each time. */
    ChangeFeed NONE = listener -> { };

    /** Adds a listener: it hears every command applied, and every snapshot loaded, from now on. */
    void addApplyListener(ClusterStateMachine.ApplyListener listener);
}
