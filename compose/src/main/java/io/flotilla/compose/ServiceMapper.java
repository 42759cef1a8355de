package io.flotilla.compose;

import io.flotilla.model.DependencySpec;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.Ulimit;
import io.flotilla.model.VolumeMount;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Turns one validated {@code services.<name>} entry into a {@link ServiceSpec}. Keys it does
 * not act on are reported to the context, never dropped silently.
 */
final class ServiceMapper {
    /** The service keys Flotilla acts on; every other key the schema allows is reported as ignored. */
    static final Set<String> SUPPORTED_KEYS = Set.of("image", "command", "entrypoint", "environment", "env_file",
            "working_dir", "user", "hostname", "labels", "ports", "expose", "healthcheck", "depends_on", "volumes",
            "networks", "network_mode", "deploy", "restart", "stop_signal", "stop_grace_period", "init", "read_only", "cap_add",
            "cap_drop", "tmpfs", "ulimits", "pull_policy", "scale", "secrets", "configs", "build");
    private static final Set<String> PULL_POLICIES = Set.of("always", "never", "missing", "build");
    private static final Set<String> DRIVERS = Set.of(TaskTemplate.PROCESS, TaskTemplate.DOCKER);
    /** The {@code x-flotilla} keys of a service besides those of the {@link DiscoveryMapper}. */
    private static final Set<String> FLOTILLA_KEYS = Set.of("driver", "stateful", "on_node_loss");
    private static final Set<String> ON_NODE_LOSS = Set.of(ServiceSpec.ON_NODE_LOSS_WAIT, ServiceSpec.ON_NODE_LOSS_RECREATE);

    private final MappingContext context;

    ServiceMapper(MappingContext context) {
        this.context = context;
    }

    ServiceSpec map(String shortName, ComposeNode service) throws ComposeException {
        if (!service.isObject()) {
            throw service.error("a service must be a mapping");
        }
        for (String key : service.fields().keySet()) {
            if (!SUPPORTED_KEYS.contains(key) && !key.startsWith("x-")) {
                context.unsupported(key);
            }
        }
        String image = builtImage(shortName, service);
        List<String> command = commandLine(service.get("command"));
        List<String> entrypoint = commandLine(service.get("entrypoint"));
        String driver = driver(service, image);
        if (image == null && command.isEmpty() && entrypoint.isEmpty()) {
            throw service.keyError("service " + shortName + " has neither image nor command: nothing to run");
        }
        if (TaskTemplate.DOCKER.equals(driver) && image == null) {
            throw service.keyError("service " + shortName + " uses the docker driver and needs an image");
        }
        BuildSpec build = BuildMapper.map(context.stackName + "_" + shortName, image, service.get("build"), context);
        if (build != null) {
            if (!TaskTemplate.DOCKER.equals(driver)) {
                throw service.get("build").keyError("service " + shortName + " has build: its image runs in a container,"
                        + " not with the " + driver + " driver");
            }
            context.builds.put(build.service(), build);
        }
        ComposeNode deploy = service.get("deploy");
        DeployMapper.reportUnsupported(deploy, context);
        TaskTemplate task = new TaskTemplate(driver, image, command, entrypoint, EnvironmentResolver.resolve(service, context),
                service.get("working_dir").textOrNull(), service.get("user").textOrNull(),
                service.get("hostname").textOrNull(), MeshLabels.resolve(service.get("labels"), context),
                healthcheck(service.get("healthcheck")), volumes(service.get("volumes")),
                DeployMapper.resources(deploy, context), DeployMapper.restartPolicy(service, deploy),
                DeployMapper.placement(deploy), service.get("stop_signal").textOrNull(),
                DurationParser.parse(service.get("stop_grace_period")), service.get("init").booleanOr(false),
                service.get("read_only").booleanOr(false), service.get("cap_add").stringOrList(),
                service.get("cap_drop").stringOrList(), service.get("tmpfs").stringOrList(),
                ulimits(service.get("ulimits")), pullPolicy(service.get("pull_policy"), service.get("build").isPresent()),
                List.of(), DiscoveryMapper.map(service.get("x-flotilla")));
        ServiceNetworks.Mapped networks = ServiceNetworks.map(service, driver, context);
        task = task.withNetworks(networks.networks(), networks.networkMode()).withFiles(ServiceFiles.map(service, context));
        ServiceMode mode = DeployMapper.mode(deploy, context);
        Map<String, String> labels = MeshLabels.resolve(deploy.get("labels"), context);
        statefulLabels(service.get("x-flotilla"), deploy, mode, labels);
        return new ServiceSpec(context.stackName + "_" + shortName, context.stackName, mode,
                DeployMapper.replicas(service, deploy), task, ServicePorts.map(service, context), dependsOn(service.get("depends_on")),
                labels, DeployMapper.updateConfig(deploy.get("update_config")),
                DeployMapper.updateConfig(deploy.get("rollback_config")), DeployMapper.endpointMode(deploy));
    }

