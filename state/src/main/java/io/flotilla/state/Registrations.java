package io.flotilla.state;

import io.flotilla.model.Registration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import org.pcollections.HashTreePMap;
import org.pcollections.HashTreePSet;
import org.pcollections.PMap;
import org.pcollections.PSet;

/**
 * The self-registrations of the cluster state (discovery), immutable, by id and by service name.
 * Invariant: every id in {@code idsByService} is in {@code byId} under that service, and back.
 */
public final class Registrations {
    public static final Registrations EMPTY = new Registrations(HashTreePMap.empty(), HashTreePMap.empty());

    private final PMap<String, Registration> byId;
    private final PMap<String, PSet<String>> idsByService;

    private Registrations(PMap<String, Registration> byId, PMap<String, PSet<String>> idsByService) {
        this.byId = byId;
        this.idsByService = idsByService;
    }

    public Collection<Registration> all() {
        return byId.values();
    }

    public int size() {
        return byId.size();
    }

    public Optional<Registration> get(String id) {
        return Optional.ofNullable(byId.get(id));
    }

    public List<Registration> ofService(String service) {
        PSet<String> ids = idsByService.get(service);
        if (ids == null) {
            return List.of();
        }
        List<Registration> result = new ArrayList<>(ids.size());
        for (String id : ids) {
            result.add(byId.get(id));
        }
        return result;
    }

    /** Service names that have at least one registration. */
    public Collection<String> services() {
        return idsByService.keySet();
    }

    /** A table of {@code registrations} (a snapshot's). */
    static Registrations of(Collection<Registration> registrations) {
        Registrations all = EMPTY;
        for (Registration registration : registrations) {
            all = all.put(registration);
        }
        return all;
    }

    Registrations put(Registration registration) {
        Registrations without = remove(registration.id());
        PSet<String> ids = without.idsByService.get(registration.service());
        return new Registrations(without.byId.plus(registration.id(), registration),
                without.idsByService.plus(registration.service(),
                        ids == null ? HashTreePSet.singleton(registration.id()) : ids.plus(registration.id())));
    }

    Registrations remove(String id) {
        Registration old = byId.get(id);
        if (old == null) {
            return this;
        }
        PSet<String> left = idsByService.get(old.service()).minus(id);
        return new Registrations(byId.minus(id),
                left.isEmpty() ? idsByService.minus(old.service()) : idsByService.plus(old.service(), left));
    }
}
