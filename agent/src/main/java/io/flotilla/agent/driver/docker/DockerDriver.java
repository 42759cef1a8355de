package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.CreateContainerResponse;
import com.github.dockerjava.api.command.PullImageCmd;
import com.github.dockerjava.api.exception.ConflictException;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.AuthConfig;
import com.github.dockerjava.api.model.Container;
import com.github.dockerjava.api.model.PullResponseItem;
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
import java.nio.file.Path;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicReference;
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
 *       output saved to the task directory first, so {@code service logs} still reads it).</li>
 * </ul>
 */
public final class DockerDriver implements Driver {
    private static final Logger log = LoggerFactory.getLogger(DockerDriver.class);

    private final DockerDaemon daemon;
    private final DockerClient client;
    private final String nodeId;
    private final String address;
    private final Path dataDir;
    private final InstantSource clock;
    private final DockerEvents events;
    private final ContainerLogSource logs;
    /** Task ids whose container is being created or runs under this driver: never removed by {@link #retainOnly}. */
    private final Set<String> active = ConcurrentHashMap.newKeySet();
    private final Map<String, Object> pullLocks = new ConcurrentHashMap<>();

    public DockerDriver(DockerDaemon daemon, String nodeId, String address, Path dataDir, InstantSource clock,
                        TaskLogSource diskLogs) {
        this.daemon = daemon;
        this.client = daemon.client();
        this.nodeId = nodeId;
        this.address = address;
        this.dataDir = dataDir;
        this.clock = clock;
        this.events = new DockerEvents(client, nodeId);
        this.logs = new ContainerLogSource(this, diskLogs);
        events.start();
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
        ImageReference reference = ImageReference.parse(image);
        PullPolicy policy = PullPolicy.parse(task.spec().pullPolicy());
        if (policy != PullPolicy.ALWAYS && imagePresent(image)) {
            return; // the common case, without waiting for another task's pull
        }
        // One pull per image at a time: fifty replicas starting together pull once.
        synchronized (pullLocks.computeIfAbsent(reference.canonical(), key -> new Object())) {
            switch (policy.decide(imagePresent(image))) {
                case USE_LOCAL -> { }
                case REJECT -> throw new DriverException("image " + image
                        + " is not on this node and pull_policy is never");
                case PULL -> pull(image, reference, progress);
            }
        }
    }

    private boolean imagePresent(String image) throws DriverException {
        try {
            client.inspectImageCmd(image).exec();
            return true;
        } catch (NotFoundException e) {
            return false;
        } catch (RuntimeException e) {
            throw new DriverException("cannot inspect image " + image + ": " + DaemonErrors.reason(e), e);
        }
    }

    private void pull(String image, ImageReference reference, Consumer<String> progress) throws DriverException {
        log.info("pulling image {}", image);
        progress.accept("pulling image " + image);
        PullProgress summary = new PullProgress(image, clock, progress);
        AtomicReference<String> daemonError = new AtomicReference<>();
        PullImageCmd command = client.pullImageCmd(reference.repository());
        if (reference.digest() != null) {
            command = client.pullImageCmd(reference.canonical());
        } else {
            command.withTag(reference.tag());
        }
        AuthConfig auth = credentials(image);
        if (auth != null) {
            command.withAuthConfig(auth);
        }
        try {
            command.exec(new ResultCallback.Adapter<PullResponseItem>() {
                @Override
                public void onNext(PullResponseItem item) {
                    if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                        daemonError.set(item.getErrorDetail().getMessage());
                    } else if (item.getError() != null) {
                        daemonError.set(item.getError());
                    }
                    var detail = item.getProgressDetail();
                    summary.update(item.getId(), item.getStatus(), detail == null ? null : detail.getCurrent(),
                            detail == null ? null : detail.getTotal());
                }

                @Override
                public void onError(Throwable error) {
                    daemonError.set(DaemonErrors.reason(error)); // reported by the task, not logged here
                    try {
                        close();
                    } catch (java.io.IOException e) {
                        // closing anyway
                    }
                }
            }).awaitCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new DriverException("pull of " + image + " interrupted", e);
        } catch (RuntimeException e) {
            throw new DriverException("cannot pull image " + image + ": " + DaemonErrors.reason(e), e);
        }
        if (daemonError.get() != null) {
            throw new DriverException("cannot pull image " + image + ": " + daemonError.get());
        }
        if (!imagePresent(image)) {
            throw new DriverException("cannot pull image " + image + ": the daemon reports no error, but has no such image");
        }
        progress.accept("pulled image " + image);
    }

    /** Credentials for the image's registry from {@code ~/.docker/config.json}, or null for none. */
    private AuthConfig credentials(String image) {
        try {
            AuthConfig auth = daemon.config().effectiveAuthConfig(image);
            if (auth == null || (auth.getUsername() == null && auth.getAuth() == null && auth.getIdentitytoken() == null
                    && auth.getRegistrytoken() == null)) {
                return null;
            }
            return auth;
        } catch (RuntimeException e) {
            log.warn("cannot read registry credentials for {}: {}", image, e.toString());
            return null;
        }
    }

    @Override
    public TaskHandle start(TaskLaunch launch) throws DriverException {
        Task task = launch.task();
        ContainerSpec spec;
        try {
            spec = ContainerSpecMapper.map(task, launch.assignment(), nodeId, address, launch.hostPorts(), launch.mounts(), launch.leaseFile());
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
        try {
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
