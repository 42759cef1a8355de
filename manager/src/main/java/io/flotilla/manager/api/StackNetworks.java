package io.flotilla.manager.api;

import io.flotilla.manager.errors.ApiException;
import io.flotilla.model.Network;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import io.flotilla.state.ClusterState;
import io.flotilla.state.NetworkTable;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * A deploy's networks, checked before anything is proposed ({@link StackDeployment}): its own are
 * named {@code <stack>_<key>} and can be made (a subnet overlapping no other network's, nor another
 * of its own), the external ones exist and were made with {@code network create}, and every service
 * is only on those. A refusal is a 400 (409 for a name another stack holds), and nothing changes.
 */
final class StackNetworks {
    private StackNetworks() {}

    static void check(ClusterState state, String stack, StackSpec spec) {
        NetworkTable table = state.networks();
        List<NetworkSpec> own = spec.networks();
        Set<String> usable = new HashSet<>();
        for (int i = 0; i < own.size(); i++) {
            NetworkSpec network = own.get(i);
            if (!stack.equals(network.stack()) || !network.name().startsWith(stack + "_")) {
                throw ApiException.invalid("network " + network.name() + " must belong to stack " + stack
                        + " and be named " + stack + "_<network>");
            }
            for (NetworkSpec other : own.subList(0, i)) {
                String refusal = NetworkTable.refusal(network, other);
                if (refusal != null) {
                    throw ApiException.invalid(refusal);
                }
            }
            checkOwn(state, stack, network);
            usable.add(network.name());
        }
        for (String name : spec.externalNetworks()) {
            Network network = table.get(name).orElseThrow(() -> ApiException.invalid("external network " + name
                    + " does not exist (make it with flotilla network create " + name + ")"));
            if (network.spec().stack() != null) {
                throw ApiException.invalid("network " + name + " belongs to stack " + network.spec().stack()
                        + ": only a network made with flotilla network create can be external");
            }
            usable.add(name);
        }
        for (ServiceSpec service : spec.services()) {
            for (String name : service.task().networkNames()) {
                if (!usable.contains(name)) {
                    throw ApiException.invalid("service " + service.name() + " is on network " + name
                            + ", which is neither a network of stack " + stack + " nor one of its external networks");
                }
            }
        }
    }

    /** A network of the stack: made now (its spec checked), or kept as it is (a redeploy may not change it). */
    private static void checkOwn(ClusterState state, String stack, NetworkSpec network) {
        NetworkTable table = state.networks();
        if (!table.holdsName(network.name())) {
            String refusal = table.refusal(network);
            if (refusal != null) {
                throw ApiException.invalid(refusal);
            }
            return;
        }
        Network existing = table.get(network.name()).orElse(null);
        if (existing == null) {
            return; // being removed with its last tasks: the deploy keeps it
        }
        if (!stack.equals(existing.spec().stack())) {
            throw ApiException.conflict("network " + network.name() + " already exists outside stack " + stack);
        }
        if ((network.subnet() != null && !network.subnet().equals(existing.subnet()))
                || (network.gateway() != null && !network.gateway().equals(existing.gateway()))
                || network.internal() != existing.spec().internal()) {
            throw ApiException.invalid("network " + network.name() + " exists with subnet " + existing.subnet()
                    + ", gateway " + existing.gateway() + (existing.spec().internal() ? ", internal" : "")
                    + ": a deploy cannot change it (remove the stack first)");
        }
    }
}
