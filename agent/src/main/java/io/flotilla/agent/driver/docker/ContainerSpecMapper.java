package io.flotilla.agent.driver.docker;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HealthCheck;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Ulimit;
import io.flotilla.agent.driver.HostMount;
import io.flotilla.agent.fencing.Fencing;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.Task;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import io.flotilla.model.api.AssignmentVariables;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * Turns a task into the container to create, as {@code docker stack deploy} would from the same
 * Compose service. Pure: no daemon, no clock.
 *
 * <ul>
 *   <li>Environment: the service's, then the dependencies' addresses of the task's allocation, then the task's
 *       assignment as variables ({@code FLOTILLA_PORTS}, …: {@link AssignmentVariables}), then
 *       {@code FLOTILLA_TASK_ID/TASK_SLOT/SERVICE/NODE_ID}, and per port {@code FLOTILLA_PORT_<NAME>}
 *       and {@code PORT} (the first) set to the <em>container</em> port — a process task gets its host
 *       port there instead. Nothing of the agent's own environment leaks in; the image's ENV stays.</li>
 *   <li>Ports: every port of the task's {@link Assignment} is published on the node's address, on the host
 *       port the agent picked (the published one for {@code mode: host}).</li>
 *   <li>Volumes: a named volume is a bind mount of the host directory its volume driver provided,
 *       a bind mount keeps its absolute host path, tmpfs is tmpfs, an anonymous volume is a Docker
 *       anonymous volume.</li>
 *   <li>Resources: limits → NanoCPUs, Memory, PidsLimit; the memory reservation → MemoryReservation.</li>
 *   <li>Networks: {@link ContainerNetworking}.</li>
 * </ul>
 */
public final class ContainerSpecMapper {
    private ContainerSpecMapper() {}

    /**
     * @param hostPorts port name → host port, as the agent picked them
     * @param address   the node's address: the host IP every port is published on
     * @param hostMounts the task's volumes as resolved on this node ({@code TaskVolumes})
     * @throws IllegalArgumentException for a value Docker cannot take (an unknown capability)
     */
    public static ContainerSpec map(Task task, Assignment assignment, String nodeId, String address,
                                    Map<String, Integer> hostPorts, List<HostMount> hostMounts) {
        return map(task, assignment, nodeId, address, hostPorts, hostMounts, null);
    }

    /**
     * As {@link #map(Task, Assignment, String, String, Map, List)}; a fenced task ({@code leaseFile} not null)
     * also sees the node's fencing directory read-only at {@link Fencing#CONTAINER_FENCING_DIR} and
     * its lease file named by {@link Fencing#LEASE_FILE_VARIABLE}.
     */
    public static ContainerSpec map(Task task, Assignment assignment, String nodeId, String address,
                                    Map<String, Integer> hostPorts, List<HostMount> hostMounts,
                                    java.nio.file.Path leaseFile) {
        return map(task, assignment, nodeId, address, hostPorts, hostMounts, leaseFile, ContainerNetworking.DEFAULT_DOMAIN);
    }

    /**
     * As {@link #map(Task, Assignment, String, String, Map, List, java.nio.file.Path)}, networked by
     * {@link ContainerNetworking} ({@code network_mode}, or the assignment's overlays with the node's
     * DNS and {@code <stack>.<dnsDomain>} as search domain). On {@code network_mode: host} or
     * {@code none} no port is published: on the host's network the task listens on the host itself,
     * on none nothing reaches it.
     */
    public static ContainerSpec map(Task task, Assignment assignment, String nodeId, String address,
                                    Map<String, Integer> hostPorts, List<HostMount> hostMounts,
                                    java.nio.file.Path leaseFile, String dnsDomain) {
        ContainerNetworking networking = ContainerNetworking.of(task.spec(), assignment, dnsDomain);
        if (leaseFile != null) {
            hostMounts = new ArrayList<>(hostMounts);
            hostMounts.add(new HostMount(HostMount.Type.BIND, leaseFile.toAbsolutePath().getParent(),
                    Fencing.CONTAINER_FENCING_DIR, true, null, null));
        }
        TaskTemplate template = task.spec();
        List<ExposedPort> exposed = new ArrayList<>();
        Ports bindings = new Ports();
        for (Assignment.Port port : assignment.ports()) {
            ExposedPort exposedPort = ExposedPort.tcp(port.target());
            exposed.add(exposedPort);
            Integer hostPort = hostPorts.get(port.name());
            if (hostPort != null && networking.publishesPorts()) {
                bindings.bind(exposedPort, Ports.Binding.bindIpAndPort(address, hostPort));
            }
        }
        HostConfig host = HostConfig.newHostConfig().withPortBindings(bindings);
        networking.applyTo(host);
        resources(template, host);
        if (!template.ulimits().isEmpty()) {
            List<Ulimit> ulimits = new ArrayList<>();
            template.ulimits().forEach((name, limit) -> ulimits.add(new Ulimit(name, limit.soft(), limit.hard())));
            host.withUlimits(ulimits);
        }
        if (!template.capAdd().isEmpty()) {
            host.withCapAdd(capabilities(template.capAdd()));
        }
        if (!template.capDrop().isEmpty()) {
            host.withCapDrop(capabilities(template.capDrop()));
        }
        if (template.init()) {
            host.withInit(true);
        }
        if (template.readOnly()) {
            host.withReadonlyRootfs(true);
        }
        if (!template.tmpfs().isEmpty()) {
            host.withTmpFs(tmpfs(template.tmpfs()));
        }
        List<Mount> mounts = mounts(hostMounts);
        if (!mounts.isEmpty()) {
            host.withMounts(mounts);
        }
        return new ContainerSpec(ContainerLabels.containerName(task, nodeId), template.image(),
                template.entrypoint().isEmpty() ? null : template.entrypoint(),
                template.command().isEmpty() ? null : template.command(),
                environment(task, assignment, nodeId, leaseFile), ContainerLabels.of(task, nodeId), template.workingDir(),
                template.user(), template.hostname(), exposed, healthcheck(template.healthcheck()),
                signalName(template.stopSignal()), seconds(template.stopGracePeriod()), host, networking);
    }

