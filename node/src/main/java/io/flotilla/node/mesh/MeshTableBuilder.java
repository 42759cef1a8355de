package io.flotilla.node.mesh;

import io.flotilla.mesh.MeshBackend;
import io.flotilla.mesh.MeshListener;
import io.flotilla.mesh.MeshRoute;
import io.flotilla.mesh.MeshTable;
import io.flotilla.mesh.TlsSettings;
import io.flotilla.model.Endpoint;
import io.flotilla.model.MeshClaims;
import io.flotilla.model.MeshRouting;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.VirtualAddresses;
import io.flotilla.model.api.NetworkDirectory;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Function;

/**
 * The routing table of one node's mesh, as a pure function of the services' specs and their
 * healthy endpoints (the registry on a manager, its mirror on a worker):
 *
 * <ul>
 *   <li>every TCP port published in ingress mode gets a listener on the node's advertise address,
 *       on every node: HTTP (one route per service, by Host and path) when the services claiming
 *       it are HTTP ({@code app_protocol}), else TCP with the one service;</li>
 *   <li>every TCP port of a service in {@code endpoint_mode: vip} gets a listener on the
 *       service's virtual address and the port's target ({@code backend:8080} reaches the
 *       service's tasks wherever they run);</li>
 *   <li>backends are the endpoints' addresses with the task's host port of that port;</li>
 *   <li>with a {@link NetworkDirectory}, a transparent listener per overlay network, which serves
 *       every TCP port of the network's VIPs ({@link OverlayListeners}).</li>
 * </ul>
 *
 * Ports in host mode are not the mesh's: the task itself binds the published port on its node.
 * Claims that conflict (possible only through {@code service update}, deploys are checked) keep
 * the first service by name and skip the other, with a problem to report; so one bad label never
 * takes the whole mesh down.
 */
public final class MeshTableBuilder {
    /** The table, and what was skipped and why. */
    public record Result(MeshTable table, List<String> problems) {}

    private MeshTableBuilder() {}

    /**
     * @param advertise        the node's address, where ingress ports listen
     * @param services         every service of the cluster
     * @param endpoints        a service's healthy endpoints, by full name
     * @param virtualAddresses whether to listen on the services' VIPs
     */
    public static Result build(String advertise, Collection<ServiceSpec> services,
                               Function<String, Collection<Endpoint>> endpoints, boolean virtualAddresses) {
        return build(advertise, services, endpoints, virtualAddresses, NetworkDirectory.EMPTY);
    }

    /**
     * As {@link #build(String, Collection, Function, boolean)}, plus the transparent listener of
     * each of the node's overlay networks, serving its VIPs ({@link OverlayListeners}); one that
     * would take an address and port already taken is left out with a problem.
     */
    public static Result build(String advertise, Collection<ServiceSpec> services,
                               Function<String, Collection<Endpoint>> endpoints, boolean virtualAddresses,
                               NetworkDirectory overlay) {
        Result mesh = buildMesh(advertise, services, endpoints, virtualAddresses);
        List<MeshListener> overlayListeners = OverlayListeners.of(overlay);
        if (overlayListeners.isEmpty()) {
            return mesh;
        }
        List<MeshListener> listeners = new ArrayList<>(mesh.table().listeners());
        List<String> problems = new ArrayList<>(mesh.problems());
        java.util.Set<String> taken = new java.util.HashSet<>();
        listeners.forEach(listener -> taken.add(listener.bindAddress() + ":" + listener.port()));
        for (MeshListener listener : overlayListeners) {
            if (taken.add(listener.bindAddress() + ":" + listener.port())) {
                listeners.add(listener);
            } else {
                problems.add("overlay VIP listener " + listener.bindAddress() + ":" + listener.port() + " (VIPs of "
                        + String.join(", ", listener.routes().stream().map(MeshRoute::service).toList())
                        + ") is taken by another listener (not served)");
            }
        }
        return new Result(new MeshTable(listeners), List.copyOf(problems));
    }

