package io.flotilla.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.model.Container;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The daemon's own limit: the same containers (busybox httpd, --init, a port published on
 * 127.0.0.1) started by parallel {@code docker run -d}, with nobody deciding anything. A killed
 * container is "replaced" by one more {@code docker run}; a rolling update is
 * {@code docker rm -f} + {@code docker run} per replica, one after the other.
 */
final class DockerRunContender implements DockerBenchContender {
    private static final String LABEL = "io.flotilla.bench";
    private static final String VALUE = "limit";

    private final DockerClient docker;
    private final String image;

    DockerRunContender(DockerClient docker, String image) {
        this.docker = docker;
        this.image = image;
    }

    private List<String> runArgs(String version) {
        return List.of("run", "-d", "--init", "--label", LABEL + "=" + VALUE, "-e", "BENCH_VERSION=" + version,
                "-p", "127.0.0.1::8080", image, "httpd", "-f", "-p", "8080", "-h", "/www");
    }

    private void startParallel(int count) throws Exception {
        List<List<String>> commands = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            commands.add(runArgs("1"));
        }
        DockerCli.parallel(commands);
    }

    @Override
    public double converge(int replicas) throws Exception {
        long start = System.nanoTime();
        startParallel(replicas);
        double seconds = (System.nanoTime() - start) / 1e9;
        DockerBenchCommand.removeAll(docker, LABEL, VALUE);
        return seconds;
    }

    @Override
    public double scale(int from, int to) throws Exception {
        startParallel(from);
        long start = System.nanoTime();
        startParallel(to - from);
        double seconds = (System.nanoTime() - start) / 1e9;
        DockerBenchCommand.removeAll(docker, LABEL, VALUE);
        return seconds;
    }

    @Override
    public double killToReplaced() throws Exception {
        DockerCli.run(runArgs("1").toArray(String[]::new));
        List<Double> times = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            Container victim = DockerBenchCommand.running(docker, LABEL, VALUE).getFirst();
            long start = System.nanoTime();
            docker.killContainerCmd(victim.getId()).exec();
            DockerCli.run(runArgs("1").toArray(String[]::new));
            times.add((System.nanoTime() - start) / 1e9);
            docker.removeContainerCmd(victim.getId()).withForce(true).exec();
        }
        DockerBenchCommand.removeAll(docker, LABEL, VALUE);
        Collections.sort(times);
        return times.get(times.size() / 2);
    }

    @Override
    public double rollingUpdate(int replicas) throws Exception {
        startParallel(replicas);
        List<Container> old = DockerBenchCommand.running(docker, LABEL, VALUE);
        long start = System.nanoTime();
        for (Container container : old) {
            DockerCli.run("rm", "-f", container.getId());
            DockerCli.run(runArgs("2").toArray(String[]::new));
        }
        double seconds = (System.nanoTime() - start) / 1e9;
        DockerBenchCommand.removeAll(docker, LABEL, VALUE);
        return seconds;
    }
}
