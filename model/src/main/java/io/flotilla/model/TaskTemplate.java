package io.flotilla.model;

import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * What each task of a service runs, and under which rules: the part of a service spec that is
 * copied into every task (as SwarmKit's TaskSpec). A change here means new tasks (an update); a
 * change elsewhere in {@link ServiceSpec} (replicas) does not.
 *
 * @param driver      {@code process} or {@code docker}
 * @param image       null for a process service without an image
 * @param command     the program and its arguments (compose {@code command}), in exec form
 * @param entrypoint  compose {@code entrypoint}, in exec form; empty when not set
 * @param environment the resolved environment: env_file entries overlaid by {@code environment}
 * @param labels      container labels (compose {@code labels}, not {@code deploy.labels})
 * @param stopSignal  a signal name such as {@code SIGTERM}
 * @param pullPolicy  {@code missing} (default), {@code always} or {@code never}
 * @param discovery   services required besides depends_on, and what to do when their endpoints change
 * @param networks    the overlay networks the tasks attach to (a stack's services: its default
 *                    network when the file lists none); empty with no {@code networkMode}: the
 *                    host's network for a process task, Docker's default bridge for a container
 * @param networkMode compose {@code network_mode}: {@code host} or {@code none}; null: the networks
 * @param files       the secrets and configs the tasks see as files (compose service-level
 *                    {@code secrets:} and {@code configs:})
 */
public record TaskTemplate(String driver, String image, List<String> command, List<String> entrypoint,
                           Map<String, String> environment, String workingDir, String user, String hostname,
                           Map<String, String> labels, HealthcheckSpec healthcheck, List<VolumeMount> volumes,
                           ResourcesSpec resources, RestartPolicy restartPolicy, PlacementSpec placement,
                           String stopSignal, Duration stopGracePeriod, boolean init, boolean readOnly,
                           List<String> capAdd, List<String> capDrop, List<String> tmpfs,
                           Map<String, Ulimit> ulimits, String pullPolicy, List<NetworkAttachment> networks,
                           DiscoverySpec discovery, String networkMode, List<FileMount> files) {
    public static final String PROCESS = "process";
    public static final String DOCKER = "docker";
    public static final Duration DEFAULT_STOP_GRACE_PERIOD = Duration.ofSeconds(10);

    public TaskTemplate {
        Checks.requireText(driver, "driver");
        command = Checks.list(command);
        entrypoint = Checks.list(entrypoint);
        environment = Checks.map(environment);
        labels = Checks.map(labels);
        volumes = Checks.list(volumes);
        resources = resources == null ? ResourcesSpec.NONE : resources;
        restartPolicy = restartPolicy == null ? RestartPolicy.DEFAULT : restartPolicy;
        placement = placement == null ? PlacementSpec.NONE : placement;
        stopSignal = stopSignal == null ? "SIGTERM" : stopSignal;
        stopGracePeriod = stopGracePeriod == null ? DEFAULT_STOP_GRACE_PERIOD : stopGracePeriod;
        capAdd = Checks.list(capAdd);
        capDrop = Checks.list(capDrop);
        tmpfs = Checks.list(tmpfs);
        ulimits = Checks.map(ulimits);
        pullPolicy = pullPolicy == null ? "missing" : pullPolicy;
        networks = Checks.list(networks);
        files = Checks.list(files);
        discovery = discovery == null ? DiscoverySpec.NONE : discovery;
        if (networkMode != null && !networkMode.equals(HOST_NETWORK) && !networkMode.equals(NO_NETWORK)) {
            throw new IllegalArgumentException("network mode must be host or none, not " + networkMode);
        }
        if (networkMode != null && !networks.isEmpty()) {
            throw new IllegalArgumentException("network_mode " + networkMode + " and networks exclude each other");
        }
    }

    public static final String HOST_NETWORK = "host";
    public static final String NO_NETWORK = "none";

    /** Without secrets or configs. */
    public TaskTemplate(String driver, String image, List<String> command, List<String> entrypoint,
                        Map<String, String> environment, String workingDir, String user, String hostname,
                        Map<String, String> labels, HealthcheckSpec healthcheck, List<VolumeMount> volumes,
                        ResourcesSpec resources, RestartPolicy restartPolicy, PlacementSpec placement,
                        String stopSignal, Duration stopGracePeriod, boolean init, boolean readOnly,
                        List<String> capAdd, List<String> capDrop, List<String> tmpfs,
                        Map<String, Ulimit> ulimits, String pullPolicy, List<NetworkAttachment> networks,
                        DiscoverySpec discovery, String networkMode) {
        this(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels, healthcheck, volumes,
                resources, restartPolicy, placement, stopSignal, stopGracePeriod, init, readOnly, capAdd, capDrop, tmpfs,
                ulimits, pullPolicy, networks, discovery, networkMode, List.of());
    }

    /** With networks and no network mode. */
    public TaskTemplate(String driver, String image, List<String> command, List<String> entrypoint,
                        Map<String, String> environment, String workingDir, String user, String hostname,
                        Map<String, String> labels, HealthcheckSpec healthcheck, List<VolumeMount> volumes,
                        ResourcesSpec resources, RestartPolicy restartPolicy, PlacementSpec placement,
                        String stopSignal, Duration stopGracePeriod, boolean init, boolean readOnly,
                        List<String> capAdd, List<String> capDrop, List<String> tmpfs,
                        Map<String, Ulimit> ulimits, String pullPolicy, List<NetworkAttachment> networks,
                        DiscoverySpec discovery) {
        this(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels, healthcheck, volumes,
                resources, restartPolicy, placement, stopSignal, stopGracePeriod, init, readOnly, capAdd, capDrop, tmpfs,
                ulimits, pullPolicy, networks, discovery, null);
    }

    /** The cluster-wide names of the networks the tasks attach to. */
    public List<String> networkNames() {
        return networks.stream().map(NetworkAttachment::network).toList();
    }

    /** Without a discovery spec (none required, changes ignored). */
    public TaskTemplate(String driver, String image, List<String> command, List<String> entrypoint,
                        Map<String, String> environment, String workingDir, String user, String hostname,
                        Map<String, String> labels, HealthcheckSpec healthcheck, List<VolumeMount> volumes,
                        ResourcesSpec resources, RestartPolicy restartPolicy, PlacementSpec placement,
                        String stopSignal, Duration stopGracePeriod, boolean init, boolean readOnly,
                        List<String> capAdd, List<String> capDrop, List<String> tmpfs,
                        Map<String, Ulimit> ulimits, String pullPolicy, List<NetworkAttachment> networks) {
        this(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels, healthcheck, volumes,
                resources, restartPolicy, placement, stopSignal, stopGracePeriod, init, readOnly, capAdd, capDrop, tmpfs,
                ulimits, pullPolicy, networks, DiscoverySpec.NONE);
    }

    /** A minimal process template running {@code command}: for tests and simple callers. */
    public static TaskTemplate process(List<String> command) {
        return new TaskTemplate(PROCESS, null, command, List.of(), Map.of(), null, null, null, Map.of(), null,
                List.of(), null, null, null, null, null, false, false, List.of(), List.of(), List.of(), Map.of(),
                null, List.of());
    }

    public TaskTemplate withImage(String newImage) {
        return new TaskTemplate(driver, newImage, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, placement, stopSignal, stopGracePeriod, init, readOnly,
                capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withEnvironment(Map<String, String> newEnvironment) {
        return new TaskTemplate(driver, image, command, entrypoint, newEnvironment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, placement, stopSignal, stopGracePeriod, init, readOnly,
                capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withResources(ResourcesSpec newResources) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, newResources, restartPolicy, placement, stopSignal, stopGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withRestartPolicy(RestartPolicy newPolicy) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, newPolicy, placement, stopSignal, stopGracePeriod, init, readOnly,
                capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withPlacement(PlacementSpec newPlacement) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, newPlacement, stopSignal, stopGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withHealthcheck(HealthcheckSpec newHealthcheck) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                newHealthcheck, volumes, resources, restartPolicy, placement, stopSignal, stopGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withStop(String newStopSignal, Duration newGracePeriod) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, placement, newStopSignal, newGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withDiscovery(DiscoverySpec newDiscovery) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, placement, stopSignal, stopGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, newDiscovery, networkMode, files);
    }

    public TaskTemplate withUser(String newUser) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, newUser, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, placement, stopSignal, stopGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, files);
    }

    public TaskTemplate withNetworks(List<NetworkAttachment> newNetworks, String newNetworkMode) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, placement, stopSignal, stopGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, newNetworks, discovery, newNetworkMode, files);
    }

    public TaskTemplate withFiles(List<FileMount> newFiles) {
        return new TaskTemplate(driver, image, command, entrypoint, environment, workingDir, user, hostname, labels,
                healthcheck, volumes, resources, restartPolicy, placement, stopSignal, stopGracePeriod, init,
                readOnly, capAdd, capDrop, tmpfs, ulimits, pullPolicy, networks, discovery, networkMode, newFiles);
    }
}