    private static Result buildMesh(String advertise, Collection<ServiceSpec> services,
                                    Function<String, Collection<Endpoint>> endpoints, boolean virtualAddresses) {
        List<String> problems = new ArrayList<>();
        List<ServiceSpec> sorted = new ArrayList<>(services);
        sorted.sort(Comparator.comparing(ServiceSpec::name));
        Map<Integer, List<MeshClaims.Claim>> ports = new LinkedHashMap<>();
        List<MeshListener> listeners = new ArrayList<>();
        for (ServiceSpec service : sorted) {
            MeshRouting routing;
            try {
                routing = MeshRouting.of(service);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                continue;
            }
            for (PortSpec port : service.ports()) {
                if (port.ingress()) {
                    List<MeshClaims.Claim> claims = ports.computeIfAbsent(port.published(), p -> new ArrayList<>());
                    List<ServiceSpec> together = new ArrayList<>(claims.stream().map(MeshClaims.Claim::service).toList());
                    together.add(service.withPorts(List.of(port)));
                    try {
                        MeshClaims.check(together.stream().map(s -> s.withPorts(portsOn(s, port.published()))).toList());
                        claims.add(new MeshClaims.Claim(service, port, routing));
                    } catch (IllegalArgumentException e) {
                        problems.add(e.getMessage() + " (" + service.name() + " is not served on it)");
                    }
                }
            }
            if (virtualAddresses && service.virtualAddress()) {
                String vip = VirtualAddresses.of(service.name());
                for (PortSpec port : service.ports()) {
                    if ("tcp".equals(port.protocol()) && port.target() > 0) {
                        listeners.add(listener(vip, port.target(), List.of(new MeshClaims.Claim(service, port, routing)),
                                endpoints, true));
                    }
                }
            }
        }
        List<MeshListener> ingress = new ArrayList<>();
        for (Map.Entry<Integer, List<MeshClaims.Claim>> entry : ports.entrySet()) {
            if (!entry.getValue().isEmpty()) {
                ingress.add(listener(advertise, entry.getKey(), entry.getValue(), endpoints, false));
            }
        }
        ingress.addAll(listeners);
        return new Result(new MeshTable(ingress), problems);
    }

    /** Service → virtual address for every service in endpoint mode vip with a TCP port (what the mesh listens on). */
    public static Map<String, String> virtualAddresses(Collection<ServiceSpec> services) {
        Map<String, String> result = new java.util.HashMap<>();
        for (ServiceSpec service : services) {
            if (service.virtualAddress() && service.ports().stream().anyMatch(p -> "tcp".equals(p.protocol()) && p.target() > 0)) {
                result.put(service.name(), VirtualAddresses.of(service.name()));
            }
        }
        return Map.copyOf(result);
    }

    /** The ports of {@code service} published on {@code published} (a claim check looks at one port). */
    private static List<PortSpec> portsOn(ServiceSpec service, int published) {
        return service.ports().stream().filter(p -> p.ingress() && p.published() == published).toList();
    }

    private static MeshListener listener(String address, int port, List<MeshClaims.Claim> claims,
                                         Function<String, Collection<Endpoint>> endpoints, boolean virtual) {
        MeshClaims.Claim first = claims.getFirst();
        boolean http = first.port().http();
        List<MeshRoute> routes = new ArrayList<>();
        for (MeshClaims.Claim claim : claims) {
            MeshRouting routing = claim.routing();
            routes.add(new MeshRoute(claim.service().name(), virtual || !http ? null : routing.host(),
                    virtual || !http ? null : routing.pathPrefix(), balancing(routing.balancing(), http),
                    backends(claim, endpoints)));
        }
        TlsSettings tls = http && first.port().tls()
                ? new TlsSettings(Path.of(first.routing().tlsCertificate()), Path.of(first.routing().tlsKey()))
                : null;
        return new MeshListener(address, port, http ? MeshListener.Protocol.HTTP : MeshListener.Protocol.TCP, tls,
                !http && first.routing().proxyProtocol(), routes);
    }

    private static List<MeshBackend> backends(MeshClaims.Claim claim, Function<String, Collection<Endpoint>> endpoints) {
        Collection<Endpoint> found = endpoints.apply(claim.service().name());
        List<MeshBackend> backends = new ArrayList<>();
        if (found == null) {
            return backends;
        }
        for (Endpoint endpoint : found) {
            Integer hostPort = endpoint.ports().get(claim.port().name());
            if (hostPort != null && hostPort > 0) {
                backends.add(new MeshBackend(endpoint.id(), endpoint.address(), hostPort));
            }
        }
        backends.sort(Comparator.comparing(MeshBackend::id));
        return backends;
    }

    /** A cookie cannot stick a TCP connection: there it is the client's address. */
    static MeshRoute.Balancing balancing(String name, boolean http) {
        return switch (name) {
            case "round_robin" -> MeshRoute.Balancing.ROUND_ROBIN;
            case "sticky_ip" -> MeshRoute.Balancing.STICKY_CLIENT_IP;
            case "sticky_cookie" -> http ? MeshRoute.Balancing.STICKY_COOKIE : MeshRoute.Balancing.STICKY_CLIENT_IP;
            default -> MeshRoute.Balancing.P2C;
        };
    }
}
