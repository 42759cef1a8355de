package io.flotilla.manager;

import io.flotilla.model.api.TaskLogSource;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.time.InstantSource;

/** A manager in its own JVM, for tests that kill it with SIGKILL. Args: dataDir raftPort. */
public final class ManagerProcessMain {
    private ManagerProcessMain() {}

    public static void main(String[] args) throws Exception {
        ManagerConfig config = new ManagerConfig("m1", Path.of(args[0]), new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", Integer.parseInt(args[1])), null);
        Manager manager = new Manager(config, InstantSource.system(), TaskLogSource.NONE);
        manager.start();
        System.out.println("API-PORT " + manager.apiAddress().getPort());
        System.out.flush();
        Thread.sleep(Long.MAX_VALUE);
    }
}
