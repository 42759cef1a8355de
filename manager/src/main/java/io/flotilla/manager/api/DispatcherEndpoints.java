package io.flotilla.manager.api;

import io.flotilla.manager.dispatcher.Dispatcher;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.StatusReport;

/** {@code /v1/dispatcher/...}: the agents' hello, long poll for assignments, and status reports. */
final class DispatcherEndpoints {
    private DispatcherEndpoints() {}

    static Object answer(ApiRequest r, String action, ApiCaller caller, Dispatcher dispatcher,
                         MembershipEndpoints membership) throws Exception {
        // Every answer names the managers, so agents learn of new ones (and of removed ones).
        r.exchange().responseHeader(ApiServer.MANAGERS_HEADER, String.join(",", membership.managerApis()));
        switch (action) {
            case "hello" -> {
                ApiServer.requireMethod(r, "POST");
                AgentHello hello = r.body(AgentHello.class);
                caller.requireNode(hello.node() == null ? null : hello.node().id());
                return dispatcher.hello(hello, caller.plaintext());
            }
            case "assignments" -> {
                ApiServer.requireMethod(r, "GET");
                String node = r.param("node");
                if (node == null) {
                    throw ApiException.invalid("query parameter node is required");
                }
                caller.requireNode(node);
                return dispatcher.assignments(node, r.longParam("after", -1),
                        r.waitParam("wait", ClusterEndpoints.DEFAULT_WAIT));
            }
            case "status" -> {
                ApiServer.requireMethod(r, "POST");
                StatusReport report = r.body(StatusReport.class);
                if (report.nodeId() == null || report.nodeId().isBlank()) {
                    throw ApiException.invalid("nodeId is required");
                }
                caller.requireNode(report.nodeId());
                return dispatcher.status(report); // {"leaseMillis": …}: the agent's lease (fencing)
            }
            case "traffic" -> {
                ApiServer.requireMethod(r, "GET");
                caller.requireManagerOrAdmin("read every node's mesh counters");
                return dispatcher.traffic();
            }
            default -> throw ApiServer.notFound(r);
        }
    }
}
