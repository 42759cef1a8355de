package io.flotilla.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;

/**
 * Docker Swarm on the same daemon, through the {@code docker} CLI: {@code swarm init} on 127.0.0.1
 * (left again on close, unless the daemon was already in a swarm), {@code service create / scale /
 * update --detach}, and the service's running containers polled through the Engine API. Ports are
 * published in {@code mode=host} (the routing mesh needs IPVS, which this kernel may lack), so each
 * replica gets its own host port, as with the docker driver. Swarm's own defaults otherwise
 * (restart delay 5 s, update parallelism 1, stop-first).
 */
final class SwarmContender implements DockerBenchContender, AutoCloseable {
    private static final String SERVICE = "bench_web";
    private static final String LABEL = "com.docker.swarm.service.name";
    private static final Duration TIMEOUT = Duration.ofMinutes(3);

    private final DockerClient docker;
    private final String image;
    private final int kills;
    private final boolean initialized;

    SwarmContender(DockerClient docker, String image, int kills) throws Exception {
        this.docker = docker;
        this.image = image;
        this.kills = kills;
        String state = DockerCli.run("info", "--format", "{{.Swarm.LocalNodeState}}");
        if ("active".equals(state)) {
            initialized = false;
        } else {
            DockerCli.run("swarm", "init", "--advertise-addr", "127.0.0.1");
            initialized = true;
        }
    }

    private void create(int replicas) throws Exception {
        DockerCli.run("service", "create", "--detach", "--name", SERVICE, "--replicas", Integer.toString(replicas),
                "--init", "--env", "BENCH_VERSION=1", "--publish", "mode=host,target=8080", image,
                "httpd", "-f", "-p", "8080", "-h", "/www");
    }

    @Override
    public double converge(int replicas) throws Exception {
        long start = System.nanoTime();
        create(replicas);
        awaitRunning(replicas, Set.of());
        double seconds = (System.nanoTime() - start) / 1e9;
        remove();
        return seconds;
    }

    @Override
    public double scale(int from, int to) throws Exception {
        create(from);
        awaitRunning(from, Set.of());
        long start = System.nanoTime();
        DockerCli.run("service", "scale", "--detach", SERVICE + "=" + to);
        awaitRunning(to, Set.of());
        double seconds = (System.nanoTime() - start) / 1e9;
        remove();
        return seconds;
    }

    /** A fresh one-replica service per kill, as for Flotilla; Swarm restarts after its default 5 s delay. */
    @Override
    public double killToReplaced() throws Exception {
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < kills; i++) {
            create(1);
            String victim = awaitRunning(1, Set.of()).getFirst().getId();
            long start = System.nanoTime();
            docker.killContainerCmd(victim).exec();
            awaitRunning(1, Set.of(victim));
            times.add((System.nanoTime() - start) / 1e9);
            remove();
        }
        Collections.sort(times);
        return times.get(times.size() / 2);
    }

    @Override
    public double rollingUpdate(int replicas) throws Exception {
        create(replicas);
        Set<String> old = awaitRunning(replicas, Set.of()).stream().map(Container::getId).collect(Collectors.toSet());
        long start = System.nanoTime();
        DockerCli.run("service", "update", "--detach", "--env-add", "BENCH_VERSION=2", SERVICE);
        awaitRunning(replicas, old);
        double seconds = (System.nanoTime() - start) / 1e9;
        remove();
        return seconds;
    }

    private List<Container> awaitRunning(int replicas, Set<String> excluded) {
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (System.nanoTime() < deadline) {
            List<Container> running = DockerBenchCommand.running(docker, LABEL, SERVICE);
            if (running.size() == replicas && running.stream().noneMatch(c -> excluded.contains(c.getId()))) {
                return running;
            }
            DockerBenchCommand.sleep(20);
        }
        throw new IllegalStateException(replicas + " replicas of swarm service " + SERVICE + " not running within " + TIMEOUT);
    }

    private void remove() throws Exception {
        DockerCli.run("service", "rm", SERVICE);
        long deadline = System.nanoTime() + TIMEOUT.toNanos();
        while (!DockerBenchCommand.all(docker, LABEL, SERVICE).isEmpty() && System.nanoTime() < deadline) {
            DockerBenchCommand.sleep(100);
        }
    }

    @Override
    public void close() throws Exception {
        try {
            DockerCli.run("service", "rm", SERVICE);
        } catch (Exception e) {
            // not there
        }
        if (initialized) {
            DockerCli.run("swarm", "leave", "--force");
        }
    }
}
