package io.flotilla.compose;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import com.fasterxml.jackson.dataformat.yaml.YAMLFactory;
import com.fasterxml.jackson.dataformat.yaml.YAMLGenerator;
import com.fasterxml.jackson.dataformat.yaml.YAMLMapper;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.PlacementSpec;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.ResourcesSpec;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.Ulimit;
import io.flotilla.model.UpdateConfig;
import io.flotilla.model.VolumeMount;
import java.io.UncheckedIOException;
import java.math.BigDecimal;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/**
 * Prints the effective stack as {@code docker stack config} does: one compose document with
 * variables substituted, env files read into {@code environment}, short syntax expanded to the
 * long one, defaults written out, and every literal {@code $} escaped as {@code $$} (as
 * {@code docker compose config} does). The networks the stack uses are written from the stack
 * ({@link NetworkWriter}); the other top-level declarations are copied as written.
 */
final class NormalizedComposeWriter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final YAMLMapper YAML = new YAMLMapper(YAMLFactory.builder()
            .disable(YAMLGenerator.Feature.WRITE_DOC_START_MARKER)
            .enable(YAMLGenerator.Feature.MINIMIZE_QUOTES)
            .enable(YAMLGenerator.Feature.ALWAYS_QUOTE_NUMBERS_AS_STRINGS)
            .disable(YAMLGenerator.Feature.SPLIT_LINES)
            .build());

    private NormalizedComposeWriter() {}

    /**
     * @param volumeKeys the key in the file of each declared volume by its cluster-wide name: a mount
     *                   names the volume by its key, as the file did, so that loading the output again
     *                   gives the same names
     */
    static String write(StackSpec stack, ObjectNode document, Map<String, String> volumeKeys,
                        Map<String, String> networkKeys, Map<String, String> fileKeys) {
        ObjectNode root = NODES.objectNode();
        root.put("name", stack.name());
        ObjectNode services = root.putObject("services");
        for (ServiceSpec service : stack.services()) {
            ObjectNode out = service(service, volumeKeys);
            NetworkWriter.service(out, service.task(), networkKeys);
            FileWriter.service(out, service.task(), fileKeys);
            services.set(service.shortName(), out);
        }
        NetworkWriter.declarations(root, stack, networkKeys);
        for (String key : List.of("volumes", "configs", "secrets")) {
            JsonNode declared = document.get(key);
            if (declared != null && !declared.isNull()) {
                root.set(key, key.equals("volumes") ? declared.deepCopy() : FileWriter.withoutContent(declared));
            }
        }
        escapeDollars(root);
        try {
            return YAML.writeValueAsString(root);
        } catch (JsonProcessingException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Values are final: a literal {@code $} is written {@code $$} so that loading the output again gives the same stack. */
    private static void escapeDollars(JsonNode node) {
        if (node instanceof ObjectNode object) {
            for (Map.Entry<String, JsonNode> field : object.properties()) {
                if (field.getValue().isTextual()) {
                    field.setValue(NODES.textNode(field.getValue().textValue().replace("$", "$$")));
                } else {
                    escapeDollars(field.getValue());
                }
            }
        } else if (node instanceof ArrayNode array) {
            for (int i = 0; i < array.size(); i++) {
                if (array.get(i).isTextual()) {
                    array.set(i, NODES.textNode(array.get(i).textValue().replace("$", "$$")));
                } else {
                    escapeDollars(array.get(i));
                }
            }
        }
    }

    private static ObjectNode service(ServiceSpec service, Map<String, String> volumeKeys) {
        TaskTemplate task = service.task();
        ObjectNode out = NODES.objectNode();
        if (task.image() != null) {
            out.put("image", task.image());
        }
        strings(out, "entrypoint", task.entrypoint());
        strings(out, "command", task.command());
        map(out, "environment", task.environment());
        text(out, "working_dir", task.workingDir());
        text(out, "user", task.user());
        text(out, "hostname", task.hostname());
        map(out, "labels", task.labels());
        if (!service.ports().isEmpty()) {
            ArrayNode ports = out.putArray("ports");
            ArrayNode expose = NODES.arrayNode();
            for (PortSpec port : service.ports()) {
                if (port.published() == null && port.appProtocol() == null) {
                    expose.add(port.target() + (port.protocol().equals("tcp") ? "" : "/" + port.protocol()));
                    continue;
                }
                ObjectNode entry = ports.addObject();
                entry.put("name", port.name());
                entry.put("mode", port.mode());
                entry.put("target", port.target());
                if (port.published() != null) {
                    entry.put("published", Integer.toString(port.published()));
                }
                entry.put("protocol", port.protocol());
                if (port.appProtocol() != null) {
                    entry.put("app_protocol", port.appProtocol());
                }
            }
            if (ports.isEmpty()) {
                out.remove("ports");
            }
            if (!expose.isEmpty()) {
                out.set("expose", expose);
            }
        }
        if (task.healthcheck() != null) {
            out.set("healthcheck", healthcheck(task.healthcheck()));
        }
        if (!service.dependsOn().isEmpty()) {
            ObjectNode dependsOn = out.putObject("depends_on");
            for (DependencySpec dependency : service.dependsOn()) {
                ObjectNode entry = dependsOn.putObject(dependency.service());
                entry.put("condition", dependency.condition());
                entry.put("required", dependency.required());
            }
        }
        if (!task.volumes().isEmpty()) {
            ArrayNode volumes = out.putArray("volumes");
            for (VolumeMount mount : task.volumes()) {
                ObjectNode entry = volumes.addObject();
                entry.put("type", mount.type());
                if (mount.source() != null) {
                    entry.put("source", mount.named() ? volumeKeys.getOrDefault(mount.source(), mount.source())
                            : mount.source());
                }
                entry.put("target", mount.target());
                if (mount.readOnly()) {
                    entry.put("read_only", true);
                }
            }
        }
        if (!task.stopSignal().equals("SIGTERM")) {
            out.put("stop_signal", task.stopSignal());
        }
        out.put("stop_grace_period", DurationParser.format(task.stopGracePeriod()));
        if (task.init()) {
            out.put("init", true);
        }
        if (task.readOnly()) {
            out.put("read_only", true);
        }
        strings(out, "cap_add", task.capAdd());
        strings(out, "cap_drop", task.capDrop());
        strings(out, "tmpfs", task.tmpfs());
        if (!task.ulimits().isEmpty()) {
            ObjectNode ulimits = out.putObject("ulimits");
            for (Map.Entry<String, Ulimit> ulimit : new TreeMap<>(task.ulimits()).entrySet()) {
                ulimits.putObject(ulimit.getKey()).put("soft", ulimit.getValue().soft()).put("hard", ulimit.getValue().hard());
            }
        }
        out.put("pull_policy", task.pullPolicy());
        out.set("deploy", deploy(service));
        ObjectNode flotilla = out.putObject("x-flotilla").put("driver", task.driver());
        strings(flotilla, "requires", task.discovery().requires());
        switch (task.discovery().onChange()) {
            case DiscoverySpec.OnDependencyChange.Ignore ignore -> { }
            case DiscoverySpec.OnDependencyChange.Restart restart -> flotilla.put("on_dependency_change", "restart");
            case DiscoverySpec.OnDependencyChange.Signal signal ->
                    flotilla.put("on_dependency_change", "signal:" + signal.signal());
            case DiscoverySpec.OnDependencyChange.Exec exec -> strings(flotilla.putObject("on_dependency_change"),
                    "exec", exec.command());
        }
        return out;
    }

    private static ObjectNode healthcheck(HealthcheckSpec check) {
        ObjectNode out = NODES.objectNode();
        if (check.disabled()) {
            out.put("disable", true);
            return out;
        }
        strings(out, "test", check.test());
        out.put("interval", DurationParser.format(check.interval()));
        out.put("timeout", DurationParser.format(check.timeout()));
        out.put("retries", check.retries());
        out.put("start_period", DurationParser.format(check.startPeriod()));
        out.put("start_interval", DurationParser.format(check.startInterval()));
        return out;
    }

    private static ObjectNode deploy(ServiceSpec service) {
        TaskTemplate task = service.task();
        ObjectNode out = NODES.objectNode();
        out.put("mode", service.mode() == ServiceMode.GLOBAL ? "global" : "replicated");
        if (service.mode() == ServiceMode.REPLICATED) {
            out.put("replicas", service.replicas());
        }
        map(out, "labels", service.labels());
        out.put("endpoint_mode", service.endpointMode());
        out.set("update_config", updateConfig(service.updateConfig()));
        out.set("rollback_config", updateConfig(service.rollbackConfig()));
        ResourcesSpec resources = task.resources();
        if (!resources.limits().isEmpty() || !resources.reservations().isEmpty()) {
            ObjectNode node = out.putObject("resources");
            resources(node, "limits", resources.limits());
            resources(node, "reservations", resources.reservations());
        }
        RestartPolicy restart = task.restartPolicy();
        ObjectNode policy = out.putObject("restart_policy");
        policy.put("condition", restart.condition());
        policy.put("delay", DurationParser.format(restart.delay()));
        if (restart.maxAttempts() != null) {
            policy.put("max_attempts", restart.maxAttempts());
        }
        if (restart.window() != null) {
            policy.put("window", DurationParser.format(restart.window()));
        }
        PlacementSpec placement = task.placement();
        if (!placement.equals(PlacementSpec.NONE)) {
            ObjectNode node = out.putObject("placement");
            strings(node, "constraints", placement.constraints());
            if (!placement.spreadPreferences().isEmpty()) {
                ArrayNode preferences = node.putArray("preferences");
                placement.spreadPreferences().forEach(label -> preferences.addObject().put("spread", label));
            }
            if (placement.maxReplicasPerNode() != null) {
                node.put("max_replicas_per_node", placement.maxReplicasPerNode());
            }
        }
        return out;
    }

    private static ObjectNode updateConfig(UpdateConfig config) {
        ObjectNode out = NODES.objectNode();
        out.put("parallelism", config.parallelism());
        out.put("delay", DurationParser.format(config.delay()));
        out.put("failure_action", config.failureAction());
        out.put("monitor", DurationParser.format(config.monitor()));
        out.put("max_failure_ratio", config.maxFailureRatio());
        out.put("order", config.order());
        return out;
    }

    private static void resources(ObjectNode parent, String key, Resources amounts) {
        if (amounts.isEmpty()) {
            return;
        }
        ObjectNode out = parent.putObject(key);
        if (amounts.nanoCpus() > 0) {
            out.put("cpus", new BigDecimal(amounts.nanoCpus()).movePointLeft(9).stripTrailingZeros().toPlainString());
        }
        if (amounts.memoryBytes() > 0) {
            out.put("memory", Long.toString(amounts.memoryBytes()));
        }
        if (amounts.pids() > 0) {
            out.put("pids", amounts.pids());
        }
    }

    private static void strings(ObjectNode out, String key, List<String> values) {
        if (!values.isEmpty()) {
            ArrayNode array = out.putArray(key);
            values.forEach(array::add);
        }
    }

    private static void map(ObjectNode out, String key, Map<String, String> values) {
        if (!values.isEmpty()) {
            ObjectNode node = out.putObject(key);
            new TreeMap<>(values).forEach(node::put);
        }
    }

    private static void text(ObjectNode out, String key, String value) {
        if (value != null) {
            out.put(key, value);
        }
    }

}