    /**
     * {@code image}, or for a service with {@code build} and no {@code image} the name Compose would give
     * the built image, {@code <stack>_<service>} (lower case, as image names must be).
     */
    private String builtImage(String shortName, ComposeNode service) throws ComposeException {
        String image = service.get("image").textOrNull();
        if (image == null && service.get("build").isPresent()) {
            return (context.stackName + "_" + shortName).toLowerCase(java.util.Locale.ROOT);
        }
        return image;
    }

    private String driver(ComposeNode service, String image) throws ComposeException {
        ComposeNode flotilla = service.get("x-flotilla");
        if (flotilla.isPresent()) {
            if (!flotilla.isObject()) {
                throw flotilla.error("x-flotilla must be a mapping such as {driver: process}");
            }
            for (String key : flotilla.fields().keySet()) {
                if (!FLOTILLA_KEYS.contains(key) && !DiscoveryMapper.KEYS.contains(key)) {
                    List<String> known = new ArrayList<>(new java.util.TreeSet<>(FLOTILLA_KEYS));
                    known.addAll(DiscoveryMapper.KEYS);
                    throw flotilla.get(key).keyError("unknown x-flotilla key " + key + " (known: "
                            + String.join(", ", known) + ")");
                }
            }
            ComposeNode driver = flotilla.get("driver");
            if (driver.isPresent()) {
                String name = driver.text();
                if (!DRIVERS.contains(name)) {
                    throw driver.error("driver must be process or docker, not \"" + name + "\"");
                }
                return name;
            }
        }
        return image == null ? TaskTemplate.PROCESS : TaskTemplate.DOCKER;
    }

    /**
     * {@code x-flotilla: {stateful: true, on_node_loss: wait|recreate}} as the service labels
     * {@link ServiceSpec#STATEFUL_LABEL} and {@link ServiceSpec#ON_NODE_LOSS_LABEL}, which is what the
     * scheduler and agents read (the normalized file keeps them as labels). A stateful service numbers
     * its replicas, so it cannot be global.
     */
    private static void statefulLabels(ComposeNode flotilla, ComposeNode deploy, ServiceMode mode,
                                       Map<String, String> labels) throws ComposeException {
        ComposeNode stateful = flotilla.get("stateful");
        if (stateful.isPresent()) {
            labels.put(ServiceSpec.STATEFUL_LABEL, Boolean.toString(stateful.booleanValue()));
        }
        ComposeNode onNodeLoss = flotilla.get("on_node_loss");
        if (onNodeLoss.isPresent()) {
            String value = onNodeLoss.text();
            if (!ON_NODE_LOSS.contains(value)) {
                throw onNodeLoss.error("on_node_loss must be wait or recreate, not \"" + value + "\"");
            }
            labels.put(ServiceSpec.ON_NODE_LOSS_LABEL, value);
        }
        if (Boolean.parseBoolean(labels.getOrDefault(ServiceSpec.STATEFUL_LABEL, "false")) && mode == ServiceMode.GLOBAL) {
            ComposeNode at = stateful.isPresent() ? stateful : deploy.get("labels");
            throw at.error("a stateful service cannot have deploy.mode global (its replicas are numbered"
                    + " slots, each with its own volumes); use replicated with replicas");
        }
    }

    /** A command in exec form: a string is split into words as a shell would, a list is kept. */
    static List<String> commandLine(ComposeNode node) throws ComposeException {
        if (!node.isPresent()) {
            return List.of();
        }
        if (node.isArray()) {
            List<String> words = new ArrayList<>();
            for (ComposeNode item : node.items()) {
                words.add(item.text());
            }
            return words;
        }
        List<String> words = ShellWords.split(node.text());
        if (words == null) {
            throw node.error("unterminated quote in " + node.describeValue());
        }
        return words;
    }

