package io.flotilla.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Image;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.cli.Table;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.function.ToDoubleFunction;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Issue 14's benchmark: {@code stack deploy} of a stack of N built services on a one-node cluster
 * on loopback ({@link FlotillaBuildDeploy}), against what a Compose user does to get the same
 * images to a cluster, {@code docker compose build} plus a push to a registry on the same machine
 * ({@link RegistryPeer}), and beside both the daemon's own build time for the same builds
 * ({@link DaemonBuilds}). Cold: every context has a new file (the cache misses from the COPY on);
 * warm: nothing changed since (Flotilla's stack removed first, so its tasks start anew). Last, a
 * no-change redeploy of the largest stack, in this process and as its own JVM. Contenders alternate
 * within each run, each on its own contexts. Images are named {@code flbb-…} and removed at the end,
 * with the registry. Prints tables; asserts nothing.
 */
@Command(name = "build", description = "Benchmark stack deploy of built services against docker compose build + push to a local registry.")
public final class BuildBenchCommand implements Callable<Integer> {
    @Option(names = "--services", split = ",", defaultValue = "5,20", description = "Stack sizes: services with build: (default 5,20).")
    List<Integer> sizes;

    @Option(names = "--runs", defaultValue = "3", description = "Runs of each measurement; medians are shown (default 3).")
    int runs;

    @Option(names = "--image", defaultValue = "flotilla-test/busybox:1", description = "The base image of every Dockerfile (default: the offline test image of scripts/docker-test-env.sh).")
    String image;

    @Option(names = "--data", paramLabel = "DIR", description = "Contexts, node data and logs (default: a temporary directory, removed at the end).")
    Path data;

    /** One run's figures for one stack size and cache state. */
    record Run(DeployPhases flotilla, double hashing, double daemon, RegistryPeer.Times peer) {}

    @Override
    public Integer call() throws Exception {
        if (runs < 1 || sizes.isEmpty() || sizes.stream().anyMatch(n -> n < 1 || n > 99)) {
            System.err.println("bench build: --runs must be at least 1 and every --services size between 1 and 99");
            return 2;
        }
        DockerDaemon daemon = DockerDaemon.connect().orElse(null);
        if (daemon == null) {
            System.err.println("bench build: no Docker daemon answers (DOCKER_HOST or /var/run/docker.sock)");
            return 1;
        }
        Path dir = data != null ? Files.createDirectories(data) : Files.createTempDirectory("flbb-bench-build");
        Set<String> imageIds = new LinkedHashSet<>();
        try (daemon) {
            return measure(daemon.client(), dir, imageIds);
        } finally {
            if (data == null) {
                deleteTree(dir);
            }
        }
    }

    private int measure(DockerClient docker, Path dir, Set<String> imageIds) throws Exception {
        try {
            try {
                docker.inspectImageCmd(image).exec();
            } catch (NotFoundException e) {
                System.err.println("bench build: image " + image + " not found (scripts/docker-test-env.sh builds flotilla-test/busybox:1)");
                return 1;
            }
            String loadBefore = loadAverage();
            try (RegistryPeer peer = RegistryPeer.start(Files.createDirectories(dir.resolve("registry")));
                 FlotillaBuildDeploy flotilla = new FlotillaBuildDeploy(docker, dir)) {
                System.out.printf("Build bench: Docker %s, %d CPUs, load average %s, %d run(s), sizes %s; peer: %s,"
                                + " registry %s; files in %s%n", docker.versionCmd().exec().getVersion(),
                        Runtime.getRuntime().availableProcessors(), loadBefore, runs, sizes, peer.how(), peer.address(), dir);
                Map<String, List<Run>> results = new LinkedHashMap<>();
                List<Double> noChange = new ArrayList<>();
                List<Double> noChangeJvm = new ArrayList<>();
                List<Double> noChangeLauncher = new ArrayList<>();
                int largest = Collections.max(sizes);
                DaemonBuilds daemonBuilds = new DaemonBuilds(docker, imageIds);
                warmUp(dir, flotilla, peer, daemonBuilds);
                for (int n : sizes) {
                    Path root = dir.resolve(n + "-services");
                    BuildContexts own = BuildContexts.create(root.resolve("flotilla"), n, image, s -> "flbb-" + s);
                    BuildContexts peers = BuildContexts.create(root.resolve("peer"), n, image, peer::image);
                    BuildContexts bare = BuildContexts.create(root.resolve("daemon"), n, image, s -> "flbb-daemon-" + s + ":1");
                    for (int run = 1; run <= runs; run++) {
                        for (String cache : List.of("cold", "warm")) {
                            if (cache.equals("cold")) {
                                own.freshen();
                                peers.freshen();
                                bare.freshen();
                            }
                            flotilla.removeStack();
                            DeployPhases phases = flotilla.deploy(own);
                            double hashing = DaemonBuilds.hashing(own, FlotillaBuildDeploy.STACK);
                            RegistryPeer.Times peerTimes = peer.buildAndPush(peers, "flbbpeer");
                            peers.names().forEach(s -> imageIds.add(docker.inspectImageCmd(peers.image(s)).exec().getId()));
                            double daemonTime = daemonBuilds.build(bare);
                            Run result = new Run(phases, hashing, daemonTime, peerTimes);
                            results.computeIfAbsent(scenario(n, cache), k -> new ArrayList<>()).add(result);
                            System.out.printf(Locale.ROOT, "%s, run %d: flotilla deployed %.2f s (builds %.2f: load+connect %.2f,"
                                            + " around the daemon's output %.2f; save %.2f, upload %.2f), converged %.2f s, hashing %.3f s; daemon alone %.2f s; peer build %.2f s"
                                            + " + push %.2f s%n", scenario(n, cache), run, phases.deployed(), phases.build(),
                                    phases.prepare(), phases.around(), phases.save(), phases.upload(), phases.converged(), hashing, daemonTime, peerTimes.build(),
                                    peerTimes.push());
                        }
                        if (n == largest) {
                            noChange.add(flotilla.deploy(own).converged());
                            noChangeJvm.add(flotilla.deployAsProcess(own));
                            boolean viaLauncher = FlotillaBuildDeploy.launcher() != null;
                            if (viaLauncher && noChangeLauncher.isEmpty()) {
                                flotilla.deployThroughLauncher(own); // starts the CLI daemon: not timed
                                flotilla.awaitCliDaemon();
                                flotilla.deployThroughLauncher(own);
                            }
                            if (viaLauncher) {
                                noChangeLauncher.add(flotilla.deployThroughLauncher(own));
                            }
                            System.out.printf(Locale.ROOT, "no-change redeploy of %d, run %d: %.3f s in process, %.3f s as its own JVM,"
                                    + " %.3f s through ./flotilla and its CLI daemon%n",
                                    n, run, noChange.getLast(), noChangeJvm.getLast(), viaLauncher ? noChangeLauncher.getLast() : Double.NaN);
                        }
                    }
                }
                System.out.println();
                comparison(results).print(System.out);
                System.out.println();
                breakdown(results).print(System.out);
                System.out.println();
                redeploy(largest, noChange, noChangeJvm, noChangeLauncher).print(System.out);
                System.out.printf("%nload average before %s, after %s%n", loadBefore, loadAverage());
            }
        } finally {
            removeImages(docker, imageIds);
        }
        return 0;
    }

    /**
     * One cold round of one service, not measured: the first deploy in this JVM loads and compiles the
     * CLI's classes and opens its connections, which a user's later runs pay too, but a run-to-run
     * median should not mix in once. The no-change redeploy as its own JVM shows that cost.
     */
    private void warmUp(Path dir, FlotillaBuildDeploy flotilla, RegistryPeer peer, DaemonBuilds daemonBuilds) throws Exception {
        Path root = dir.resolve("warm-up");
        BuildContexts own = BuildContexts.create(root.resolve("flotilla"), 1, image, s -> "flbb-warmup-" + s);
        flotilla.deploy(own);
        flotilla.removeStack();
        peer.buildAndPush(BuildContexts.create(root.resolve("peer"), 1, image, s -> peer.image("warmup-" + s)), "flbbwarmup");
        daemonBuilds.build(BuildContexts.create(root.resolve("daemon"), 1, image, s -> "flbb-daemon-warmup-" + s + ":1"));
    }

    static String scenario(int services, String cache) {
        return services + " services, " + cache;
    }

    /** Flotilla, the peer and the daemon alone side by side, with the ratios the goals name. */
    static Table comparison(Map<String, List<Run>> results) {
        Table table = new Table("SCENARIO", "FLOTILLA DEPLOYED", "FLOTILLA CONVERGED", "FLOTILLA BUILDS", "DAEMON ALONE",
                "PEER BUILD+PUSH", "BUILDS ÷ DAEMON (GOAL ≤ 1.10)", "DEPLOYED ÷ PEER");
        results.forEach((scenario, runs) -> {
            double deployed = median(runs, r -> r.flotilla().deployed());
            double builds = median(runs, r -> r.flotilla().build());
            double daemon = median(runs, Run::daemon);
            double peer = median(runs, r -> r.peer().total());
            table.row(scenario, seconds(deployed), seconds(median(runs, r -> r.flotilla().converged())), seconds(builds),
                    seconds(daemon), seconds(peer), ratio(builds, daemon), ratio(deployed, peer));
        });
        return table;
    }

    /** Where Flotilla's time goes, measured: hashing timed apart, save and upload from the deploy's own lines. */
    static Table breakdown(Map<String, List<Run>> results) {
        Table table = new Table("SCENARIO (MEDIANS)", "BUILDS − DAEMON", "LOAD+CONNECT", "AROUND DAEMON OUTPUT",
                "OF IT HASHING", "DOCKER SAVE", "UPLOAD", "DEPLOYED → CONVERGED", "PEER BUILD", "PEER PUSH");
        results.forEach((scenario, runs) -> table.row(scenario,
                signed(median(runs, r -> r.flotilla().build()) - median(runs, Run::daemon)),
                seconds(median(runs, r -> r.flotilla().prepare())), seconds(median(runs, r -> r.flotilla().around())),
                seconds(median(runs, Run::hashing)),
                seconds(median(runs, r -> r.flotilla().save())), seconds(median(runs, r -> r.flotilla().upload())),
                seconds(median(runs, r -> r.flotilla().converged() - r.flotilla().deployed())),
                seconds(median(runs, r -> r.peer().build())), seconds(median(runs, r -> r.peer().push()))));
        return table;
    }

    static Table redeploy(int services, List<Double> inProcess, List<Double> ownJvm, List<Double> launcher) {
        Table table = new Table("NO-CHANGE REDEPLOY", "RUNS", "MEDIAN", "MAX", "GOAL");
        table.row(services + " services, stack deploy in process", inProcess.size(), seconds(median(inProcess)),
                seconds(Collections.max(inProcess)), "< 1 s");
        table.row(services + " services, flotilla stack deploy (own JVM)", ownJvm.size(), seconds(median(ownJvm)),
                seconds(Collections.max(ownJvm)), "< 1 s");
        if (launcher.isEmpty()) {
            table.row(services + " services, ./flotilla stack deploy (CLI daemon)", 0, "-", "-", "not run through ./flotilla");
        } else {
            table.row(services + " services, ./flotilla stack deploy (CLI daemon)", launcher.size(), seconds(median(launcher)),
                    seconds(Collections.max(launcher)), "< 1 s");
        }
        return table;
    }

    static double median(List<Run> runs, ToDoubleFunction<Run> figure) {
        return median(runs.stream().map(r -> figure.applyAsDouble(r)).toList());
    }

    static double median(List<Double> values) {
        List<Double> sorted = new ArrayList<>(values);
        Collections.sort(sorted);
        int middle = sorted.size() / 2;
        return sorted.size() % 2 == 1 ? sorted.get(middle) : (sorted.get(middle - 1) + sorted.get(middle)) / 2;
    }

    static String seconds(double value) {
        return value < 1 ? String.format(Locale.ROOT, "%.0f ms", value * 1000) : String.format(Locale.ROOT, "%.2f s", value);
    }

    static String signed(double value) {
        return (value < 0 ? "-" : "+") + seconds(Math.abs(value));
    }

    static String ratio(double a, double b) {
        return b == 0 ? "-" : String.format(Locale.ROOT, "%.2f×", a / b);
    }

    /** Every image this run made: those it recorded (the peer's and the daemon's, older ones untagged since) and any tagged flbb-…. */
    private static void removeImages(DockerClient docker, Set<String> imageIds) {
        try {
            Set<String> ids = new LinkedHashSet<>(imageIds);
            for (Image image : docker.listImagesCmd().exec()) {
                if (image.getRepoTags() != null && List.of(image.getRepoTags()).stream().anyMatch(t -> t.contains("flbb-"))) {
                    ids.add(image.getId());
                }
            }
            for (String id : ids) {
                try {
                    docker.removeImageCmd(id).withForce(true).exec();
                } catch (RuntimeException e) {
                    // gone already, or a child of another removed first
                }
            }
        } catch (RuntimeException e) {
            System.err.println("bench build: could not remove every flbb- image: " + e.getMessage());
        }
    }

    private static void deleteTree(Path dir) {
        try (var paths = Files.walk(dir)) {
            paths.sorted(Collections.reverseOrder()).forEach(p -> p.toFile().delete());
        } catch (java.io.IOException e) {
            System.err.println("bench build: could not remove " + dir + ": " + e.getMessage());
        }
    }

    static String loadAverage() {
        try {
            return String.join(" ", List.of(Files.readString(Path.of("/proc/loadavg")).split(" ")).subList(0, 3));
        } catch (java.io.IOException e) {
            return "unknown";
        }
    }
}
