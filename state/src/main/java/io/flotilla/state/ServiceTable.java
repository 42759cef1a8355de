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
 * The services of a {@link ClusterState}, immutable, by id and by name, and the stamp of the last
 * change to any service's published ports. Invariant kept by {@link #put} and {@link #remove}:
 * names are unique, and every name maps to the id of the service that has it.
 */
final class ServiceTable {
    static final ServiceTable EMPTY = new ServiceTable(HashTreePMap.empty(), HashTreePMap.empty(), 0);

    private final PMap<String, Service> services;
    private final PMap<String, String> serviceIdsByName;
    /**
     * The stamp of the last change of any service's published ports (they go into every
     * assignment set), as {@link TaskTable} stamps a node's tasks: the index before the change
     * plus one. Derived, not replicated.
     */
    private final long portsChangedAt;

    private ServiceTable(PMap<String, Service> services, PMap<String, String> serviceIdsByName, long portsChangedAt) {
        this.services = services;
        this.serviceIdsByName = serviceIdsByName;
        this.portsChangedAt = portsChangedAt;
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

    long portsChangedAt() {
        return portsChangedAt;
    }

    /** With {@code service} added or replaced, in the state whose index is {@code index}. */
    ServiceTable put(Service service, long index) {
        PMap<String, String> names = serviceIdsByName;
        Service old = services.get(service.id());
        if (old != null && !old.spec().name().equals(service.spec().name())) {
            names = names.minus(old.spec().name());
        }
        long ports = old != null && !old.spec().ports().equals(service.spec().ports()) ? index + 1 : portsChangedAt;
        return new ServiceTable(services.plus(service.id(), service), names.plus(service.spec().name(), service.id()),
                ports);
    }

    /** Without service {@code serviceId} (this table when it has none), in the state whose index is {@code index}. */
    ServiceTable remove(String serviceId, long index) {
        Service old = services.get(serviceId);
        if (old == null) {
            return this;
        }
        long ports = old.spec().ports().isEmpty() ? portsChangedAt : index + 1;
        return new ServiceTable(services.minus(serviceId), serviceIdsByName.minus(old.spec().name()), ports);
    }
}
