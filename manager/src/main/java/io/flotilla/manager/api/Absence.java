package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;

/**
 * "No such stack" or "no such registration" before a change is the leader's answer only. A manager
 * that does not lead answers from its own applied state, which may be behind the log: a stack
 * deployed (or an instance registered) a moment ago through another manager is not there yet, and a
 * 404 would tell the caller its removal is done while the object lives on (the chaos run's stack
 * client caught it: an acknowledged removal, the stack present everywhere after). Such a manager
 * answers 503, and the caller asks another one; the leader, ready only once it applied its term's
 * first entry, knows every acknowledged change.
 */
final class Absence {
    private Absence() {}

    static ApiException stack(ClusterStore store, String stack) {
        return notFound(store, "stack " + stack, "no such stack: " + stack);
    }

    static ApiException registration(ClusterStore store, String id) {
        return notFound(store, "registration " + id, "no such registration: " + id);
    }

    private static ApiException notFound(ClusterStore store, String what, String leadersAnswer) {
        if (!store.isLeader()) {
            return new ApiException(503, "unavailable", "this manager knows no " + what
                    + " but does not lead, and may be behind the log: ask the leader (flotilla node ls)");
        }
        return ApiException.notFound(leadersAnswer);
    }
}
