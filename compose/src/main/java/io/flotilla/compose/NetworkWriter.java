package io.flotilla.compose;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.model.NetworkAttachment;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.model.TaskTemplate;
import java.util.Map;
import java.util.TreeMap;

/**
 * The networks of {@code stack config}'s output, written from the {@link StackSpec} so that the
 * printed file maps back to the same stack: each network under its key in the file with its
 * cluster-wide {@code name:} spelled out (as {@code docker compose config} does), and each service's
 * networks with their aliases, or its {@code network_mode}.
 */
final class NetworkWriter {
    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;

    private NetworkWriter() {}

    /** The top-level {@code networks:} the stack makes or uses; none when it uses none. */
    static void declarations(ObjectNode root, StackSpec stack, Map<String, String> networkKeys) {
        if (stack.networks().isEmpty() && stack.externalNetworks().isEmpty()) {
            return;
        }
        ObjectNode networks = root.putObject("networks");
        for (NetworkSpec spec : stack.networks()) {
            ObjectNode out = networks.putObject(networkKeys.getOrDefault(spec.name(), spec.name()));
            out.put("name", spec.name());
            out.put("driver", NetworkSpec.OVERLAY);
            if (spec.internal()) {
                out.put("internal", true);
            }
            if (spec.attachable()) {
                out.put("attachable", true);
            }
            if (!spec.labels().isEmpty()) {
                ObjectNode labels = out.putObject("labels");
                new TreeMap<>(spec.labels()).forEach(labels::put);
            }
            if (spec.subnet() != null) {
                ObjectNode config = out.putObject("ipam").putArray("config").addObject();
                config.put("subnet", spec.subnet());
                if (spec.gateway() != null) {
                    config.put("gateway", spec.gateway());
                }
            }
        }
        for (String name : stack.externalNetworks()) {
            networks.putObject(networkKeys.getOrDefault(name, name)).put("name", name).put("external", true);
        }
    }

    /**
     * A service's {@code networks:} by key, with aliases; or its {@code network_mode}. A container on
     * no network and without a mode is on Docker's default bridge, written {@code network_mode: bridge}
     * (else loading the output again would put it on the default network).
     */
    static void service(ObjectNode out, TaskTemplate task, Map<String, String> networkKeys) {
        if (task.networkMode() != null) {
            out.put("network_mode", task.networkMode());
            return;
        }
        if (task.networks().isEmpty()) {
            if (task.driver().equals(TaskTemplate.DOCKER)) {
                out.put("network_mode", ServiceNetworks.BRIDGE);
            }
            return;
        }
        ObjectNode networks = out.putObject("networks");
        for (NetworkAttachment attachment : task.networks()) {
            String key = networkKeys.getOrDefault(attachment.network(), attachment.network());
            if (attachment.aliases().isEmpty()) {
                networks.putNull(key);
            } else {
                ArrayNode aliases = networks.putObject(key).putArray("aliases");
                attachment.aliases().forEach(aliases::add);
            }
        }
    }
}
