package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.api.Progress;
import io.flotilla.state.ClusterState;
import java.time.Duration;
import java.util.Arrays;
import java.util.List;

/**
 * {@code GET /v1/progress?stack=NAME[,NAME…]|service=REF[&index=N&wait=MS]}: the {@link Progress}
 * of stacks or of one service, what the CLI follows a deploy, an update, a scale, a rollback or a
 * rebalance through (docs/api.md). Without {@code index} it answers at once; with it, a long poll:
 * at once when the state is already past {@code N}, else once the progress (not merely the index)
 * differs from what it was at {@code N}, or after {@code wait} (default 10 s) with the progress
 * then and the index reached. Who may call it is {@link ApiCaller}'s rule for reads of stacks and
 * services: the admin credential or a manager's certificate.
 */
final class ProgressEndpoint {
    private ProgressEndpoint() {}

    static Progress answer(ApiRequest request, ClusterStore store) throws InterruptedException {
        ApiServer.requireMethod(request, "GET");
        if (request.path().size() != 2) {
            throw ApiServer.notFound(request);
        }
        String stacks = request.param("stack");
        String service = request.param("service");
        if ((stacks == null) == (service == null)) {
            throw ApiException.invalid("give either stack=NAME[,NAME...] or service=REF");
        }
        List<String> stackNames = stacks == null ? List.of()
                : Arrays.stream(stacks.split(",")).map(String::strip).filter(s -> !s.isEmpty()).distinct().toList();
        if (stacks != null && stackNames.isEmpty()) {
            throw ApiException.invalid("stack must name at least one stack");
        }
        ClusterState state = store.state();
        Progress now = report(state, stackNames, service);
        if (request.param("index") == null) {
            return now;
        }
        long after = request.longParam("index", -1);
        Duration wait = request.waitParam("wait", ClusterEndpoints.DEFAULT_WAIT);
        if (state.index() > after) {
            return now;
        }
        long deadline = System.nanoTime() + wait.toNanos();
        while (true) {
            long left = deadline - System.nanoTime();
            if (left <= 0) {
                return now;
            }
            state = store.awaitIndex(state.index(), Duration.ofNanos(left));
            Progress next = report(state, stackNames, service);
            if (!next.sameAs(now)) {
                return next;
            }
            now = next;
        }
    }

    private static Progress report(ClusterState state, List<String> stacks, String service) {
        return service != null ? ProgressReports.ofService(state, service) : ProgressReports.ofStacks(state, stacks);
    }
}
