package io.flotilla.state;

import io.flotilla.model.Service;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * The services of a {@link ClusterState}, immutable, by id and by name. Invariant kept by
 * {@link #put} and {@link #remove}: names are unique, and every name maps to the id of the service
 * that has it.
 */
final class ServiceTable {
    static final ServiceTable EMPTY = new ServiceTable(HashTreePMap.empty(), HashTreePMap.empty());

    private final PMap<String, Service> services;
    private final PMap<String, String> serviceIdsByName;

    private ServiceTable(PMap<String, Service> services, PMap<String, String> serviceIdsByName) {
        this.services = services;
        this.serviceIdsByName = serviceIdsByName;
    }

    Collection<Service> all() {
        return services.values();
    }

    Optional<Service> get(String id) {
        return Optional.ofNullable(services.get(id));
    }

    Optional<Service> byName(String name) {
        String id = serviceIdsByName.get(name);
        return id == null ? Optional.empty() : get(id);
    }

    /** See {@link ClusterState#findService}. */
    Optional<Service> find(String nameOrId) {
        Optional<Service> byName = byName(nameOrId);
        if (byName.isPresent()) {
            return byName;
        }
        Optional<Service> byId = get(nameOrId);
        if (byId.isPresent()) {
            return byId;
        }
        List<Service> prefixed = services.values().stream().filter(s -> s.id().startsWith(nameOrId)).toList();
        return prefixed.size() == 1 ? Optional.of(prefixed.getFirst()) : Optional.empty();
    }

    List<Service> ofStack(String stack) {
        return services.values().stream().filter(s -> stack.equals(s.spec().stack())).toList();
    }

    /** Stack names, sorted. */
    Set<String> stacks() {
        TreeSet<String> names = new TreeSet<>();
        for (Service service : services.values()) {
            if (service.spec().stack() != null) {
                names.add(service.spec().stack());
            }
        }
        return names;
    }

    /** With {@code service} added or replaced. */
    ServiceTable put(Service service) {
        PMap<String, String> names = serviceIdsByName;
        Service old = services.get(service.id());
        if (old != null && !old.spec().name().equals(service.spec().name())) {
            names = names.minus(old.spec().name());
        }
        return new ServiceTable(services.plus(service.id(), service), names.plus(service.spec().name(), service.id()));
    }

    /** Without service {@code serviceId} (this table when it has none). */
    ServiceTable remove(String serviceId) {
        Service old = services.get(serviceId);
        if (old == null) {
            return this;
        }
        return new ServiceTable(services.minus(serviceId), serviceIdsByName.minus(old.spec().name()));
    }
}
