package io.flotilla.discovery;

import io.flotilla.model.Endpoint;
import io.flotilla.model.api.EndpointEvent;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;

/**
 * A worker's copy of the managers' endpoint registry (service → endpoints), fed by the
 * all-services watch ({@code GET /v1/discovery/watch}, see {@link RegistryMirrorStream}); the
 * worker's DNS server answers from it.
 *
 * <p>Resuming: {@link #resumeIndex()} is the highest index up to which every change has been
 * applied. One log entry may change several services, so several changes share an index; a stream
 * that breaks between two of them resumes from the index before, and the changes of that index
 * already applied are recognised and skipped: no change is missed, none applied twice.
 *
 * <p>Stale data: while no manager is reachable the mirror keeps the last set it had (tasks keep
 * running without managers, so their endpoints most likely still answer).
 *
 * <p>Thread-safety: {@link #apply} from the one thread reading the stream (it is synchronized
 * anyway); reads are lock-free on an immutable map.
 */
public final class RegistryMirror implements EndpointSource {
    private volatile PMap<String, PMap<String, Endpoint>> current = HashTreePMap.empty();
    /** Every change with an index at most this is applied; -1 before the first snapshot. */
    private volatile long resumeIndex = -1;
    /** {@link #generation}: bumped after each snapshot or change is readable. */
    private volatile long generation;
    /** The index of the last change applied, and the services it changed (changes at one index). */
    private long lastChangeIndex = -1;
    private final Set<String> servicesAtLastChange = new HashSet<>();
    private long applied;
    private long skipped;
    private long resets;

    /** Applies one event of the all-services watch. */
    public synchronized void apply(EndpointEvent event) {
        long index = event.index();
        switch (event.type()) {
            case EndpointEvent.SNAPSHOT -> {
                PMap<String, PMap<String, Endpoint>> next = HashTreePMap.empty();
                Map<String, Map<String, Endpoint>> grouped = new TreeMap<>();
                for (Endpoint endpoint : event.endpoints() == null ? List.<Endpoint>of() : event.endpoints()) {
                    grouped.computeIfAbsent(endpoint.service(), s -> new TreeMap<>()).put(endpoint.id(), endpoint);
                }
                for (Map.Entry<String, Map<String, Endpoint>> entry : grouped.entrySet()) {
                    next = next.plus(entry.getKey(), HashTreePMap.from(entry.getValue()));
                }
                current = next;
                generation++;
                resumeIndex = index;
                lastChangeIndex = index;
                servicesAtLastChange.clear();
                resets++;
            }
            case EndpointEvent.CHANGE -> {
                String service = event.service();
                if (index <= resumeIndex || (index == lastChangeIndex && servicesAtLastChange.contains(service))) {
                    skipped++; // a resume replayed what was applied already
                    return;
                }
                PMap<String, Endpoint> endpoints = current.get(service);
                endpoints = endpoints == null ? HashTreePMap.empty() : endpoints;
                if (event.removed() != null) {
                    endpoints = endpoints.minusAll(event.removed());
                }
                if (event.upserted() != null) {
                    for (Endpoint endpoint : event.upserted()) {
                        endpoints = endpoints.plus(endpoint.id(), endpoint);
                    }
                }
                current = endpoints.isEmpty() ? current.minus(service) : current.plus(service, endpoints);
                generation++;
                if (index != lastChangeIndex) {
                    servicesAtLastChange.clear();
                    lastChangeIndex = index;
                }
                servicesAtLastChange.add(service);
                // Changes come in index order: every change before this index has been applied.
                resumeIndex = Math.max(resumeIndex, index - 1);
                applied++;
            }
            default -> { // heartbeat: nothing changed up to index, so every change at or before it is in
                if (resumeIndex >= 0) {
                    resumeIndex = Math.max(resumeIndex, index);
                }
            }
        }
    }

    /** The index to resume the watch from ({@code ?index=}); -1 before the first snapshot (none: a full set). */
    public long resumeIndex() {
        return resumeIndex;
    }

    /** True once a snapshot arrived (before, the mirror knows nothing: every name is NXDOMAIN). */
    public boolean synced() {
        return resumeIndex >= 0;
    }

    /** Grows with every snapshot and change applied (heartbeats leave it). Lock-free. */
    @Override
    public long generation() {
        return generation;
    }

    @Override
    public boolean knows(String service) {
        return current.containsKey(service);
    }

    @Override
    public Collection<Endpoint> endpointsUnordered(String service) {
        PMap<String, Endpoint> endpoints = current.get(service);
        return endpoints == null ? List.of() : endpoints.values();
    }

    /** The endpoints of {@code service}, sorted by id. */
    public List<Endpoint> endpoints(String service) {
        return List.copyOf(new TreeMap<>(current.getOrDefault(service, HashTreePMap.empty())).values());
    }

    /** Service → its endpoints sorted by id, for every service with endpoints. */
    public SortedMap<String, List<Endpoint>> all() {
        SortedMap<String, List<Endpoint>> result = new TreeMap<>();
        current.forEach((service, endpoints) -> result.put(service, new ArrayList<>(new TreeMap<>(endpoints).values())));
        return result;
    }

    /** Changes applied, changes skipped as repeats, snapshots taken (for tests and logs). */
    public synchronized long[] counters() {
        return new long[] {applied, skipped, resets};
    }
}
