package io.flotilla.cli.bench;

import io.flotilla.manager.Manager;
import io.flotilla.manager.ManagerConfig;
import io.flotilla.manager.ManagerTuning;
import io.flotilla.model.api.TaskLogSource;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * A manager alone (no agent), for {@code bench scale}: started as a child JVM so that its heap is
 * measured apart from the simulator's. Prints {@code READY} once it leads; runs until killed.
 */
@Command(name = "scale-manager", hidden = true, description = "A manager without an agent, for bench scale.")
public final class ScaleManagerCommand implements Callable<Integer> {
    @Option(names = "--data", required = true)
    Path data;

    @Option(names = "--api", required = true, description = "HOST:PORT")
    String api;

    @Option(names = "--raft", required = true, description = "HOST:PORT")
    String raft;

    @Option(names = "--heartbeat-timeout", defaultValue = "15s")
    String heartbeatTimeout;

    @Override
    public Integer call() throws Exception {
        ManagerConfig config = new ManagerConfig("m1", data, address(api), address(raft),
                Duration.parse("PT" + heartbeatTimeout.toUpperCase()));
        Manager manager = new Manager(config, InstantSource.system(), TaskLogSource.NONE, ManagerTuning.defaults());
        manager.start();
        System.out.println("READY " + manager.apiAddress().getPort());
        System.out.flush();
        Thread.currentThread().join();
        return 0;
    }

    private static InetSocketAddress address(String hostPort) {
        int colon = hostPort.lastIndexOf(':');
        return new InetSocketAddress(hostPort.substring(0, colon), Integer.parseInt(hostPort.substring(colon + 1)));
    }
}
