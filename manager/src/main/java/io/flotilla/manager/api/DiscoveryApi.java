package io.flotilla.manager.api;

import io.flotilla.discovery.EndpointChange;
import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.manager.discovery.Renewals;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.manager.raft.Submissions;
import io.flotilla.model.Command;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Json;
import io.flotilla.model.Registration;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.EndpointEvent;
import io.flotilla.model.api.EndpointSet;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.model.api.RegistrationResult;
import io.flotilla.state.ClusterState;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

/**
 * Discovery over HTTP: the endpoint sets ({@code /v1/discovery/services[/{name}[/watch]]}), the
 * all-services watch workers mirror ({@code /v1/discovery/watch}) and
 * self-registration ({@code /v1/registry}). Reads answer from this manager's registry; the watch
 * streams every change of a service's endpoint set, resumable from an index on any manager.
 */
public final class DiscoveryApi {
    static final Duration DEFAULT_HEARTBEAT = Duration.ofSeconds(2);
    /** The shortest heartbeat a watch gets: shorter ones are raised to it (an open endpoint must not stream on a whim). */
    static final Duration MIN_HEARTBEAT = Duration.ofSeconds(1);
    private static final int QUEUE = 100_000;

    /** A service and how many healthy endpoints it has ({@code GET /v1/discovery/services}). */
    public record ServiceEndpointCount(String service, int endpoints) {}

    private final EndpointRegistry registry;
    private final ClusterStore store;
    private final Renewals renewals;
    private final InstantSource clock;
    private final Supplier<String> ids;

    public DiscoveryApi(EndpointRegistry registry, ClusterStore store, Renewals renewals, InstantSource clock,
                        Supplier<String> ids) {
        this.registry = registry;
        this.store = store;
        this.renewals = renewals;
        this.clock = clock;
        this.ids = ids;
    }

    /**
     * Answers a {@code /v1/discovery/...} or {@code /v1/registry/...} request; {@code streamed} when
     * it wrote the answer. {@code caller} owns what it registers (see {@link RegistrationRules}).
     */
    Object route(ApiRequest r, Object streamed, ApiCaller caller) throws Exception {
        List<String> p = r.path();
        int n = p.size();
        String method = r.method();
        if (p.get(1).equals("discovery") && n >= 3 && p.get(2).equals("services")) {
            if (n == 3 && method.equals("GET")) {
                return services();
            }
            if (n == 4 && method.equals("GET")) {
                return endpoints(p.get(3), tags(r));
            }
            if (n == 5 && p.get(4).equals("watch") && method.equals("GET")) {
                watch(r, p.get(3));
                return streamed;
            }
        }
        if (p.get(1).equals("discovery") && n == 3 && p.get(2).equals("mesh") && method.equals("GET")) {
            return meshServices();
        }
        if (p.get(1).equals("discovery") && n == 3 && p.get(2).equals("watch") && method.equals("GET")) {
            watchAll(r);
            return streamed;
        }
        if (p.get(1).equals("registry")) {
            if (n == 2 && method.equals("GET")) {
                return registrations(r.param("service"));
            }
            if (n == 2 && method.equals("POST")) {
                return register(r.body(RegistrationRequest.class), caller);
            }
            if (n == 3 && method.equals("DELETE")) {
                return deregister(p.get(2), caller);
            }
            if (n == 3 && method.equals("GET")) {
                return store.state().registrations().get(p.get(2))
                        .orElseThrow(() -> ApiException.notFound("no such registration: " + p.get(2)));
            }
            if (n == 4 && p.get(3).equals("renew") && (method.equals("PUT") || method.equals("POST"))) {
                return renew(p.get(2), caller);
            }
        }
        throw ApiException.notFound("no such endpoint: " + method + " " + r.exchange().path());
    }

    /**
     * What every node's routing mesh needs of the services ({@code GET /v1/discovery/mesh}, for any
     * certificate of the cluster, not anonymous callers): name, ports, labels, endpoint mode — the
     * task template reduced to its labels, so nothing else of the spec (environment) leaves the
     * managers ({@link io.flotilla.manager.dispatcher.NodeSessions#meshServicesOf}, which every
     * node's session carries too).
     */
    io.flotilla.model.api.MeshServices meshServices() {
        return io.flotilla.manager.dispatcher.NodeSessions.meshServicesOf(store.state());
    }

    List<ServiceEndpointCount> services() {
        List<ServiceEndpointCount> result = new ArrayList<>();
        registry.services().forEach((name, count) -> result.add(new ServiceEndpointCount(name, count)));
        return result;
    }

