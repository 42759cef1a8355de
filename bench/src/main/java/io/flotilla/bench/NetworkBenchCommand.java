package io.flotilla.bench;

import io.flotilla.cli.StackFiles;
import io.flotilla.cli.Table;
import io.flotilla.client.ApiClient;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.api.NetworkInfo;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 13's benchmark: the overlay between two containers of a stack on two test-bed hosts,
 * against the same pair of containers on one plain Docker bridge network in one host's dockerd
 * (throughput and request latency, wrk and iperf3 from each client's network namespace: {@link WrkPath});
 * and how long a task's name takes to follow the task when it moves: its container is killed, the
 * replacement gets a new address, and a tight loop of queries to the gateway's DNS from a task on
 * the other host ({@link NameWatch}) sees the new address. Everything runs on the namespace test
 * bed ({@link NetnsTestBed}), torn down at the end. Needs root, docker.io, busybox-static, wrk, iperf3.
 */
@Command(name = "network", description = "Benchmark the overlay against a plain Docker bridge (wrk) and how fast a moved task's name follows it.")
public final class NetworkBenchCommand implements Callable<Integer> {
    static final String STACK = "bench";
    private static final Duration UP = Duration.ofSeconds(120);
    private static final String STACK_FILE = """
            services:
              srv:
                image: %1$s
                command: %2$s
                init: true
                expose: ["%3$d"]
                deploy:
                  placement: {constraints: ["node.role == worker"]}
                  restart_policy: {condition: any, delay: 0s}
              cli:
                image: %1$s
                command: ["sh", "-c", "while :; do sleep 1; done"]
                init: true
                deploy: {placement: {constraints: ["node.role == manager"]}}
            """;

    @Option(names = "--duration", defaultValue = "10s", description = "wrk duration per measurement (default 10s).")
    String duration;

    @Option(names = "--runs", defaultValue = "3", description = "Runs of each wrk measurement per path (default 3).")
    int runs;

    @Option(names = "--moves", defaultValue = "20", description = "Task moves to time for the name (default 20).")
    int moves;

    @Option(names = "--data", paramLabel = "DIR", description = "Nodes' data and logs (default: a fresh temporary directory).")
    Path data;

    @Override
    public Integer call() throws Exception {
        for (String tool : List.of("wrk", "iperf3", "busybox", "nsenter", "docker")) {
            if (NetnsTestBed.run(10, List.of("sh", "-c", "command -v " + tool)).exit() != 0) {
                throw new IllegalStateException("bench network needs " + tool + " (apt-get install -y wrk iperf3 busybox-static util-linux docker.io)");
            }
        }
        Path dir = data != null ? Files.createDirectories(data) : Files.createTempDirectory("flotilla-bench-network");
        String loadBefore = loadAverage();
        System.out.printf("Network bench: %d CPUs, load average %s, wrk %s × %d runs per path, %d moves; nodes' logs in %s%n",
                Runtime.getRuntime().availableProcessors(), loadBefore, duration, runs, moves, dir);
        NetnsTestBed.up(2);
        try (OverlayCluster cluster = OverlayCluster.start(dir, 2)) {
            ApiClient api = new ApiClient(cluster.api());
            Path stack = Files.writeString(dir.resolve("stack.yaml"), STACK_FILE.formatted(NetnsTestBed.IMAGE,
                    json(WrkPath.SERVER), WrkPath.PORT));
            api.deploy(StackFiles.load(stack, STACK).stack());
            Task server = awaitRunning(api, "srv", null);
            Task client = awaitRunning(api, "cli", null);
            long clientPid = NetnsTestBed.pid(1, client.status().containerId());
            WrkPath overlay = new WrkPath("overlay, 2 hosts", clientPid, NetnsTestBed.pid(2, server.status().containerId()),
                    addressOf(api, server.id()));
            WrkPath bridge = bridgePair();
            List<WrkPath.Run> overlayRuns = new ArrayList<>();
            List<WrkPath.Run> bridgeRuns = new ArrayList<>();
            overlay.awaitServing(UP);
            bridge.awaitServing(UP);
            for (int run = 0; run < runs; run++) { // alternated, so that a burst of load falls on both
                overlayRuns.add(overlay.measure(duration));
                bridgeRuns.add(bridge.measure(duration));
            }
            NameFollow follow = nameFollow(api, clientPid);
            System.out.println();
            paths(WrkPath.median(overlayRuns), WrkPath.median(bridgeRuns)).print(System.out);
            System.out.println();
            follow.table().print(System.out);
            System.out.printf("%nload average before %s, after %s%n", loadBefore, loadAverage());
            try {
                api.removeStack(STACK);
            } catch (RuntimeException e) {
                // the test bed goes below with everything in it
            }
        } finally {
            NetnsTestBed.down();
        }
        return 0;
    }

    /** Two containers on one user-defined bridge network in host 1's dockerd: Docker's own path, no overlay. */
    private static WrkPath bridgePair() {
        NetnsTestBed.docker(1, "network", "create", "flbench-bridge").require("docker network create");
        List<String> server = new ArrayList<>(List.of("run", "-d", "--init", "--name", "flbench-srv", "--network", "flbench-bridge",
                NetnsTestBed.IMAGE));
        server.addAll(WrkPath.SERVER);
        NetnsTestBed.docker(1, server.toArray(String[]::new)).require("docker run flbench-srv");
        NetnsTestBed.docker(1, "run", "-d", "--init", "--name", "flbench-cli", "--network", "flbench-bridge", NetnsTestBed.IMAGE,
                "sh", "-c", "while :; do sleep 1; done").require("docker run flbench-cli");
        String address = NetnsTestBed.docker(1, "inspect", "-f", "{{range .NetworkSettings.Networks}}{{.IPAddress}}{{end}}",
                "flbench-srv").require("docker inspect flbench-srv");
        return new WrkPath("plain bridge, 1 host", NetnsTestBed.pid(1, "flbench-cli"), NetnsTestBed.pid(1, "flbench-srv"), address);
    }

    /** Kills the server's container {@code moves} times and times its name's following of each replacement. */
    private NameFollow nameFollow(ApiClient api, long clientPid) throws Exception {
        NetworkInfo network = api.network(STACK + "_default");
        String gateway = network.gateway().replaceAll("/.*", "");
        NameFollow follow = new NameFollow();
        try (NameWatch watch = NameWatch.start(clientPid, gateway, "tasks.srv." + STACK + ".flotilla")) {
            watch.awaitAnswer(Duration.ofSeconds(30));
            for (int move = 1; move <= moves; move++) {
                Task old = awaitRunning(api, "srv", null);
                Set<String> before = Set.of(addressOf(api, old.id()));
                int queries = watch.count();
                long killed = NameWatch.epochNanos();
                NetnsTestBed.docker(2, "kill", old.status().containerId()).require("docker kill");
                Task replacement = awaitRunning(api, "srv", old.id());
                NameWatch.Answer answer = watch.awaitFollowed(killed, before, Duration.ofSeconds(60));
                follow.add(killed, epochNanos(replacement.status().timestamp()), answer.atEpochNanos());
                System.out.printf("move %d: %s → %s, kill → answer %.1f ms, RUNNING → answer %.1f ms (%d queries meanwhile)%n",
                        move, before, answer.addresses(), (answer.atEpochNanos() - killed) / 1e6,
                        (answer.atEpochNanos() - epochNanos(replacement.status().timestamp())) / 1e6, watch.count() - queries);
                Thread.sleep(500);
            }
        }
        return follow;
    }

    static Table paths(WrkPath.Run overlay, WrkPath.Run bridge) {
        Table table = new Table("PATH", "THROUGHPUT (WRK)", "THROUGHPUT (IPERF3)", "REQ/S", "P50", "P99");
        table.row("overlay, 2 hosts", gbit(overlay.gbitPerSecond()), gbit(overlay.iperfGbitPerSecond()),
                "%.0f".formatted(overlay.requestsPerSecond()), ms(overlay.p50Ms()), ms(overlay.p99Ms()));
        table.row("plain bridge, 1 host", gbit(bridge.gbitPerSecond()), gbit(bridge.iperfGbitPerSecond()),
                "%.0f".formatted(bridge.requestsPerSecond()), ms(bridge.p50Ms()), ms(bridge.p99Ms()));
        table.row("overlay ÷ bridge; added", "%.2f×".formatted(overlay.gbitPerSecond() / bridge.gbitPerSecond()),
                "%.2f×".formatted(overlay.iperfGbitPerSecond() / bridge.iperfGbitPerSecond()),
                "%.2f×".formatted(overlay.requestsPerSecond() / bridge.requestsPerSecond()),
                "%+.3f ms".formatted(overlay.p50Ms() - bridge.p50Ms()), "%+.3f ms".formatted(overlay.p99Ms() - bridge.p99Ms()));
        return table;
    }

    /** Kill → answer and RUNNING reported → answer, per move. */
    static final class NameFollow {
        private final List<Double> fromKill = new ArrayList<>();
        private final List<Double> fromRunning = new ArrayList<>();

        void add(long killed, long running, long answered) {
            fromKill.add((answered - killed) / 1e6);
            fromRunning.add((answered - running) / 1e6);
        }

        Table table() {
            Table table = new Table("NAME FOLLOWS A MOVE", "MOVES", "P50", "P99", "MAX");
            row(table, "container killed → new address answers", fromKill);
            row(table, "task RUNNING (its status time) → new address answers", fromRunning);
            return table;
        }

        private static void row(Table table, String what, List<Double> millis) {
            List<Double> sorted = new ArrayList<>(millis);
            Collections.sort(sorted);
            table.row(what, sorted.size(), ms(percentile(sorted, 50)), ms(percentile(sorted, 99)), ms(sorted.getLast()));
        }
    }

    /** Nearest rank: with fewer than 100 values, p99 is the largest. */
    static double percentile(List<Double> sorted, int p) {
        int rank = (int) Math.ceil(p / 100.0 * sorted.size());
        return sorted.get(Math.max(0, rank - 1));
    }

    /** The running task of {@code service} that is not {@code not} (null: any), once its container is known. */
    private static Task awaitRunning(ApiClient api, String service, String not) throws InterruptedException {
        Task[] found = new Task[1];
        BenchWaits.awaitUntil(STACK + "_" + service + " running", UP, Duration.ofMillis(20), () -> {
            found[0] = api.serviceTasks(STACK + "_" + service).stream().filter(t -> t.state() == TaskState.RUNNING
                    && t.desiredState() == TaskState.RUNNING && !t.id().equals(not) && t.status().containerId() != null)
                    .findFirst().orElse(null);
            return found[0] != null;
        });
        return found[0];
    }

    /** The task's address on the stack's network, as the managers gave it. */
    private static String addressOf(ApiClient api, String taskId) {
        return api.network(STACK + "_default").tasks().stream().filter(t -> t.taskId().equals(taskId)).findFirst()
                .orElseThrow(() -> new IllegalStateException("task " + taskId + " has no address on " + STACK + "_default"))
                .address().replaceAll("/.*", "");
    }

    private static long epochNanos(Instant at) {
        return at.getEpochSecond() * 1_000_000_000L + at.getNano();
    }

    private static String json(List<String> argv) {
        return argv.stream().map(a -> "\"" + a.replace("\\", "\\\\").replace("\"", "\\\"") + "\"")
                .collect(Collectors.joining(", ", "[", "]"));
    }

    static String gbit(double value) {
        return "%.2f Gbit/s".formatted(value);
    }

    static String ms(double value) {
        return "%.3f ms".formatted(value);
    }

    private static String loadAverage() {
        try {
            return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
