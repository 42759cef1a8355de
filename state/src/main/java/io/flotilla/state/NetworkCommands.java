package io.flotilla.state;

import io.flotilla.model.Command;
import io.flotilla.model.Network;
import io.flotilla.model.NetworkPool;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.Service;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * What the commands that make and remove networks do in apply ({@link StateMachine}); the
 * addresses follow at the end of apply ({@link NetworkFollow}). Every refusal here is also the
 * API's, checked before it proposes: these are the last guard against a replayed or crafted entry.
 */
final class NetworkCommands {
    private NetworkCommands() {}

    static ClusterState create(ClusterState state, Command.CreateNetwork c) {
        if (c.spec().stack() != null) {
            return state; // a stack's networks come with its deploy
        }
        return state.withNetworks(state.networks().create(c.networkId(), c.spec(), c.at(), pool(state)));
    }

    /** A no-op while a service is on the network or a stack owns it. */
    static ClusterState remove(ClusterState state, Command.RemoveNetwork c) {
        Network network = state.networks().get(c.name()).orElse(null);
        if (network == null || network.spec().stack() != null || !servicesOn(state, c.name()).isEmpty()) {
            return state;
        }
        return state.withNetworks(state.networks().remove(c.name()));
    }

    /**
     * A deploy's networks, before its services: null when the deploy must change nothing (a network
     * that cannot be made, an external one missing or owned by a stack); else the state with the
     * missing ones made (a network of the stack being removed is kept again).
     */
    static ClusterState deploy(ClusterState state, Command.DeployStack c) {
        for (String external : c.externalNetworks()) {
            Network network = state.networks().get(external).orElse(null);
            if (network == null || network.spec().stack() != null) {
                return null;
            }
        }
        Set<String> usable = new HashSet<>(c.externalNetworks());
        c.networks().forEach(spec -> usable.add(spec.name()));
        for (io.flotilla.model.ServiceSpec service : c.services()) {
            if (!usable.containsAll(service.task().networkNames())) {
                return null; // a network neither the stack's own nor one of its external ones
            }
        }
        NetworkTable table = state.networks();
        List<NetworkSpec> specs = c.networks();
        for (int i = 0; i < specs.size(); i++) {
            NetworkSpec spec = specs.get(i);
            if (!c.stack().equals(spec.stack())) {
                return null;
            }
            for (NetworkSpec other : specs.subList(0, i)) {
                if (NetworkTable.refusal(spec, other) != null) {
                    return null;
                }
            }
            NetworkAddresses existing = table.entry(spec.name());
            if (existing != null) {
                if (!c.stack().equals(existing.network().spec().stack())) {
                    return null; // another stack's, or one made with network create
                }
                table = table.revive(spec.name());
                continue;
            }
            String id = c.newNetworkIds().get(spec.name());
            NetworkTable made = id == null ? table : table.create(id, spec, c.at(), pool(state));
            if (made == table) {
                return null;
            }
            table = made;
        }
        return state.withNetworks(table);
    }

    /** After a deploy's services: the stack's networks it no longer lists, and no service is on, are removed. */
    static ClusterState afterDeploy(ClusterState state, Command.DeployStack c) {
        Set<String> listed = new HashSet<>();
        c.networks().forEach(spec -> listed.add(spec.name()));
        return removeOfStack(state, c.stack(), listed);
    }

    /** The networks of {@code stack} not in {@code kept} and with no service on them: removed. */
    static ClusterState removeOfStack(ClusterState state, String stack, Set<String> kept) {
        NetworkTable table = state.networks();
        for (Network network : table.all()) {
            if (stack.equals(network.spec().stack()) && !kept.contains(network.name())
                    && servicesOn(state, network.name()).isEmpty()) {
                table = table.remove(network.name());
            }
        }
        return state.withNetworks(table);
    }

    /** The names of the services whose template lists the network, sorted. */
    static List<String> servicesOn(ClusterState state, String network) {
        List<String> names = new ArrayList<>();
        for (Service service : state.services()) {
            if (service.spec().task().networkNames().contains(network)) {
                names.add(service.spec().name());
            }
        }
        names.sort(null);
        return names;
    }

    private static NetworkPool pool(ClusterState state) {
        return state.cluster() == null ? NetworkPool.DEFAULT : state.cluster().networkPool();
    }
}