    static List<String> environment(Task task, Assignment assignment, String nodeId) {
        return environment(task, assignment, nodeId, null);
    }

    static List<String> environment(Task task, Assignment assignment, String nodeId, java.nio.file.Path leaseFile) {
        Map<String, String> env = new LinkedHashMap<>(task.spec().environment());
        if (leaseFile != null) {
            env.put(Fencing.LEASE_FILE_VARIABLE, Fencing.CONTAINER_FENCING_DIR + "/" + leaseFile.getFileName());
        }
        env.putAll(task.allocation().dependencyAddresses());
        env.putAll(AssignmentVariables.of(assignment));
        env.put("FLOTILLA_TASK_ID", task.id());
        env.put("FLOTILLA_TASK_SLOT", Integer.toString(task.slot()));
        env.put("FLOTILLA_SERVICE", ContainerLabels.serviceOf(task));
        env.put("FLOTILLA_NODE_ID", nodeId);
        boolean first = true;
        for (Assignment.Port port : assignment.ports()) {
            if (first) {
                env.put("PORT", Integer.toString(port.target()));
                first = false;
            }
            env.put(AssignmentVariables.portVariable(port.name()), Integer.toString(port.target()));
        }
        List<String> list = new ArrayList<>();
        env.forEach((key, value) -> list.add(key + "=" + value));
        return list;
    }

    static void resources(TaskTemplate template, HostConfig host) {
        Resources limits = template.resources().limits();
        Resources reservations = template.resources().reservations();
        if (limits.nanoCpus() > 0) {
            host.withNanoCPUs(limits.nanoCpus());
        }
        if (limits.memoryBytes() > 0) {
            host.withMemory(limits.memoryBytes());
        }
        if (limits.pids() > 0) {
            host.withPidsLimit(limits.pids());
        }
        if (reservations.memoryBytes() > 0) {
            host.withMemoryReservation(reservations.memoryBytes());
        }
    }

    /** {@code NET_ADMIN}, {@code net_admin} and {@code CAP_NET_ADMIN} all name the same capability. */
    static Capability[] capabilities(List<String> names) {
        Capability[] capabilities = new Capability[names.size()];
        for (int i = 0; i < names.size(); i++) {
            String name = names.get(i).strip().toUpperCase(Locale.ROOT);
            if (name.startsWith("CAP_")) {
                name = name.substring(4);
            }
            try {
                capabilities[i] = Capability.valueOf(name);
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException("unknown capability: " + names.get(i));
            }
        }
        return capabilities;
    }

    /** {@code /run} or {@code /run:size=64m,mode=1777} → path → options. */
    static Map<String, String> tmpfs(List<String> entries) {
        Map<String, String> tmpfs = new LinkedHashMap<>();
        for (String entry : entries) {
            int colon = entry.indexOf(':');
            tmpfs.put(colon < 0 ? entry : entry.substring(0, colon), colon < 0 ? "" : entry.substring(colon + 1));
        }
        return tmpfs;
    }

    /**
     * Each named volume is a bind mount of the host directory its volume driver provided (no
     * Docker-managed volumes: the data lives where Flotilla's drivers put it, on a Gluster mount
     * for glusterfs); bind mounts keep their host path; tmpfs is tmpfs; an anonymous volume stays a
     * Docker anonymous volume (removed with the container).
     */
    static List<Mount> mounts(List<HostMount> hostMounts) {
        List<Mount> mounts = new ArrayList<>();
        for (HostMount hostMount : hostMounts) {
            Mount mount = new Mount().withTarget(hostMount.target()).withReadOnly(hostMount.readOnly());
            switch (hostMount.type()) {
                case BIND -> mount.withType(MountType.BIND).withSource(hostMount.source().toString());
                case TMPFS -> mount.withType(MountType.TMPFS);
                case ANONYMOUS -> mount.withType(MountType.VOLUME);
            }
            mounts.add(mount);
        }
        return mounts;
    }

    static HealthCheck healthcheck(HealthcheckSpec spec) {
        if (spec == null) {
            return null;
        }
        if (spec.disabled()) {
            return new HealthCheck().withTest(List.of("NONE"));
        }
        HealthCheck check = new HealthCheck().withTest(spec.test()).withInterval(spec.interval().toNanos())
                .withTimeout(spec.timeout().toNanos()).withRetries(spec.retries());
        if (!spec.startPeriod().isZero()) {
            check.withStartPeriod(spec.startPeriod().toNanos());
        }
        return check;
    }

    /** {@code TERM}, {@code sigterm} → {@code SIGTERM}; a number stays a number. */
    static String signalName(String signal) {
        String name = signal.strip().toUpperCase(Locale.ROOT);
        if (name.chars().allMatch(Character::isDigit) || name.startsWith("SIG")) {
            return name;
        }
        return "SIG" + name;
    }

    static Integer seconds(Duration duration) {
        long seconds = (duration.toMillis() + 999) / 1000;
        return (int) Math.min(Integer.MAX_VALUE, seconds);
    }
}
