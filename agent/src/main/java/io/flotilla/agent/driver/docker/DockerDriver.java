package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.Container;
import io.flotilla.agent.driver.Adoption;
import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.DriverException;
import io.flotilla.agent.driver.ExitStatus;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.driver.TaskHandle;
import io.flotilla.agent.driver.TaskLaunch;
import io.flotilla.agent.driver.TaskRecord;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.TaskLogSource;
import io.flotilla.model.api.TaskNetwork;
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Consumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Runs tasks as Docker containers, one per task, named {@code <service>.<slot>.<taskid>} and
 * labelled with stack, service, task, node and slot ({@link ContainerLabels}). The daemon plays
 * the shim's role: a container outlives the agent, and a restarted agent finds it by its labels.
 *
 * <ul>
 *   <li>{@link #prepare}: the image, per pull policy (missing, always, never), pulled with
 *       progress; a failed pull rejects the task with the daemon's reason.</li>
 *   <li>{@link #start}: create (from {@link ContainerSpecMapper}), watch, start. A container that
 *       already exists for the task id is adopted if it runs and replaced if not: never two
 *       containers for one task.</li>
 *   <li>Exits and health come from one event stream ({@link DockerEvents}).</li>
 *   <li>A fenced task's container gets its watchdog ({@link ContainerWatchdog}) before it starts;
 *       an adopted one gets a new watchdog if its own is gone.</li>
 *   <li>{@link #retainOnly}: containers of tasks the cluster no longer lists are removed (their
 *       output saved to the task directory first, so {@code service logs} still reads it), and the
 *       Docker networks of overlays no container is on any more ({@link DockerNetworks#removeIdle}).</li>
 *   <li>A task on overlay networks: {@link ContainerNetworking}; the Docker network of each is made
 *       before the container ({@link DockerNetworks#ensure}), which is connected to all of them
 *       before it starts.</li>
 * </ul>
 */
public final class DockerDriver implements Driver {
    private static final Logger log = LoggerFactory.getLogger(DockerDriver.class);

    private final DockerDaemon daemon;
    private final DockerClient client;
    private final String nodeId;
    private final String address;
    private final Path dataDir;
    private final DockerEvents events;
    private final ContainerLogSource logs;
    /** Task ids whose container is being created or runs under this driver: never removed by {@link #retainOnly}. */
    private final Set<String> active = ConcurrentHashMap.newKeySet();
    private final DockerImages images;
    private final DockerNetworks networks;
    private final String dnsDomain;

    /** Task id → the overlays its container is being created on: {@link #retainOnly} leaves their Docker networks. */
    private final Map<String, List<String>> joining = new ConcurrentHashMap<>();

    public DockerDriver(DockerDaemon daemon, String nodeId, String address, Path dataDir, InstantSource clock,
                        TaskLogSource diskLogs) {
        this(daemon, nodeId, address, dataDir, clock, diskLogs, ContainerNetworking.DEFAULT_DOMAIN);
    }

    /** @param dnsDomain the cluster's DNS domain: a container on overlays searches {@code <stack>.<dnsDomain>} */
    public DockerDriver(DockerDaemon daemon, String nodeId, String address, Path dataDir, InstantSource clock,
                        TaskLogSource diskLogs, String dnsDomain) {
        this(daemon, nodeId, address, dataDir, clock, diskLogs, dnsDomain, ClusterImages.NONE);
    }

    /** @param clusterImages where images the daemon lacks are looked for before a registry (the cluster's store) */
    public DockerDriver(DockerDaemon daemon, String nodeId, String address, Path dataDir, InstantSource clock,
                        TaskLogSource diskLogs, String dnsDomain, ClusterImages clusterImages) {
        this.daemon = daemon;
        this.client = daemon.client();
        this.nodeId = nodeId;
        this.address = address;
        this.dataDir = dataDir;
        this.events = new DockerEvents(client, nodeId);
        this.logs = new ContainerLogSource(this, diskLogs);
        this.images = new DockerImages(daemon, clock, clusterImages);
        this.networks = new DockerNetworks(client);
        this.dnsDomain = dnsDomain;
        events.start();
    }

    /** Counts this driver's image pulls and loads in {@code imageMeters} from now on. */
    public void imageMeters(ImageMeters imageMeters) {
        images.meters(imageMeters);
    }

    @Override
    public String name() {
        return TaskTemplate.DOCKER;
    }

    DockerClient client() {
        return client;
    }

    @Override
    public void prepare(Task task, Assignment assignment, Consumer<String> progress) throws DriverException {
        String image = task.spec().image();
        if (image == null || image.isBlank()) {
            throw new DriverException("the service has no image");
        }
        if (assignment.fenced() && ContainerWatchdog.missing() != null) {
            throw new DriverException("cannot run a fenced task: " + ContainerWatchdog.missing());
        }
        images.ensure(image, task.spec().pullPolicy(), progress);
    }

    @Override
    public TaskHandle start(TaskLaunch launch) throws DriverException {
        Task task = launch.task();
        ContainerSpec spec;
        try {
            spec = ContainerSpecMapper.map(task, launch.assignment(), nodeId, address, launch.hostPorts(),
                    launch.mounts(), launch.leaseFile(), dnsDomain);
        } catch (IllegalArgumentException e) {
            throw new DriverException(e.getMessage(), e);
        }
        if (launch.leaseFile() != null) {
            try { // bind-mounted into the container: Docker refuses a missing source
                java.nio.file.Files.createDirectories(launch.leaseFile().toAbsolutePath().getParent());
            } catch (java.io.IOException e) {
                throw new DriverException("cannot create the node's fencing directory: " + e.getMessage(), e);
            }
        }
        active.add(task.id());
        joining.put(task.id(), spec.networking().networks().stream().map(TaskNetwork::network).toList());
        try {
            ensureNetworks(spec.networking());
            String containerId;
            try {
                CreateContainerResponse created = spec.applyTo(client.createContainerCmd(spec.image())).exec();
                containerId = created.getId();
            } catch (ConflictException e) {
                Optional<ContainerHandle> existing = existingContainer(task);
                if (existing.isPresent()) {
                    return existing.get();
                }
                containerId = spec.applyTo(client.createContainerCmd(spec.image())).exec().getId();
            }
            connectBeforeStart(containerId, spec.networking());
            ContainerHandle handle = new ContainerHandle(client, task.id(), containerId, healthEnabled(task));
            events.watch(handle);
            handle.exit().whenComplete((status, failure) -> active.remove(task.id()));
            if (launch.leaseFile() != null) {
                try {
                    ContainerWatchdog.start(launch.directory(), launch.leaseFile(), containerId);
                } catch (DriverException e) {
                    handle.ended(new ExitStatus.Unknown("not started"));
                    removeQuietly(containerId);
                    throw e;
                }
                handle.exit().whenComplete((status, failure) -> ContainerWatchdog.stop(launch.directory()));
            }
            try {
                client.startContainerCmd(containerId).exec();
            } catch (RuntimeException e) {
                handle.ended(new ExitStatus.Unknown("not started"));
                removeQuietly(containerId);
                throw new DriverException("cannot start the container: " + DaemonErrors.reason(e), e);
            }
            log.info("task {}: container {} started ({})", task.id(), DockerEvents.shortId(containerId), spec.name());
            return handle;
        } catch (DriverException e) {
            active.remove(task.id());
            throw e;
        } catch (RuntimeException e) {
            active.remove(task.id());
            throw new DriverException("cannot create the container: " + DaemonErrors.reason(e), e);
        } finally {
            joining.remove(task.id());
        }
    }

    /** The Docker network of each overlay of the task, made if missing ({@link DockerNetworks#ensure}). */
    private void ensureNetworks(ContainerNetworking networking) throws DriverException {
        for (TaskNetwork network : networking.networks()) {
            try {
                networks.ensure(network);
            } catch (RuntimeException e) {
                throw new DriverException("cannot make the Docker network of network " + network.network() + ": "
                        + DaemonErrors.reason(e), e);
            }
        }
    }

    /** Joins a created container to its further overlays, each at its address; on failure it is removed. */
    private void connectBeforeStart(String containerId, ContainerNetworking networking) throws DriverException {
        for (TaskNetwork network : networking.connectBeforeStart()) {
            try {
                networks.connect(containerId, network);
            } catch (RuntimeException e) {
                removeQuietly(containerId);
                throw new DriverException("cannot connect the container to network " + network.network() + " at "
                        + network.address() + ": " + DaemonErrors.reason(e), e);
            }
        }
    }

    /** A container of this task left by an earlier start: adopted if it runs, else removed (empty). */
    private Optional<ContainerHandle> existingContainer(Task task) {
        for (Container container : containersOf(task.id())) {
            if ("running".equals(container.getState())) {
                log.info("task {}: its container {} already runs; adopting it", task.id(),
                        DockerEvents.shortId(container.getId()));
                return Optional.of(watchRunning(task, container.getId()));
            }
            removeQuietly(container.getId());
        }
        return Optional.empty();
    }

    private ContainerHandle watchRunning(Task task, String containerId) {
        ContainerHandle handle = new ContainerHandle(client, task.id(), containerId, healthEnabled(task));
        active.add(task.id());
        events.watch(handle);
        handle.exit().whenComplete((status, failure) -> active.remove(task.id()));
        events.check(handle);
        return handle;
    }

    @Override
    public Adoption adopt(TaskDirectory directory, TaskRecord record) {
        Task task = record.task();
        List<Container> containers;
        try {
            containers = containersOf(task.id());
        } catch (RuntimeException e) {
            return new Adoption.Ended(new ExitStatus.Unknown("cannot list its containers: " + DaemonErrors.reason(e)));
        }
        if (containers.isEmpty()) {
            return new Adoption.Ended(new ExitStatus.Unknown("its container is gone"));
        }
        Container container = containers.getFirst();
        for (Container extra : containers.subList(1, containers.size())) {
            removeQuietly(extra.getId());
        }
        if ("running".equals(container.getState())) {
            ContainerHandle handle = watchRunning(task, container.getId());
            if (handle.exit().isDone()) {
                ContainerWatchdog.stop(directory);
                return new Adoption.Ended(handle.exit().join());
            }
            if (record.assignment().fenced()) {
                ContainerWatchdog.ensure(directory, Fencing.leaseFile(dataDir), container.getId());
                handle.exit().whenComplete((status, failure) -> ContainerWatchdog.stop(directory));
            }
            return new Adoption.StillRunning(handle);
        }
        ContainerWatchdog.stop(directory);
        try {
            return new Adoption.Ended(DockerEvents.exitStatus(client.inspectContainerCmd(container.getId()).exec().getState()));
        } catch (RuntimeException e) {
            return new Adoption.Ended(new ExitStatus.Unknown("its container ended: " + container.getStatus()));
        }
    }

    List<Container> containersOf(String taskId) {
        return client.listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.NODE, nodeId, ContainerLabels.TASK, taskId)).exec();
    }

    /** This node's containers, running or not. */
    public List<Container> containers() {
        return client.listContainersCmd().withShowAll(true).withLabelFilter(Map.of(ContainerLabels.NODE, nodeId)).exec();
    }

    @Override
    public void retainOnly(Set<String> taskIds) {
        List<Container> containers;
        try {
            containers = containers();
        } catch (RuntimeException e) {
            log.warn("cannot list this node's containers: {}", e.toString());
            return;
        }
        for (Container container : containers) {
            String taskId = container.getLabels() == null ? null : container.getLabels().get(ContainerLabels.TASK);
            if (taskId == null || taskIds.contains(taskId) || active.contains(taskId)) {
                continue;
            }
            logs.save(container.getId(), TaskDirectory.of(dataDir, taskId));
            log.info("task {}: removing its container {} ({})", taskId, DockerEvents.shortId(container.getId()),
                    container.getState());
            removeQuietly(container.getId());
        }
        try {
            Set<String> joiningNow = new java.util.HashSet<>();
            joining.values().forEach(joiningNow::addAll);
            for (String removed : networks.removeIdle(joiningNow)) {
                log.info("network {}: no container on it any more; removed its Docker network {}", removed,
                        DockerNetworks.dockerName(removed));
            }
        } catch (RuntimeException e) {
            log.warn("cannot remove idle Docker networks: {}", DaemonErrors.reason(e));
        }
    }

    private void removeQuietly(String containerId) {
        try {
            client.removeContainerCmd(containerId).withForce(true).exec();
        } catch (NotFoundException e) {
            // already gone
        } catch (RuntimeException e) {
            log.warn("cannot remove container {}: {}", DockerEvents.shortId(containerId), DaemonErrors.reason(e));
        }
    }

    @Override
    public Optional<TaskLogSource> logSource() {
        return Optional.of(logs);
    }

    @Override
    public void close() {
        events.close();
        daemon.close();
    }

    private static boolean healthEnabled(Task task) {
        return task.spec().healthcheck() != null && !task.spec().healthcheck().disabled();
    }
}
