package io.flotilla.bench;

import io.flotilla.client.ApiClient;
import io.flotilla.model.Node;
import io.flotilla.model.NodeState;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.time.Duration;
import java.util.List;

/** What the failover benchmark asks a manager's API (every call a fresh request), and its waits. */
final class FailoverReads {
    private FailoverReads() {}

    static void awaitApi(String api) throws InterruptedException {
        awaitUntil("API at " + api, Duration.ofSeconds(90), () -> {
            new ApiClient(api).info();
            return true;
        });
    }

    static int readyNodes(String api) {
        return (int) new ApiClient(api).nodes().stream().filter(n -> n.status().state() == NodeState.READY).count();
    }

    static NodeState nodeState(String api, String id) {
        return new ApiClient(api).nodes().stream().filter(n -> n.id().equals(id)).findFirst().map(n -> n.status().state())
                .orElse(NodeState.UNKNOWN);
    }

    static String nodeIdAt(String api, String address) {
        return new ApiClient(api).nodes().stream().filter(n -> address.equals(n.status().address())).findFirst()
                .map(Node::id).orElseThrow();
    }

    /** The service's tasks running and wanted running. */
    static List<Task> running(String api, String service) {
        return new ApiClient(api).serviceTasks(service).stream()
                .filter(t -> t.desiredState() == TaskState.RUNNING && t.state() == TaskState.RUNNING).toList();
    }

    /** {@link BenchWaits#awaitUntil}, polling every 10 ms. */
    static void awaitUntil(String what, Duration max, BenchWaits.Check check) throws InterruptedException {
        BenchWaits.awaitUntil(what, max, Duration.ofMillis(10), check);
    }
}
