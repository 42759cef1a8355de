package io.flotilla.model;

import java.util.List;
import java.util.Map;

/**
 * A service as the user wants it. The system never modifies a spec: it replaces it only when the
 * user deploys or updates.
 *
 * @param name      the full name, {@code <stack>_<service>} (Swarm's convention)
 * @param stack     the stack it belongs to; null for a service created on its own
 * @param replicas  the wanted count for {@link ServiceMode#REPLICATED}; ignored for global
 * @param ports     published and exposed ports; each gets a host port per task
 * @param dependsOn depends_on, by short service name within the stack
 * @param labels    service labels (compose {@code deploy.labels}); {@code flotilla.*} labels
 *                  (with the container labels of the template under them) configure the routing
 *                  mesh, see {@link MeshRouting}
 * @param endpointMode compose {@code deploy.endpoint_mode}: {@code vip} (default, as in Swarm: DNS
 *                  answers the service's virtual address, served by the mesh on every node) or
 *                  {@code dnsrr} (DNS answers the tasks' addresses)
 */
public record ServiceSpec(String name, String stack, ServiceMode mode, int replicas, TaskTemplate task,
                          List<PortSpec> ports, List<DependencySpec> dependsOn, Map<String, String> labels,
                          UpdateConfig updateConfig, UpdateConfig rollbackConfig, String endpointMode) {
    public static final String VIP = "vip";
    public static final String DNSRR = "dnsrr";

    public ServiceSpec {
        endpointMode = endpointMode == null ? VIP : endpointMode;
        if (!endpointMode.equals(VIP) && !endpointMode.equals(DNSRR)) {
            throw new IllegalArgumentException("endpoint mode must be vip or dnsrr, not " + endpointMode);
        }
        Checks.requireText(name, "service name");
        mode = mode == null ? ServiceMode.REPLICATED : mode;
        Checks.nonNegative(replicas, "replicas");
        java.util.Objects.requireNonNull(task, "task template");
        ports = Checks.list(ports);
        dependsOn = Checks.list(dependsOn);
        labels = Checks.map(labels);
        updateConfig = updateConfig == null ? UpdateConfig.DEFAULT : updateConfig;
        rollbackConfig = rollbackConfig == null ? UpdateConfig.DEFAULT : rollbackConfig;
    }

    /** With the default endpoint mode ({@code vip}). */
    public ServiceSpec(String name, String stack, ServiceMode mode, int replicas, TaskTemplate task,
                       List<PortSpec> ports, List<DependencySpec> dependsOn, Map<String, String> labels,
                       UpdateConfig updateConfig, UpdateConfig rollbackConfig) {
        this(name, stack, mode, replicas, task, ports, dependsOn, labels, updateConfig, rollbackConfig, VIP);
    }

    /** True when DNS answers this service's virtual address (and the mesh serves it). */
    public boolean virtualAddress() {
        return VIP.equals(endpointMode);
    }

    /** The name within its stack ({@code web} for {@code shop_web}). */
    public String shortName() {
        return stack != null && name.startsWith(stack + "_") ? name.substring(stack.length() + 1) : name;
    }

    public ServiceSpec withReplicas(int newReplicas) {
        return new ServiceSpec(name, stack, mode, newReplicas, task, ports, dependsOn, labels, updateConfig, rollbackConfig, endpointMode);
    }

    public ServiceSpec withTask(TaskTemplate newTask) {
        return new ServiceSpec(name, stack, mode, replicas, newTask, ports, dependsOn, labels, updateConfig, rollbackConfig, endpointMode);
    }

    public ServiceSpec withPorts(List<PortSpec> newPorts) {
        return new ServiceSpec(name, stack, mode, replicas, task, newPorts, dependsOn, labels, updateConfig, rollbackConfig, endpointMode);
    }

    public ServiceSpec withLabels(Map<String, String> newLabels) {
        return new ServiceSpec(name, stack, mode, replicas, task, ports, dependsOn, newLabels, updateConfig, rollbackConfig, endpointMode);
    }

    public ServiceSpec withDependsOn(List<DependencySpec> newDependsOn) {
        return new ServiceSpec(name, stack, mode, replicas, task, ports, newDependsOn, labels, updateConfig, rollbackConfig, endpointMode);
    }

    /** A replicated process service: for tests and simple callers. */
    public static ServiceSpec process(String name, int replicas, List<String> command) {
        return new ServiceSpec(name, null, ServiceMode.REPLICATED, replicas, TaskTemplate.process(command), List.of(),
                List.of(), Map.of(), null, null);
    }

    /** Service label that makes a replicated service stateful (compose {@code x-flotilla: {stateful: true}}). */
    public static final String STATEFUL_LABEL = "flotilla.stateful";
    /** Service label with the stateful policy when a node-local volume's node is lost: {@code wait} or {@code recreate}. */
    public static final String ON_NODE_LOSS_LABEL = "flotilla.on_node_loss";
    public static final String ON_NODE_LOSS_WAIT = "wait";
    public static final String ON_NODE_LOSS_RECREATE = "recreate";

    /**
     * True for a stateful service: each slot has its own volumes ({@link VolumeMount#instanceName})
     * and a stable DNS name, a crash restarts the slot on the same node, and a replacement after
     * a node loss starts only once that node's lease has surely expired (fencing).
     */
    public boolean stateful() {
        return Boolean.parseBoolean(labels.getOrDefault(STATEFUL_LABEL, "false"));
    }

    /**
     * What a stateful slot whose node-local volume is on a lost node may do: {@code wait} (default:
     * stay pending until that node is back) or {@code recreate} (start elsewhere with an empty volume).
     */
    public String onNodeLoss() {
        return labels.getOrDefault(ON_NODE_LOSS_LABEL, ON_NODE_LOSS_WAIT);
    }
}
