package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Command.DeployStack;
import io.flotilla.model.DependencySpec;
import io.flotilla.model.MeshClaims;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.state.ClusterState;
import java.time.Instant;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Pattern;

/**
 * Decides the {@link DeployStack} for a deploy request, or refuses it (pure: the state, the
 * request, an id source and now in; a command or an {@link ApiException} out). A refused deploy
 * changes nothing.
 */
final class StackDeployment {
    private static final Pattern STACK_NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    private StackDeployment() {}

    static DeployStack plan(ClusterState state, String pathName, StackSpec stack, Supplier<String> ids, Instant now) {
        if (stack == null) {
            throw ApiException.invalid("the body must hold a stack: {\"stack\": {\"name\": ..., \"services\": [...]}}");
        }
        if (!stack.name().equals(pathName)) {
            throw ApiException.invalid("the stack in the body is named " + stack.name() + ", the path says " + pathName);
        }
        if (!STACK_NAME.matcher(pathName).matches()) {
            throw ApiException.invalid("invalid stack name " + pathName
                    + ": use letters, digits, '_', '.' and '-', starting with a letter or digit");
        }
        if (stack.services().isEmpty()) {
            throw ApiException.invalid("stack " + pathName + " has no services (to remove a stack, DELETE it)");
        }
        Set<String> names = new HashSet<>();
        Set<String> shortNames = new HashSet<>();
        for (ServiceSpec spec : stack.services()) {
            if (!pathName.equals(spec.stack())) {
                throw ApiException.invalid("service " + spec.name() + " belongs to stack " + spec.stack()
                        + ", not " + pathName);
            }
            if (!spec.name().startsWith(pathName + "_") || spec.name().length() == pathName.length() + 1) {
                throw ApiException.invalid("service " + spec.name() + " must be named " + pathName + "_<service>");
            }
            if (!names.add(spec.name())) {
                throw ApiException.invalid("service " + spec.name() + " is listed twice");
            }
            shortNames.add(spec.shortName());
        }
        for (ServiceSpec spec : stack.services()) {
            for (DependencySpec dependency : spec.dependsOn()) {
                if (!shortNames.contains(dependency.service())) {
                    throw ApiException.invalid("service " + spec.name() + " depends on " + dependency.service()
                            + ", which is not in stack " + pathName);
                }
            }
        }
        Map<String, String> newIds = new LinkedHashMap<>();
        for (ServiceSpec spec : stack.services()) {
            Service existing = state.serviceByName(spec.name()).orElse(null);
            if (existing == null) {
                String id;
                do {
                    id = ids.get();
                } while (state.service(id).isPresent() || newIds.containsValue(id));
                newIds.put(spec.name(), id);
            } else if (!pathName.equals(existing.spec().stack())) {
                throw ApiException.conflict("service " + spec.name() + " already exists outside stack " + pathName);
            }
        }
        checkMeshClaims(state, pathName, stack);
        StackNetworks.check(state, pathName, stack);
        Map<String, String> newNetworkIds = new LinkedHashMap<>();
        for (io.flotilla.model.NetworkSpec network : stack.networks()) {
            if (!state.networks().holdsName(network.name())) {
                newNetworkIds.put(network.name(), ids.get());
            }
        }
        return new DeployStack(pathName, stack.services(), newIds, now, stack.networks(), stack.externalNetworks(),
                newNetworkIds);
    }

    /**
     * The routing mesh serves every ingress port on every node, and a virtual address per
     * service: the stack's services together with every other service of the cluster must not
     * claim the same port or address (see {@link MeshClaims}). The services of the stack being
     * deployed replace their previous versions.
     */
    private static void checkMeshClaims(ClusterState state, String pathName, StackSpec stack) {
        java.util.List<ServiceSpec> all = new java.util.ArrayList<>(stack.services());
        for (Service service : state.services()) {
            if (!pathName.equals(service.spec().stack())) {
                all.add(service.spec());
            }
        }
        try {
            MeshClaims.check(all);
        } catch (IllegalArgumentException e) {
            throw ApiException.conflict(e.getMessage());
        }
    }
}
