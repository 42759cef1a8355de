package io.flotilla.manager;

import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Resources;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import java.time.Instant;
import java.util.Set;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.PortSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;

/** Starts real managers (Ratis on disk) for tests and closes them all. */
public final class TestManagers implements AutoCloseable {
    private final List<Manager> started = new ArrayList<>();

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public static ManagerConfig config(Path dataDir, Duration heartbeatTimeout) {
        return new ManagerConfig("m1", dataDir, new InetSocketAddress("127.0.0.1", 0),
                new InetSocketAddress("127.0.0.1", freePort()), heartbeatTimeout);
    }

    public static ManagerTuning tuning() {
        return ManagerTuning.defaults().withRandom(new Random(42));
    }

    public Manager start(ManagerConfig config, InstantSource clock, TaskLogSource logs, ManagerTuning tuning)
            throws IOException {
        Manager manager = new Manager(config, clock, logs, tuning);
        started.add(manager);
        manager.start();
        return manager;
    }

    public Manager start(Path dataDir) throws IOException {
        return start(config(dataDir, null), new FakeClock(), TaskLogSource.NONE, tuning());
    }

    /** A stack of process services named {@code <stack>_<name>}. */
    public static StackSpec stack(String name, String... services) {
        List<ServiceSpec> specs = new ArrayList<>();
        for (String service : services) {
            specs.add(service(name, service, 2));
        }
        return new StackSpec(name, specs);
    }

    public static ServiceSpec service(String stack, String name, int replicas) {
        return new ServiceSpec(stack + "_" + name, stack, ServiceMode.REPLICATED, replicas,
                TaskTemplate.process(List.of("sleep", "1000")),
                List.of(new PortSpec("http", 8080, null, null, null), new PortSpec("9090", 9090, null, null, null)),
                List.of(), Map.of(), null, null);
    }

    public static Task newTask(String id, Service service, int slot, Instant at) {
        return new Task(id, service.id(), service.spec().name(), slot, service.version(), null, TaskState.RUNNING,
                TaskStatus.of(TaskState.NEW, at, "created"), service.spec().task(), at, null, 0, TaskAllocation.NONE);
    }

    public static Node node(String id) {
        return new Node(id, new NodeSpec(null, null, null),
                new NodeStatus(NodeState.UNKNOWN, "host-" + id, "127.0.0.1", Resources.NONE, Set.of("process"), null, null));
    }

    @Override
    public void close() {
        for (Manager manager : started.reversed()) {
            manager.close();
        }
        started.clear();
    }
}
