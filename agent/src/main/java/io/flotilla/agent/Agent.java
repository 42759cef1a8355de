package io.flotilla.agent;

import io.flotilla.agent.driver.Driver;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.agent.fencing.LeaseKeeper;
import io.flotilla.agent.files.FilesTmpfs;
import io.flotilla.agent.logs.DiskTaskLogSource;
import io.flotilla.agent.logs.LogRotator;
import io.flotilla.agent.runner.PortAllocator;
import io.flotilla.agent.runner.TaskRunner;
import io.flotilla.agent.runner.TaskRunnerContext;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.agent.volume.VolumeDrivers;
import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.AgentHello;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentSet;
import io.flotilla.model.api.NodeSession;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.InstantSource;
import java.util.Collections;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The agent of one node. It adopts the tasks an earlier agent left ({@link TaskAdoption}), opens
 * a session with the manager ({@code hello}), then long-polls the node's {@link AssignmentSet} and
 * reconciles what runs here with it, level-triggered: a wanted task that does not run here is
 * started; one whose desired state is terminal, or that is missing from the set, is stopped. A task
 * id that already ran here is never started again (a restart is a new task). Statuses go back
 * through a {@link StatusReporter}, which is also the heartbeat.
 *
 * <p>When the manager cannot be reached the agent keeps retrying after the channel's backoff
 * ({@link ManagerChannel#awaitRetry}) and keeps its tasks running. {@link #close()} stops the agent's
 * threads but not the tasks: they run on under their shims and the next agent on the same data directory adopts them.
 */
public final class Agent implements AutoCloseable {
    static final Duration MAINTENANCE_INTERVAL = Duration.ofSeconds(2);
    private static final int REMEMBERED_FINISHED_TASKS = 10_000;
    private static final Logger log = LoggerFactory.getLogger(Agent.class);

    private final AgentConfig config;
    private final ManagerChannel channel;
    private final InstantSource clock;
    private final Map<String, Driver> drivers;
    private final TaskRunnerContext context;
    private final StatusReporter reporter;
    private final LeaseKeeper lease;
    private final TaskJanitor janitor;
    private final DiskTaskLogSource logSource;
    private final Map<String, TaskRunner> runners = new ConcurrentHashMap<>();
    private final AgentMeters meters;
    private final SessionFeed sessions = new SessionFeed();
    /** Ids of tasks that ran here and ended, kept after their runner is dropped, so none runs twice. */
    private final Set<String> finished = Collections.newSetFromMap(new LinkedHashMap<>() {
        @Override
        protected boolean removeEldestEntry(Map.Entry<String, Boolean> eldest) {
            return size() > REMEMBERED_FINISHED_TASKS;
        }
    });
    private volatile Set<String> lastAssigned = Set.of();
    /** The endpoints of the services this node's tasks depend on, from the last assignment set. */
    private volatile Map<String, List<String>> dependencies = Map.of();
    /** True once an assignment set arrived: only then may drivers remove what the cluster does not want. */
    private volatile boolean knowsAssignments;
    private volatile boolean closed;
    private boolean started;
    private Thread sessionThread;
    private ScheduledExecutorService maintenance;

    public Agent(AgentConfig config, ManagerChannel channel, InstantSource clock) {
        this(config, channel, clock, (io.micrometer.core.instrument.MeterRegistry) null);
    }

    /** {@code registry}: the node's, where the agent's meters go (docs/metrics.md); null: one nobody reads. */
    public Agent(AgentConfig config, ManagerChannel channel, InstantSource clock,
                 io.micrometer.core.instrument.MeterRegistry registry) {
        this(config, channel, clock, LogRotator.defaults(), FilesTmpfs.SYSTEM, registry);
    }

    Agent(AgentConfig config, ManagerChannel channel, InstantSource clock, LogRotator rotator) {
        this(config, channel, clock, rotator, FilesTmpfs.SYSTEM);
    }

    /** With {@code filesTmpfs} mounting the tasks' secrets (tests mount as an unprivileged user to see the refusal). */
    Agent(AgentConfig config, ManagerChannel channel, InstantSource clock, LogRotator rotator, FilesTmpfs filesTmpfs) {
        this(config, channel, clock, rotator, filesTmpfs, null);
    }

    private Agent(AgentConfig config, ManagerChannel channel, InstantSource clock, LogRotator rotator,
                  FilesTmpfs filesTmpfs, io.micrometer.core.instrument.MeterRegistry registry) {
        this.config = config;
        this.channel = channel;
        this.clock = clock;
        this.logSource = new DiskTaskLogSource(config.dataDir());
        this.meters = new AgentMeters(registry == null
                ? new io.micrometer.core.instrument.simple.SimpleMeterRegistry() : registry, runners);
        this.drivers = meters.metered(AgentDrivers.available(config, clock, logSource, channel::image));
        this.lease = new LeaseKeeper(Fencing.leaseFile(config.dataDir()), clock);
        this.reporter = new StatusReporter(config.nodeId(), channel, config.heartbeatInterval(), clock, lease);
        this.context = new TaskRunnerContext(config.nodeId(), config.address(), config.dataDir(), drivers,
                new PortAllocator(config.address()), System.getenv(), clock, reporter::offer,
                new TaskVolumes(VolumeDrivers.standard(config.dataDir(), config.gluster())), filesTmpfs);
        this.janitor = new TaskJanitor(config.dataDir(), rotator, clock);
    }

    /** Where its reports take the node's mesh counters from (the dashboard's cluster-wide request rates). */
    public void meshTraffic(java.util.function.Supplier<io.flotilla.model.api.MeshTraffic> source) {
        reporter.traffic(source);
    }

    /** Adopts surviving tasks, then starts the session, reporting and maintenance threads. */
    public synchronized void start() {
        if (started || closed) {
            throw new IllegalStateException("an agent starts once");
        }
        started = true;
        try {
            Files.createDirectories(TaskDirectory.tasksRoot(config.dataDir()));
        } catch (IOException e) {
            throw new UncheckedIOException("cannot create the agent's data directory " + config.dataDir(), e);
        }
        new TaskAdoption(config.dataDir(), drivers, context, reporter, clock).adoptSurvivors(runners, finished);
        reporter.start();
        sessionThread = Thread.ofPlatform().name("agent-session-" + config.nodeId()).daemon()
                .start(new ManagerSession(this, config.nodeId(), channel, sessions));
        maintenance = Executors.newSingleThreadScheduledExecutor(
                Thread.ofPlatform().name("agent-maintenance-" + config.nodeId()).daemon().factory());
        maintenance.scheduleWithFixedDelay(this::maintain, MAINTENANCE_INTERVAL.toMillis(),
                MAINTENANCE_INTERVAL.toMillis(), TimeUnit.MILLISECONDS);
    }

    /** Task output: from the task's driver when it keeps it (a container's log), else as this agent keeps it on disk. */
    public TaskLogSource logs() {
        return (task, tail, follow, out) -> {
            Driver driver = drivers.get(task.spec().driver());
            TaskLogSource source = driver == null ? logSource : driver.logSource().orElse(logSource);
            source.write(task, tail, follow, out);
        };
    }

    /**
     * Follows the node's session (its spec, the managers, the mesh's services, the CA) as the long
     * poll receives it; a listener added after the first answer gets the latest at once.
     */
    public void addSessionListener(SessionListener listener) {
        sessions.add(listener);
    }

    public void removeSessionListener(SessionListener listener) {
        sessions.remove(listener);
    }

    /** The node's session as of the latest answer, or null before the first (or from a manager that sends none). */
    public NodeSession session() {
        return sessions.latest();
    }

    /** The drivers this agent offers, by name. */
    public Set<String> driverNames() {
        return drivers.keySet();
    }

    /** The statuses of the tasks this agent knows, by task id (a snapshot). */
    public Map<String, TaskStatus> taskStatuses() {
        Map<String, TaskStatus> statuses = new HashMap<>();
        runners.forEach((id, runner) -> statuses.put(id, runner.status()));
        return statuses;
    }

    /** Stops the agent's threads; the tasks keep running. */
    @Override
    public void close() {
        synchronized (this) {
            if (closed) {
                return;
            }
            closed = true;
        }
        reporter.close();
        if (maintenance != null) {
            maintenance.shutdownNow();
        }
        runners.values().forEach(TaskRunner::detach);
        drivers.values().forEach(Driver::close);
        if (sessionThread != null) {
            sessionThread.interrupt();
            try {
                sessionThread.join(1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }
    }

    boolean isClosed() {
        return closed;
    }

    /** The session opened: every runner tells its status again, and the reporter may send. */
    void sessionOpened() {
        runners.values().forEach(TaskRunner::reportStatus);
        reporter.sessionOpened();
    }

    /** What the session says to a manager first: this node as it describes itself. */
    AgentHello hello() {
        return new AgentHello(new Node(config.nodeId(), new NodeSpec(null, null, null),
                new NodeStatus(NodeState.READY, config.hostname(), config.address(), config.resources(),
                        drivers.keySet(), clock.instant(), null)));
    }

    /**
     * The assignment as this node can honour it: without {@code --overlay} a task's networks have no
     * bridge, VXLAN device or DNS here, so it runs as before networks existed (a container on
     * Docker's default bridge, a process task on the host's network), and the log says so.
     */
    static io.flotilla.model.api.Assignment honoured(boolean overlay, Task task, io.flotilla.model.api.Assignment assignment) {
        if (overlay || assignment.networks().isEmpty()) {
            return assignment;
        }
        log.warn("task {} lists networks {} but this node runs without --overlay: it runs without them",
                task.displayName(), assignment.networks().stream().map(io.flotilla.model.api.TaskNetwork::network).toList());
        return assignment.withNetworks(java.util.List.of(), assignment.stack());
    }

    /** Makes what runs here match the set. Idempotent: the same set twice changes nothing. */
    synchronized void reconcile(AssignmentSet assignments) {
        if (closed) {
            return;
        }
        Set<String> assigned = new HashSet<>();
        dependencies = assignments.dependencies();
        for (Task task : assignments.tasks()) {
            assigned.add(task.id());
            TaskRunner runner = runners.get(task.id());
            if (task.desiredState() == TaskState.RUNNING) {
                if (runner == null) {
                    if (!finished.contains(task.id()) && !task.state().isTerminal()) {
                        startTask(task, honoured(config.overlay(), task, assignments.assignment(task.id())));
                    }
                } else {
                    runner.dependencies(dependencies);
                    runner.files(assignments.assignment(task.id()).files());
                    reportIfManagerBehind(task, runner);
                }
            } else if (task.desiredState().isTerminal()) {
                if (runner == null) {
                    if (!task.state().isTerminal()) {
                        TaskStatus shutdown = TaskStatus.of(TaskState.SHUTDOWN, clock.instant(),
                                "shut down before it started on this node");
                        runners.put(task.id(), TaskRunner.ended(task, shutdown, context));
                        reporter.offer(task.id(), shutdown);
                    }
                } else if (!runner.isTerminal()) {
                    runner.stop("desired state is " + task.desiredState().displayName());
                } else {
                    reportIfManagerBehind(task, runner);
                }
            }
        }
        for (TaskRunner runner : runners.values()) {
            if (!assigned.contains(runner.task().id()) && !runner.isTerminal()) {
                runner.stop("no longer assigned to this node");
            }
        }
        lastAssigned = Set.copyOf(assigned);
        knowsAssignments = true;
    }

    private void startTask(Task task, Assignment assignment) {
        log.info("task {} ({}): starting", task.id(), task.displayName());
        if (task.restartCount() > 0) {
            meters.restarts.increment();
        }
        TaskRunner runner = TaskRunner.assigned(task, assignment, context);
        runner.agentEnvironment(agentEnvironment());
        runner.dependencies(dependencies);
        runners.put(task.id(), runner);
        reporter.offer(task.id(), runner.status());
        runner.start();
    }

    /**
     * What the agent adds to every task: {@code FLOTILLA_API}, the managers' API addresses this
     * agent knows ({@code host:port}, comma-separated), for tasks that use the discovery API, and
     * with TLS {@code FLOTILLA_CA_CERT}, the cluster CA certificate file to check the managers by
     * (the discovery reads need no client certificate; docs/api.md).
     */
    private Map<String, String> agentEnvironment() {
        List<String> managers = channel.managers();
        if (managers.isEmpty()) {
            return Map.of();
        }
        Path ca = channel.caCertificate();
        return ca == null ? Map.of("FLOTILLA_API", String.join(",", managers))
                : Map.of("FLOTILLA_API", String.join(",", managers), "FLOTILLA_CA_CERT", ca.toString());
    }

    /**
     * Level-triggered reporting: when the manager's copy differs from ours in what the agent
     * observes ({@link TaskStatus#sameObservation}), say ours again, through the runner so that a
     * status it moves to meanwhile is not overtaken. A manager answers a report before committing
     * it, so a leader that died in between lost it: a change that keeps the task RUNNING (a
     * rotated secret's version, a new pid) must be sent again, not only a new state.
     */
    private void reportIfManagerBehind(Task task, TaskRunner runner) {
        if (!runner.status().sameObservation(task.status())) {
            runner.reportStatus();
        }
    }

    private void maintain() {
        try {
            janitor.rotateLogs(runners.values().stream().filter(runner -> !runner.isTerminal())
                    .map(runner -> runner.task().id()).toList());
            Set<String> keep = new HashSet<>(lastAssigned);
            runners.forEach((id, runner) -> {
                if (!runner.isTerminal()) {
                    keep.add(id);
                }
            });
            if (knowsAssignments) {
                for (Driver driver : drivers.values()) {
                    driver.retainOnly(keep);
                }
            }
            synchronized (this) { // a runner is made under this lock before its task mounts anything
                janitor.removeFilesOfEndedTasks(id -> {
                    TaskRunner runner = runners.get(id);
                    return runner != null && !runner.isTerminal();
                });
            }
            Set<String> removed = new HashSet<>(janitor.clean(keep));
            synchronized (this) {
                for (TaskRunner runner : List.copyOf(runners.values())) {
                    String id = runner.task().id();
                    if (runner.isTerminal() && !lastAssigned.contains(id)
                            && (removed.contains(id) || !Files.exists(TaskDirectory.of(config.dataDir(), id).root()))) {
                        finished.add(id);
                        runners.remove(id);
                    }
                }
            }
        } catch (RuntimeException e) {
            log.warn("maintenance failed: {}", e.toString());
        }
    }
}