    EndpointSet endpoints(String service, List<String> tags) {
        long index = registry.index();
        List<Endpoint> endpoints = registry.endpoints(service);
        if (endpoints.isEmpty() && !registry.knows(service)) {
            throw ApiException.notFound("no such service: " + service);
        }
        return new EndpointSet(service, index, endpoints.stream().filter(e -> e.hasTags(tags)).toList());
    }

    static List<String> tags(ApiRequest r) {
        String value = r.param("tag");
        return value == null ? List.of() : Arrays.stream(value.split(",")).map(String::strip).filter(t -> !t.isEmpty()).toList();
    }

    /**
     * Streams the service's endpoint changes as JSON lines (or server-sent events with
     * {@code Accept: text/event-stream}): first a snapshot (or, with {@code index}, the changes
     * after it), then each change as it is applied, and a heartbeat carrying the current index
     * when nothing changed for a while. Ends when the client goes away or falls too far behind
     * (it then resumes from its last index).
     */
    private void watch(ApiRequest r, String service) throws IOException, InterruptedException {
        List<String> tags = tags(r);
        String lastEventId = r.exchange().requestHeader("Last-Event-ID");
        long from = r.param("index") != null ? r.longParam("index", -1)
                : lastEventId != null ? parseIndex(lastEventId) : -1;
        Duration heartbeat = heartbeat(r);
        String accept = r.exchange().requestHeader("Accept");
        boolean sse = accept != null && accept.contains("text/event-stream");
        BlockingQueue<EndpointChange> queue = new LinkedBlockingQueue<>(QUEUE);
        AtomicBoolean overflow = new AtomicBoolean();
        EndpointRegistry.Start[] start = new EndpointRegistry.Start[1];
        try (EndpointRegistry.Subscription ignored = registry.subscribe(service, from, s -> start[0] = s, change -> {
            if (!queue.offer(change)) {
                overflow.set(true);
            }
        })) {
            ApiExchange exchange = r.exchange();
            exchange.responseHeader("Content-Type", sse ? "text/event-stream" : "application/x-ndjson");
            exchange.responseHeader("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.responseBody();
            long sent = start[0].index();
            if (start[0].snapshot() != null) {
                write(out, sse, EndpointEvent.snapshot(service, sent, start[0].reset(),
                        start[0].snapshot().stream().filter(e -> e.hasTags(tags)).toList()));
            } else {
                for (EndpointChange change : start[0].changes()) {
                    writeChange(out, sse, change, tags);
                }
                write(out, sse, EndpointEvent.heartbeat(service, sent));
            }
            out.flush();
            while (!overflow.get()) {
                EndpointChange change = queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
                if (change != null) {
                    if (change.index() > sent) {
                        writeChange(out, sse, change, tags);
                        sent = change.index();
                    }
                    if (queue.isEmpty()) {
                        out.flush();
                    }
                    continue;
                }
                long at = registry.atIndex(index -> queue.isEmpty() ? index : -1);
                if (at >= 0) {
                    sent = Math.max(sent, at);
                    write(out, sse, EndpointEvent.heartbeat(service, sent));
                    out.flush();
                }
            }
            out.close();
        }
    }

    /**
     * Streams every service's endpoint changes as JSON lines (what a worker mirrors for its DNS
     * server): first a snapshot of every endpoint of every service ({@code service} null; with
     * {@code index}, the changes after it, or a {@code reset} snapshot if the history no longer
     * holds them), then each change as it is applied, and heartbeats. Several changes may share
     * an index (one entry changed several services); they are written together.
     */
    private void watchAll(ApiRequest r) throws IOException, InterruptedException {
        long from = r.param("index") != null ? r.longParam("index", -1) : -1;
        Duration heartbeat = heartbeat(r);
        BlockingQueue<EndpointChange> queue = new LinkedBlockingQueue<>(QUEUE);
        AtomicBoolean overflow = new AtomicBoolean();
        EndpointRegistry.Start[] start = new EndpointRegistry.Start[1];
        try (EndpointRegistry.Subscription ignored = registry.subscribeAll(from, s -> start[0] = s, change -> {
            if (!queue.offer(change)) {
                overflow.set(true);
            }
        })) {
            ApiExchange exchange = r.exchange();
            exchange.responseHeader("Content-Type", "application/x-ndjson");
            exchange.responseHeader("Cache-Control", "no-cache");
            exchange.sendResponseHeaders(200, 0);
            OutputStream out = exchange.responseBody();
            long covered = start[0].index(); // changes up to here are in the start
            long sent = covered;
            if (start[0].snapshot() != null) {
                write(out, false, EndpointEvent.snapshot(null, sent, start[0].reset(), start[0].snapshot()));
            } else {
                for (EndpointChange change : start[0].changes()) {
                    writeChange(out, false, change, List.of());
                }
                write(out, false, EndpointEvent.heartbeat(null, sent));
            }
            out.flush();
            while (!overflow.get()) {
                EndpointChange change = queue.poll(heartbeat.toMillis(), TimeUnit.MILLISECONDS);
                if (change != null) {
                    if (change.index() > covered) {
                        writeChange(out, false, change, List.of());
                        sent = Math.max(sent, change.index());
                    }
                    if (queue.isEmpty()) {
                        out.flush();
                    }
                    continue;
                }
                long at = registry.atIndex(index -> queue.isEmpty() ? index : -1);
                if (at >= 0) {
                    sent = Math.max(sent, at);
                    write(out, false, EndpointEvent.heartbeat(null, sent));
                    out.flush();
                }
            }
            out.close();
        }
    }

    /** The {@code heartbeat} query parameter (ms): 0 or absent is the default, below the minimum is the minimum. */
    static Duration heartbeat(ApiRequest r) {
        Duration heartbeat = r.waitParam("heartbeat", DEFAULT_HEARTBEAT);
        if (heartbeat.isZero()) {
            return DEFAULT_HEARTBEAT;
        }
        return heartbeat.compareTo(MIN_HEARTBEAT) < 0 ? MIN_HEARTBEAT : heartbeat;
    }

    private static long parseIndex(String value) {
        try {
            return Long.parseLong(value.strip());
        } catch (NumberFormatException e) {
            throw ApiException.invalid("Last-Event-ID must be an index: " + value);
        }
    }

    private static void writeChange(OutputStream out, boolean sse, EndpointChange change, List<String> tags)
            throws IOException {
        EndpointChange seen = change.filtered(tags);
        if (seen != null) {
            write(out, sse, EndpointEvent.change(seen.service(), seen.index(), seen.upserted(), seen.removed()));
        }
    }

    private static void write(OutputStream out, boolean sse, EndpointEvent event) throws IOException {
        String json = Json.write(event);
        String text = sse ? "id: " + event.index() + "\nevent: " + event.type() + "\ndata: " + json + "\n\n" : json + "\n";
        out.write(text.getBytes(StandardCharsets.UTF_8));
    }

    List<Registration> registrations(String service) {
        return store.state().registrations().all().stream()
                .filter(reg -> service == null || reg.service().equals(service))
                .sorted(Comparator.comparing(Registration::service).thenComparing(Registration::id))
                .toList();
    }

    RegistrationResult register(RegistrationRequest request, ApiCaller caller) throws InterruptedException {
        RegistrationRules.checkRequest(request);
        String service = RegistrationRules.serviceName(request);
        String address = request.address().strip();
        ClusterState state = store.state();
        RegistrationRules.checkName(state, service);
        RegistrationRules.checkAddress(state, caller, address);
        // reg- keeps the id out of the tasks' id space; the state refuses one that collides anyway.
        String id = RegistrationRules.ID_PREFIX + ids.get();
        Registration registration = new Registration(id, service, request.stack(), address, request.ports(),
                request.tags(), request.meta(), request.ttl(), clock.instant(), caller.owner());
        ClusterState after = Submissions.await(store.submit(new Command.RegisterEndpoints(List.of(registration))));
        if (after.registrations().get(id).isEmpty()) {
            throw ApiException.conflict("registration " + id + " was not applied (its id was taken meanwhile): register again");
        }
        renewals.renew(id, clock.instant());
        return new RegistrationResult(id, service, after.index(), registration.ttl());
    }

    RegistrationResult renew(String id, ApiCaller caller) {
        // Leadership first: a follower behind the log does not know a registration made a moment ago, and
        // a 404 tells the caller to register again (the chaos run's names client caught that).
        if (!store.isLeader()) {
            throw new ApiException(503, "unavailable", "renewals go to the leader; this manager does not lead");
        }
        Registration registration = store.state().registrations().get(id)
                .orElseThrow(() -> ApiException.notFound("no such registration: " + id + " (expired or removed: register again)"));
        RegistrationRules.checkRenew(caller, registration);
        renewals.renew(id, clock.instant());
        return new RegistrationResult(id, registration.service(), store.state().index(), registration.ttl());
    }

    ChangeResult deregister(String id, ApiCaller caller) throws InterruptedException {
        Registration registration = store.state().registrations().get(id).orElseThrow(() -> Absence.registration(store, id));
        RegistrationRules.checkDeregister(caller, registration);
        ClusterState after = Submissions.await(store.submit(
                new Command.DeregisterEndpoints(List.of(id), "deregistered", clock.instant())));
        renewals.forget(id);
        return new ChangeResult(after.index(), "registration " + id + " removed");
    }
}