    private HealthcheckSpec healthcheck(ComposeNode node) throws ComposeException {
        if (!node.isPresent()) {
            return null;
        }
        if (node.get("disable").booleanOr(false)) {
            return new HealthcheckSpec(List.of("NONE"), null, null, 0, null, null);
        }
        ComposeNode testNode = node.get("test");
        List<String> test;
        if (!testNode.isPresent()) {
            test = List.of();
        } else if (testNode.isArray()) {
            test = commandLine(testNode);
        } else {
            test = List.of("CMD-SHELL", testNode.text());
        }
        if (!test.isEmpty() && !Set.of("NONE", "CMD", "CMD-SHELL").contains(test.getFirst())) {
            throw testNode.error("a healthcheck test list starts with CMD, CMD-SHELL or NONE, not \""
                    + test.getFirst() + "\"");
        }
        ComposeNode retriesNode = node.get("retries");
        int retries = retriesNode.isPresent() ? retriesNode.decimal().intValue() : 0;
        return new HealthcheckSpec(test, DurationParser.parse(node.get("interval")),
                DurationParser.parse(node.get("timeout")), retries, DurationParser.parse(node.get("start_period")),
                DurationParser.parse(node.get("start_interval")));
    }

    private List<VolumeMount> volumes(ComposeNode node) throws ComposeException {
        List<VolumeMount> mounts = new ArrayList<>();
        for (ComposeNode item : node.items()) {
            VolumeMount mount = VolumeParser.parse(item, context);
            if (mount != null) {
                mounts.add(mount);
            }
        }
        return mounts;
    }

    private static Map<String, Ulimit> ulimits(ComposeNode node) throws ComposeException {
        Map<String, Ulimit> ulimits = new LinkedHashMap<>();
        for (Map.Entry<String, ComposeNode> field : node.fields().entrySet()) {
            ComposeNode value = field.getValue();
            if (value.isObject()) {
                ulimits.put(field.getKey(), new Ulimit(value.get("soft").longValue(), value.get("hard").longValue()));
            } else {
                long limit = value.longValue();
                ulimits.put(field.getKey(), new Ulimit(limit, limit));
            }
        }
        return ulimits;
    }

    /** A built service's image comes from the cluster's store, not a registry: {@code build} unless the file says otherwise. */
    private static String pullPolicy(ComposeNode node, boolean built) throws ComposeException {
        if (!node.isPresent()) {
            return built ? "build" : null;
        }
        String policy = node.text();
        if (policy.equals("if_not_present")) {
            return "missing";
        }
        if (!PULL_POLICIES.contains(policy) && !policy.equals("daily") && !policy.equals("weekly")
                && !policy.startsWith("every_")) {
            throw node.error("pull_policy must be always, never, missing, build, daily, weekly or every_<duration>, not \""
                    + policy + "\"");
        }
        return policy;
    }

    private List<DependencySpec> dependsOn(ComposeNode node) throws ComposeException {
        List<DependencySpec> dependencies = new ArrayList<>();
        if (node.isArray()) {
            for (ComposeNode item : node.items()) {
                String name = item.text();
                requireService(item, name, true);
                dependencies.add(new DependencySpec(name, DependencySpec.STARTED, true));
            }
            return dependencies;
        }
        for (Map.Entry<String, ComposeNode> field : node.fields().entrySet()) {
            String name = field.getKey();
            ComposeNode options = field.getValue();
            boolean required = options.get("required").booleanOr(true);
            if (!requireService(node.get(name), name, required)) {
                continue;
            }
            String condition = options.get("condition").textOrNull();
            if (options.get("restart").isPresent()) {
                context.unsupported("depends_on.restart");
            }
            dependencies.add(new DependencySpec(name, condition, required));
        }
        return dependencies;
    }

    private boolean requireService(ComposeNode at, String name, boolean required) throws ComposeException {
        if (context.serviceNames.contains(name)) {
            return true;
        }
        if (required) {
            throw at.keyError("depends on undefined service \"" + name + "\"");
        }
        context.warn(at.path().key() + ": optional dependency on undefined service \"" + name + "\" ignored");
        return false;
    }
}
