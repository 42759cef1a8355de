package io.flotilla.manager.api;

import io.flotilla.manager.cluster.ClusterAdmin;
import io.flotilla.manager.dispatcher.Dispatcher;
import io.flotilla.manager.errors.ApiException;
import io.flotilla.manager.raft.ClusterStore;
import io.flotilla.model.Json;
import io.flotilla.model.api.ApiError;
import io.flotilla.model.api.TaskLogSource;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.InstantSource;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.function.Supplier;
import javax.net.ssl.SSLContext;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The HTTP API of {@code docs/api.md}: the endpoints, on {@link ApiTransport} (Netty: HTTP/1.1 and
 * h2, the limits of docs/security.md), one virtual thread per request so that long polls and log
 * streams never hold up other requests.
 *
 * <p>Errors always answer an {@link ApiError}: {@code not_found} 404, {@code invalid} 400 (with
 * the JSON parser's message for a malformed body), {@code conflict} 409, {@code unavailable} 503
 * (no leader or quorum), {@code internal} 500 ({@link ApiFailures}); {@code unauthenticated} 401 and
 * {@code forbidden} 403 as {@link ApiCaller} decides.
 *
 * <p>With an SSL context it is HTTPS only (TLS 1.3), and <em>wants</em> a client certificate:
 * the handshake refuses certificates the cluster CA did not sign, and a client without one gets
 * only the endpoints open to anyone ({@link ApiCaller}). Without one (in-process tests) it is
 * plaintext HTTP and every caller may do everything; the CLI always gives one.
 */
public final class ApiServer implements AutoCloseable {
    private static final Logger LOG = LoggerFactory.getLogger(ApiServer.class);
    /** On a 503 from a follower's dispatcher: {@code host:port} of the leader's API. */
    public static final String LEADER_HEADER = "Flotilla-Leader";
    /** On every dispatcher answer: the managers' API addresses, comma-separated. */
    public static final String MANAGERS_HEADER = "Flotilla-Managers";
    /** A handler's answer meaning "the response was written already". */
    static final Object STREAMED = new Object();

    /** A handler's answer with a status other than 200: {@code body} null for none (204). */
    record Answer(int status, Object body) {}

    private final ApiTransport server;
    private final ExecutorService executor;
    private final ClusterEndpoints cluster;
    private final ServiceUpdateEndpoints serviceUpdates;
    private final VolumeEndpoints volumes;
    private final NetworkEndpoints networks;
    private final FileEndpoints files;
    private final EventStream events;
    private final Dispatcher dispatcher;
    /** Discovery and registry endpoints; null until {@link #discovery} is given. */
    private volatile DiscoveryApi discovery;
    private final MembershipEndpoints membership;
    private volatile ImageEndpoints images; // null until given (images)
    private volatile DashboardEndpoints dashboard; // null until given (dashboard)
    private final Supplier<String> leaderId;
    private final InstantSource clock;
    /** The replicated state: every caller's certificate is judged against it (deny list, roles). */
    private final ClusterStore store;
    /** How long a {@code ?consistent} read waits for its read index: less than a client's usual 5 s timeout. */
    static final Duration CONSISTENT_READ_WAIT = Duration.ofSeconds(3);

    public ApiServer(InetSocketAddress address, String nodeId, ClusterStore store, Dispatcher dispatcher,
                     InstantSource clock, Supplier<String> ids, TaskLogSource logSource, Supplier<String> leaderId,
                     ClusterAdmin admin) throws IOException {
        this(address, nodeId, store, dispatcher, clock, ids, logSource, leaderId, admin, null);
    }

    public ApiServer(InetSocketAddress address, String nodeId, ClusterStore store, Dispatcher dispatcher,
                     InstantSource clock, Supplier<String> ids, TaskLogSource logSource, Supplier<String> leaderId,
                     ClusterAdmin admin, SSLContext tls) throws IOException {
        this.store = store;
        this.leaderId = leaderId;
        this.clock = clock;
        this.files = new FileEndpoints(store, clock, ids);
        this.cluster = new ClusterEndpoints(nodeId, store, clock, ids, new LogStreamer(logSource), leaderId);
        this.serviceUpdates = new ServiceUpdateEndpoints(store, clock);
        this.volumes = new VolumeEndpoints(store, clock);
        this.networks = new NetworkEndpoints(store, clock, ids);
        this.events = new EventStream(store, clock);
        this.dispatcher = dispatcher;
        this.membership = new MembershipEndpoints(nodeId, admin, tls);
        this.executor = Executors.newVirtualThreadPerTaskExecutor();
        this.server = new ApiTransport(address, tls, this::handle, executor);
    }

    public void start() {
        server.start();
        LOG.info("API listening on {}", address());
    }

    /** Serves {@code /v1/discovery} and {@code /v1/registry} with {@code api}. */
    public void discovery(DiscoveryApi api) {
        this.discovery = api;
    }

    /** Serves {@code /v1/secrets} and {@code /v1/configs}, and seals a deploy's own, with {@code vault}. */
    public void files(io.flotilla.manager.files.FileVault vault) {
        cluster.files(vault);
        files.vault(vault);
    }

    /** Serves {@code /v1/images} with {@code endpoints}. */
    public void images(ImageEndpoints endpoints) {
        this.images = endpoints;
    }

    /** Serves the web dashboard under {@code /ui/} (docs/dashboard.md), logins signed with the data key's. */
    public void dashboard(Supplier<io.flotilla.security.ClusterDataKey> dataKey,
                          io.flotilla.manager.dashboard.DashboardAudit audit,
                          io.flotilla.manager.dashboard.ClusterTraffic traffic) {
        this.dashboard = DashboardEndpoints.of(store, leaderId, clock, dataKey, audit, traffic);
    }

    /** The bound address (the actual port when asked for port 0). */
    public InetSocketAddress address() {
        return server.address();
    }

    private void handle(ApiExchange exchange) {
        try (exchange) {
            ApiRequest request = ApiRequest.of(exchange);
            Object answer;
            try {
                if (DashboardEndpoints.owns(request)) { // judged by its session cookie only, never a certificate
                    answer = requireDashboard(request).handle(request, this::route);
                } else {
                    ApiCaller caller = ApiCaller.of(exchange, store.state());
                    caller.authorize(request.method(), request.path());
                    awaitConsistent(request);
                    answer = route(request, caller);
                }
            } catch (Exception e) {
                ApiFailures.answer(exchange, request, e);
                return;
            }
            if (answer instanceof Answer special) {
                exchange.respond(special.status(), "application/json",
                        special.body() == null ? new byte[0] : Json.writeBytes(special.body()));
            } else if (answer != STREAMED) {
                send(exchange, 200, answer);
            }
        } catch (IOException | RuntimeException e) {
            LOG.debug("answering {} failed: {}", exchange.path(), e.toString());
        }
    }

    /**
     * A GET with {@code ?consistent} answers from a state that includes every change committed before
     * it (a Raft read index: linearizable, one round to a majority); 503 without a leader and quorum
     * within {@link #CONSISTENT_READ_WAIT}. Without it, a manager answers from its own applied state.
     */
    private void awaitConsistent(ApiRequest request) throws InterruptedException {
        String value = request.query().get("consistent");
        if (value != null && request.method().equals("GET") && !value.equals("false") && !value.equals("0")) {
            store.awaitConsistent(CONSISTENT_READ_WAIT);
        }
    }

    private Object route(ApiRequest r, ApiCaller caller) throws Exception {
        List<String> p = r.path();
        if (p.size() < 2 || !p.get(0).equals("v1")) {
            throw notFound(r);
        }
        String method = r.method();
        String resource = p.get(1);
        int n = p.size();
        switch (resource) {
            case "info" -> {
                if (n == 2) {
                    return only(r, "GET", cluster::info);
                }
            }
            case "state" -> {
                if (n == 2) {
                    requireMethod(r, "GET");
                    return cluster.state(r);
                }
            }
            case "stacks" -> {
                if (n == 2) {
                    return only(r, "GET", cluster::stacks);
                }
                if (n == 3) {
                    String name = p.get(2);
                    return switch (method) {
                        case "POST" -> cluster.deployStack(r, name);
                        case "DELETE" -> r.booleanParam("volumes") ? volumes.removeStackWithVolumes(name)
                                : cluster.removeStack(name);
                        default -> throw methodNotAllowed(r);
                    };
                }
            }
            case "services" -> {
                if (n == 2) {
                    requireMethod(r, "GET");
                    return cluster.services(r);
                }
                String ref = p.get(2);
                if (n == 3) {
                    return only(r, "GET", () -> cluster.service(ref));
                }
                if (n == 4) {
                    switch (p.get(3)) {
                        case "scale" -> {
                            requireMethod(r, "POST");
                            return cluster.scale(r, ref);
                        }
                        case "update" -> {
                            requireMethod(r, "POST");
                            return serviceUpdates.update(r, ref);
                        }
                        case "rollback" -> {
                            requireMethod(r, "POST");
                            return serviceUpdates.rollback(ref);
                        }
                        case "rebalance" -> {
                            requireMethod(r, "POST");
                            return serviceUpdates.rebalance(ref);
                        }
                        case "tasks" -> {
                            return only(r, "GET", () -> cluster.serviceTasks(ref));
                        }
                        case "logs" -> {
                            requireMethod(r, "GET");
                            cluster.serviceLogs(r, ref, () -> startStream(r.exchange()));
                            return STREAMED;
                        }
                        default -> { }
                    }
                }
            }
            case "progress" -> { return ProgressEndpoint.answer(r, store); }
            case "events" -> {
                if (n == 2) {
                    requireMethod(r, "GET");
                    events.stream(r);
                    return STREAMED;
                }
            }
            case "tasks" -> {
                if (n == 2) {
                    requireMethod(r, "GET");
                    return cluster.tasks(r);
                }
            }
            case "volumes" -> {
                if (n == 2) {
                    return only(r, "GET", volumes::list);
                }
                if (n == 3) {
                    String name = p.get(2);
                    return switch (method) {
                        case "GET" -> volumes.inspect(name);
                        case "DELETE" -> volumes.remove(name);
                        default -> throw methodNotAllowed(r);
                    };
                }
            }
            case "networks" -> {
                if (n == 2) {
                    return switch (method) {
                        case "GET" -> networks.list();
                        case "POST" -> networks.create(r);
                        default -> throw methodNotAllowed(r);
                    };
                }
                if (n == 3) {
                    return switch (method) {
                        case "GET" -> networks.inspect(p.get(2));
                        case "DELETE" -> networks.remove(p.get(2));
                        default -> throw methodNotAllowed(r);
                    };
                }
            }
            case "secrets", "configs" -> { return files.route(r, FileEndpoints.kindOf(resource), p); }
            case "nodes" -> {
                if (n == 2) {
                    return only(r, "GET", cluster::nodes);
                }
                if (n == 3) {
                    return switch (method) {
                        case "GET" -> membership.node(p.get(2));
                        case "DELETE" -> membership.removeNode(r, p.get(2));
                        default -> throw methodNotAllowed(r);
                    };
                }
                if (n == 4) {
                    requireMethod(r, "POST");
                    return membership.nodeAction(r, p.get(2), p.get(3));
                }
            }
            case "cluster" -> {
                return membership.route(r, p.subList(2, n), caller);
            }
            case "dashboard" -> {
                if (n == 3 && p.get(2).equals("login")) {
                    return requireDashboard(r).issue(r);
                }
            }
            case "images" -> {
                if (images != null) {
                    return images.route(r, p.subList(2, n), STREAMED);
                }
            }
            case "discovery", "registry" -> {
                DiscoveryApi current = discovery;
                if (current != null) {
                    return current.route(r, STREAMED, caller);
                }
            }
            case "dispatcher" -> {
                if (n == 3) {
                    return DispatcherEndpoints.answer(r, p.get(2), caller, dispatcher, membership);
                }
            }
            default -> { }
        }
        throw notFound(r);
    }

    private DashboardEndpoints requireDashboard(ApiRequest r) {
        return java.util.Optional.ofNullable(dashboard).orElseThrow(() -> notFound(r));
    }

    private static Object only(ApiRequest r, String method, Supplier<Object> handler) {
        requireMethod(r, method);
        return handler.get();
    }

    static void requireMethod(ApiRequest r, String method) {
        if (!r.method().equals(method)) {
            throw methodNotAllowed(r);
        }
    }

    static ApiException methodNotAllowed(ApiRequest r) {
        return new ApiException(405, "invalid", "method " + r.method() + " is not allowed on " + r.exchange().path());
    }

    static ApiException notFound(ApiRequest r) {
        return ApiException.notFound("no such endpoint: " + r.method() + " " + r.exchange().path());
    }

    private static OutputStream startStream(ApiExchange exchange) throws IOException {
        exchange.responseHeader("Content-Type", "text/plain; charset=utf-8");
        exchange.sendResponseHeaders(200, 0); // 0: chunked
        return exchange.responseBody();
    }

    private static void send(ApiExchange exchange, int status, Object body) throws IOException {
        exchange.respond(status, "application/json", Json.writeBytes(body));
    }

    /** Stops answering at once (long polls and log streams are cut). */
    @Override
    public void close() {
        server.close();
        executor.shutdownNow();
        try {
            if (!executor.awaitTermination(2, java.util.concurrent.TimeUnit.SECONDS)) {
                LOG.debug("some API requests were still running at close");
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
    }
}
