package io.flotilla.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.flotilla.agent.driver.docker.ContainerLabels;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.cli.Table;
import io.flotilla.node.LocalNode;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The docker driver side by side with Docker Swarm on the same daemon and image, and beside them
 * the daemon's own limit: the same containers started by parallel {@code docker run -d}. Each
 * contender runs alone (one after the other), so none competes with another for the CPUs.
 * Scenarios: converge 1, 10 and 50 replicas, scale 10 → 50, a killed container replaced, a
 * rolling update through 10 replicas (stop-first, parallelism 1). Prints a table; asserts nothing.
 */
@Command(name = "docker", description = "Benchmark the docker driver against Docker Swarm and parallel docker run on the same daemon.")
public final class DockerBenchCommand implements Callable<Integer> {
    static final String CONVERGE_1 = "converge 1 replica";
    static final String CONVERGE_10 = "converge 10 replicas";
    static final String CONVERGE_50 = "converge 50 replicas";
    static final String SCALE = "scale 10 → 50";
    static final String KILL = "docker kill → replaced";
    static final String UPDATE = "rolling update of 10";
    static final List<String> SCENARIOS = List.of(CONVERGE_1, CONVERGE_10, CONVERGE_50, SCALE, KILL, UPDATE);

    @Option(names = "--image", defaultValue = "flotilla-test/busybox:1", description = "A busybox image with httpd and /www (default: the offline test image of scripts/docker-test-env.sh).")
    String image;

    @Option(names = "--runs", defaultValue = "1", description = "Runs per scenario; the median is shown (default 1).")
    int runs;

    @Option(names = "--kills", defaultValue = "5", description = "Kills timed in the kill scenario, each on a fresh one-replica service; the median is shown (default 5).")
    int kills;

    @Option(names = "--skip-swarm", description = "Do not measure Docker Swarm.")
    boolean skipSwarm;

    @Override
    public Integer call() throws Exception {
        DockerDaemon daemon = DockerDaemon.connect().orElse(null);
        if (daemon == null) {
            System.err.println("bench docker: no Docker daemon answers (DOCKER_HOST or /var/run/docker.sock)");
            return 1;
        }
        try (daemon) {
            DockerClient docker = daemon.client();
            try {
                docker.inspectImageCmd(image).exec();
            } catch (NotFoundException e) {
                System.err.println("bench docker: image " + image + " not found (scripts/docker-test-env.sh builds flotilla-test/busybox:1)");
                return 1;
            }
            String version = docker.versionCmd().exec().getVersion();
            System.out.println("Docker bench: image " + image + ", Docker " + version + ", "
                    + Runtime.getRuntime().availableProcessors() + " CPUs, " + runs + " run(s) per scenario");
            Map<String, Map<String, Double>> results = new LinkedHashMap<>();
            measure("docker run (parallel)", new DockerRunContender(docker, image), results);
            Path dir = Files.createTempDirectory("flotilla-docker-bench");
            try (FlotillaContender flotilla = new FlotillaContender(docker, image, dir, kills)) {
                measure("flotilla", flotilla, results);
            }
            if (!skipSwarm) {
                try (SwarmContender swarm = new SwarmContender(docker, image, kills)) {
                    measure("swarm", swarm, results);
                }
            }
            print(results);
        }
        return 0;
    }

    private void measure(String name, DockerBenchContender contender, Map<String, Map<String, Double>> results)
            throws Exception {
        System.out.println();
        System.out.println("== " + name);
        contender.converge(1); // warm-up, not measured: first image use, JIT, connections
        Map<String, Double> medians = new LinkedHashMap<>();
        for (String scenario : SCENARIOS) {
            List<Double> times = new ArrayList<>();
            for (int run = 0; run < runs; run++) {
                double seconds = switch (scenario) {
                    case CONVERGE_1 -> contender.converge(1);
                    case CONVERGE_10 -> contender.converge(10);
                    case CONVERGE_50 -> contender.converge(50);
                    case SCALE -> contender.scale(10, 50);
                    case KILL -> contender.killToReplaced();
                    case UPDATE -> contender.rollingUpdate(10);
                    default -> throw new IllegalStateException(scenario);
                };
                System.out.printf(Locale.ROOT, "%s: %s: %.3f s%n", name, scenario, seconds);
                times.add(seconds);
            }
            Collections.sort(times);
            medians.put(scenario, times.get(times.size() / 2));
        }
        results.put(name, medians);
    }

    private static void print(Map<String, Map<String, Double>> results) {
        Map<String, Double> limit = results.get("docker run (parallel)");
        Map<String, Double> flotilla = results.getOrDefault("flotilla", Map.of());
        Map<String, Double> swarm = results.getOrDefault("swarm", Map.of());
        Table table = new Table("SCENARIO", "FLOTILLA", "SWARM", "DOCKER RUN (PARALLEL)", "FLOTILLA/LIMIT", "SWARM/FLOTILLA");
        for (String scenario : SCENARIOS) {
            Double f = flotilla.get(scenario);
            Double s = swarm.get(scenario);
            Double l = limit.get(scenario);
            table.row(scenario, seconds(f), seconds(s), seconds(l), ratio(f, l), ratio(s, f));
        }
        System.out.println();
        table.print(System.out);
    }

    static String seconds(Double value) {
        if (value == null) {
            return "-";
        }
        return value < 1 ? String.format(Locale.ROOT, "%.0f ms", value * 1000) : String.format(Locale.ROOT, "%.2f s", value);
    }

    static String ratio(Double a, Double b) {
        return a == null || b == null || b == 0 ? "-" : String.format(Locale.ROOT, "%.2f×", a / b);
    }

    /** Running containers carrying {@code label=value}. */
    static List<Container> running(DockerClient docker, String label, String value) {
        return docker.listContainersCmd().withLabelFilter(Map.of(label, value)).exec();
    }

    /** Every container (running or not) carrying {@code label=value}. */
    static List<Container> all(DockerClient docker, String label, String value) {
        return docker.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(label, value)).exec();
    }

    static void removeAll(DockerClient docker, String label, String value) {
        for (Container container : all(docker, label, value)) {
            try {
                docker.removeContainerCmd(container.getId()).withForce(true).exec();
            } catch (NotFoundException e) {
                // gone
            }
        }
    }

    static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    static final String NODE_LABEL = ContainerLabels.NODE;
}
