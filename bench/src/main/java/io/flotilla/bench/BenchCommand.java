package io.flotilla.bench;

import io.flotilla.node.LocalNode;
import io.flotilla.cli.Subcommand;
import io.flotilla.cli.Table;
import io.flotilla.client.ApiClient;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskTemplate;
import io.flotilla.state.StateSnapshot;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Measures, on a real one-node cluster started in this process (real Raft log on disk, real
 * child processes): stack deploy → all replicas running, and task SIGKILL → replacement running.
 * Prints figures; asserts nothing.
 */
@Command(name = "bench", description = "Benchmark deploy-to-running and kill-to-replacement on a local node (process driver).",
        subcommands = {FailoverBenchCommand.class, DockerBenchCommand.class, ScaleBenchCommand.class, ScaleManagerCommand.class,
                DiscoveryBenchCommand.class, MeshBenchCommand.class, StatefulBenchCommand.class, NetworkBenchCommand.class,
                BuildBenchCommand.class, CliBenchCommand.class, ChaosBenchCommand.class})
public final class BenchCommand implements Callable<Integer>, Subcommand {
    @Option(names = "--replicas", split = ",", defaultValue = "1,10,100", description = "Replica counts to deploy (default 1,10,100).")
    List<Integer> replicaCounts;

    @Option(names = "--runs", defaultValue = "3", description = "Runs per replica count (default 3).")
    int runs;

    @Option(names = "--kills", defaultValue = "10", description = "Task kills to time (default 10).")
    int kills;

    @Option(names = "--data", paramLabel = "DIR", description = "Data directory (default: a fresh temporary one).")
    Path data;

    @Override
    public Integer call() throws Exception {
        Path dir = data != null ? data : Files.createTempDirectory("flotilla-bench");
        System.out.println("Flotilla bench: one node, process driver, data in " + dir + ", " + Runtime.getRuntime().availableProcessors() + " CPUs");
        try (LocalNode node = LocalNode.start(dir, new InetSocketAddress("127.0.0.1", 0), null)) {
            ApiClient api = new ApiClient(node.apiHostPort());
            Table table = new Table("SCENARIO", "RUNS", "MEDIAN", "MIN", "MAX");
            for (int replicas : replicaCounts) {
                List<Double> times = new ArrayList<>();
                for (int run = 0; run < runs; run++) {
                    times.add(deployToRunning(api, replicas));
                }
                addRow(table, "deploy → " + replicas + " running", times);
            }
            addRow(table, "task SIGKILL → replacement running", killToReplacement(api));
            System.out.println();
            table.print(System.out);
        }
        return 0;
    }

    private static void addRow(Table table, String scenario, List<Double> seconds) {
        List<Double> sorted = new ArrayList<>(seconds);
        Collections.sort(sorted);
        table.row(scenario, sorted.size(), format(sorted.get(sorted.size() / 2)), format(sorted.getFirst()),
                format(sorted.getLast()));
    }

    private static String format(double seconds) {
        return seconds < 1 ? String.format("%.0f ms", seconds * 1000) : String.format("%.2f s", seconds);
    }

    static StackSpec sleepers(int replicas) {
        ServiceSpec spec = new ServiceSpec("bench_sleep", "bench", ServiceMode.REPLICATED, replicas,
                TaskTemplate.process(List.of("sleep", "3600")).withStop("SIGKILL", Duration.ofSeconds(1))
                        .withRestartPolicy(new RestartPolicy(RestartPolicy.ANY, Duration.ZERO, null, null)),
                List.of(), List.of(), Map.of(), null, null);
        return new StackSpec("bench", List.of(spec));
    }

    private static double deployToRunning(ApiClient api, int replicas) throws InterruptedException {
        long start = System.nanoTime();
        api.deploy(sleepers(replicas));
        awaitRunning(api, replicas, Duration.ofMinutes(5));
        double seconds = (System.nanoTime() - start) / 1e9;
        System.out.printf("deploy %d replicas: %.3f s%n", replicas, seconds);
        api.removeStack("bench");
        awaitNoTasks(api);
        return seconds;
    }

    /**
     * SIGKILLs the task's process and times until a replacement runs. The service restarts with
     * no delay (restart_policy.delay 0), so every kill takes the immediate-restart path.
     */
    private List<Double> killToReplacement(ApiClient api) throws InterruptedException {
        api.deploy(sleepers(1));
        StateSnapshot state = awaitRunning(api, 1, Duration.ofMinutes(1));
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            Task victim = running(state).getFirst();
            long start = System.nanoTime();
            ProcessHandle.of(victim.status().pid()).ifPresent(ProcessHandle::destroyForcibly);
            state = awaitReplacement(api, victim.id(), Duration.ofMinutes(1));
            double seconds = (System.nanoTime() - start) / 1e9;
            System.out.printf("kill %d: replacement running after %.3f s%n", i + 1, seconds);
            times.add(seconds);
        }
        api.removeStack("bench");
        awaitNoTasks(api);
        return times;
    }

    private static StateSnapshot awaitReplacement(ApiClient api, String victimId, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long index = 0;
        while (System.nanoTime() < deadline) {
            StateSnapshot state = index == 0 ? StateReads.state(api)
                    : StateReads.awaitState(api, index, Duration.ofSeconds(1));
            index = state.index();
            List<Task> running = running(state);
            if (running.size() == 1 && !running.getFirst().id().equals(victimId)) {
                return state;
            }
        }
        throw new IllegalStateException("no replacement within " + timeout);
    }

    static List<Task> running(StateSnapshot state) {
        return state.tasks().stream().filter(t -> t.serviceName().equals("bench_sleep")
                && t.state() == TaskState.RUNNING && t.desiredState() == TaskState.RUNNING).toList();
    }

    static StateSnapshot awaitRunning(ApiClient api, int replicas, Duration timeout) {
        long deadline = System.nanoTime() + timeout.toNanos();
        long index = 0;
        while (System.nanoTime() < deadline) {
            StateSnapshot state = index == 0 ? StateReads.state(api)
                    : StateReads.awaitState(api, index, Duration.ofSeconds(1));
            index = state.index();
            if (running(state).size() == replicas) {
                return state;
            }
        }
        throw new IllegalStateException(replicas + " replicas not running within " + timeout);
    }

    static void awaitNoTasks(ApiClient api) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofMinutes(2).toNanos();
        while (System.nanoTime() < deadline) {
            if (api.tasks("bench").isEmpty() || api.tasks("bench").stream().allMatch(t -> t.state().isTerminal())) {
                return;
            }
            Thread.sleep(50);
        }
    }
}
