package io.flotilla.compose;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Applies {@code profiles} (the Compose Specification's 15-profiles.md): a service without
 * {@code profiles} is always deployed, one with them only when one of them is active ({@code *}
 * activates all, as in docker compose). Other top-level elements are not affected. An enabled
 * service whose required {@code depends_on} names a disabled one is refused with compose-go's
 * message, naming both and the profiles that would enable it: a dependency does not enable a
 * service. The {@code profiles} key is removed from the services kept: it is acted on here.
 */
final class ProfileFilter {
    private ProfileFilter() {}

    static void apply(ObjectNode root, SourceMap sourceMap, Collection<String> activeProfiles) throws ComposeException {
        if (!(root.get("services") instanceof ObjectNode services)) {
            return;
        }
        Set<String> active = Set.copyOf(activeProfiles);
        Map<String, List<String>> disabled = new LinkedHashMap<>();
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            List<String> profiles = new ArrayList<>();
            service.getValue().path("profiles").forEach(profile -> profiles.add(profile.asText()));
            if (!profiles.isEmpty() && !active.contains("*") && profiles.stream().noneMatch(active::contains)) {
                disabled.put(service.getKey(), profiles);
            }
        }
        for (Map.Entry<String, JsonNode> service : services.properties()) {
            if (disabled.containsKey(service.getKey())) {
                continue;
            }
            ComposeNode dependsOn = new ComposeNode(service.getValue().get("depends_on"),
                    NodePath.ROOT.child("services").child(service.getKey()).child("depends_on"), sourceMap);
            for (Map.Entry<String, ComposeNode> dependency : dependencies(dependsOn).entrySet()) {
                List<String> profiles = disabled.get(dependency.getKey());
                if (profiles != null && dependency.getValue().get("required").booleanOr(true)) {
                    throw dependency.getValue().keyError("service \"" + dependency.getKey() + "\" is required by \""
                            + service.getKey() + "\" but is disabled. Can be enabled by profiles " + profiles);
                }
            }
        }
        disabled.keySet().forEach(services::remove);
        for (JsonNode service : services) {
            if (service instanceof ObjectNode object) {
                object.remove("profiles");
            }
        }
    }

    /** depends_on as a list or a mapping, by service name (a list entry is its own node). */
    private static Map<String, ComposeNode> dependencies(ComposeNode dependsOn) throws ComposeException {
        if (!dependsOn.isArray()) {
            return dependsOn.fields();
        }
        Map<String, ComposeNode> byName = new LinkedHashMap<>();
        for (ComposeNode item : dependsOn.items()) {
            byName.put(item.text(), item);
        }
        return byName;
    }
}
