package io.flotilla.bench;

import com.github.dockerjava.api.DockerClient;
import io.flotilla.agent.driver.docker.ContainerLabels;
import io.flotilla.client.ApiClient;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskTemplate;
import io.flotilla.node.LocalNode;
import io.flotilla.state.StateSnapshot;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Flotilla with the docker driver: a one-node cluster in this process ({@link LocalNode}: Raft log
 * on disk, the real agent), driven over its HTTP API. A replica counts as running when the
 * manager's state says so (the agent reports it once the daemon has started the container).
 */
final class FlotillaContender implements DockerBenchContender, AutoCloseable {
    private static final String SERVICE = "bench_web";
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final DockerClient docker;
    private final String image;
    private final int kills;
    private final LocalNode node;
    private final ApiClient api;

    FlotillaContender(DockerClient docker, String image, Path dataDir, int kills) throws Exception {
        this.docker = docker;
        this.image = image;
        this.kills = kills;
        this.node = LocalNode.start(dataDir, new InetSocketAddress("127.0.0.1", 0), null);
        this.api = new ApiClient(node.apiHostPort());
        long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
        while (api.nodes().stream().noneMatch(n -> n.status().drivers().contains(TaskTemplate.DOCKER))) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("the local node does not offer the docker driver");
            }
            DockerBenchCommand.sleep(50);
        }
    }

    private StackSpec stack(int replicas, String version) {
        TaskTemplate template = new TaskTemplate(TaskTemplate.DOCKER, image, List.of("httpd", "-f", "-p", "8080", "-h", "/www"),
                List.of(), Map.of("BENCH_VERSION", version), null, null, null, Map.of(), null, List.of(), null, null,
                null, null, null, true, false, List.of(), List.of(), List.of(), Map.of(), null, List.of());
        ServiceSpec spec = new ServiceSpec(SERVICE, "bench", ServiceMode.REPLICATED, replicas, template,
                List.of(new PortSpec("http", 8080, null, null, null)), List.of(), Map.of(), null, null);
        return new StackSpec("bench", List.of(spec));
    }

    @Override
    public double converge(int replicas) {
        long start = System.nanoTime();
        api.deploy(stack(replicas, "1"));
        awaitRunning(replicas, Set.of());
        double seconds = (System.nanoTime() - start) / 1e9;
        tearDown();
        return seconds;
    }

    @Override
    public double scale(int from, int to) {
        api.deploy(stack(from, "1"));
        awaitRunning(from, Set.of());
        long start = System.nanoTime();
        api.scale(SERVICE, to);
        awaitRunning(to, Set.of());
        double seconds = (System.nanoTime() - start) / 1e9;
        tearDown();
        return seconds;
    }

    /**
     * A fresh one-replica service per kill, so each kill takes the first-restart path (immediate);
     * later restarts of one slot back off from restart_policy.delay, as Swarm's do.
     */
    @Override
    public double killToReplaced() {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            api.deploy(stack(1, "1"));
            Task victim = awaitRunning(1, Set.of()).getFirst();
            long start = System.nanoTime();
            docker.killContainerCmd(victim.status().containerId()).exec();
            awaitRunning(1, Set.of(victim.id()));
            times.add((System.nanoTime() - start) / 1e9);
            tearDown();
        }
        Collections.sort(times);
        return times.get(times.size() / 2);
    }

    @Override
    public double rollingUpdate(int replicas) {
        api.deploy(stack(replicas, "1"));
        Set<String> old = awaitRunning(replicas, Set.of()).stream().map(Task::id).collect(Collectors.toSet());
        long start = System.nanoTime();
        api.deploy(stack(replicas, "2"));
        awaitRunning(replicas, old);
        double seconds = (System.nanoTime() - start) / 1e9;
        tearDown();
        return seconds;
    }

    /** Waits until {@code replicas} tasks run, none of them in {@code excluded}. */
    private List<Task> awaitRunning(int replicas, Set<String> excluded) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        long index = 0;
        while (System.nanoTime() < deadline) {
            StateSnapshot state = index == 0 ? StateReads.state(api)
                    : StateReads.awaitState(api, index, Duration.ofSeconds(1));
            index = state.index();
            List<Task> running = state.tasks().stream().filter(t -> SERVICE.equals(t.serviceName())
                    && t.state() == TaskState.RUNNING && t.desiredState() == TaskState.RUNNING).toList();
            if (running.size() == replicas && running.stream().noneMatch(t -> excluded.contains(t.id()))) {
                return running;
            }
        }
        throw new IllegalStateException(replicas + " replicas of " + SERVICE + " not running within " + TIMEOUT);
    }

    /** Removes the stack and waits until its containers are gone, so the next scenario starts clean. */
    private void tearDown() {
        api.removeStack("bench");
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!DockerBenchCommand.all(docker, ContainerLabels.SERVICE, SERVICE).isEmpty()) {
            if (System.nanoTime() > deadline) {
                throw new IllegalStateException("containers of " + SERVICE + " still there after " + TIMEOUT);
            }
            DockerBenchCommand.sleep(100);
        }
    }

    @Override
    public void close() {
        try {
            api.removeStack("bench");
        } catch (RuntimeException e) {
            // no stack left
        }
        node.close();
        DockerBenchCommand.removeAll(docker, ContainerLabels.SERVICE, SERVICE);
    }
}
