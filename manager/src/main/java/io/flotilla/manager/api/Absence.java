package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;

/**
 * "No such stack" (registration, volume, network, secret, config) before a removal is the leader's
 * answer only. A manager that does not lead answers from its own applied state, which may be behind
 * the log: an object made a moment ago through another manager is not there yet, and a 404 would
 * tell the caller its removal is done while the object lives on (the chaos run's stack client caught
 * it: an acknowledged removal, the stack present everywhere after). Such a manager answers 503, and
 * the caller asks another one; the leader, ready only once it applied its term's first entry, knows
 * every acknowledged change.
 */
final class Absence {
    private Absence() {}

    static ApiException stack(ClusterStore store, String stack) {
        return of(store, "stack", stack);
    }

    static ApiException registration(ClusterStore store, String id) {
        return of(store, "registration", id);
    }

    /** For an object to remove that this manager does not know: {@code kind} "volume", "network", "secret" … */
    static ApiException of(ClusterStore store, String kind, String name) {
        if (!store.isLeader()) {
            return new ApiException(503, "unavailable", "this manager knows no " + kind + " " + name
                    + " but does not lead, and may be behind the log: ask the leader (flotilla node ls)");
        }
        return ApiException.notFound("no such " + kind + ": " + name);
    }
}
