package io.flotilla.model;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * Which services claim which published ports and virtual addresses, and whether those claims
 * can live together. Pure: the compose loader checks one stack with it, the manager the whole
 * cluster at deploy, so a conflicting deploy is refused before anything changes.
 *
 * <p>Rules: an ingress port is served on every node, so it belongs to one TCP service, or is
 * shared by HTTP services ({@code app_protocol} http or https, all the same, with the same
 * certificate) whose Host/path routes are distinct. A port published in host mode by one service
 * cannot be an ingress port of another (the mesh binds it on every node). Two services whose
 * names give the same virtual address cannot both use it.
 */
public final class MeshClaims {
    private MeshClaims() {}

    /** One service's claim on a published port. */
    public record Claim(ServiceSpec service, PortSpec port, MeshRouting routing) {}

    /**
     * Throws {@link IllegalArgumentException} for the first conflict among {@code services} (or an
     * invalid routing label), naming both services; returns the ingress claims by published port.
     */
    public static Map<Integer, List<Claim>> check(Collection<ServiceSpec> services) {
        Map<Integer, List<Claim>> ingress = new TreeMap<>();
        Map<Integer, ServiceSpec> hostMode = new HashMap<>();
        Map<String, ServiceSpec> vips = new HashMap<>();
        for (ServiceSpec service : services) {
            MeshRouting routing = MeshRouting.of(service);
            for (PortSpec port : service.ports()) {
                if (port.ingress()) {
                    ingress.computeIfAbsent(port.published(), p -> new ArrayList<>()).add(new Claim(service, port, routing));
                } else if (port.published() != null && port.published() > 0 && "tcp".equals(port.protocol())) {
                    hostMode.putIfAbsent(port.published(), service);
                }
            }
            if (service.virtualAddress() && !service.ports().isEmpty()) {
                ServiceSpec other = vips.putIfAbsent(VirtualAddresses.of(service.name()), service);
                if (other != null && !other.name().equals(service.name())) {
                    boolean inOrder = other.name().compareTo(service.name()) <= 0;
                    throw new IllegalArgumentException("services " + (inOrder ? other : service).name() + " and "
                            + (inOrder ? service : other).name()
                            + " have the same virtual address " + VirtualAddresses.of(service.name())
                            + ": rename one, or give one deploy.endpoint_mode: dnsrr");
                }
            }
        }
        for (Map.Entry<Integer, List<Claim>> entry : ingress.entrySet()) {
            int published = entry.getKey();
            List<Claim> claims = entry.getValue();
            ServiceSpec host = hostMode.get(published);
            if (host != null) {
                throw new IllegalArgumentException("published port " + published + ": " + claims.get(0).service().name()
                        + " publishes it in ingress mode (on every node), " + host.name() + " in host mode");
            }
            for (int i = 0; i < claims.size(); i++) {
                for (int j = i + 1; j < claims.size(); j++) {
                    conflict(published, claims.get(i), claims.get(j));
                }
            }
        }
        return ingress;
    }

    /** Names the two services in name order, whatever order the state iterates them in (its ids' hashes). */
    private static void conflict(int published, Claim first, Claim second) {
        boolean inOrder = first.service().name().compareTo(second.service().name()) <= 0;
        Claim a = inOrder ? first : second;
        Claim b = inOrder ? second : first;
        String both = a.service().name().equals(b.service().name())
                ? "service " + a.service().name() + " publishes it twice"
                : "services " + a.service().name() + " and " + b.service().name() + " both publish it";
        if (!a.port().http() || !b.port().http()) {
            throw new IllegalArgumentException("published port " + published + ": " + both + "; only HTTP ports "
                    + "(app_protocol: http or https) with distinct flotilla.http.host/flotilla.http.path labels "
                    + "can share a port");
        }
        if (a.port().tls() != b.port().tls()) {
            throw new IllegalArgumentException("published port " + published + ": " + both
                    + ", one with app_protocol http, the other https");
        }
        if (a.port().tls() && (!Objects.equals(a.routing().tlsCertificate(), b.routing().tlsCertificate())
                || !Objects.equals(a.routing().tlsKey(), b.routing().tlsKey()))) {
            throw new IllegalArgumentException("published port " + published + ": " + both
                    + " with different TLS certificates; services sharing an https port use the same certificate");
        }
        if (Objects.equals(a.routing().host(), b.routing().host())
                && Objects.equals(a.routing().pathPrefix(), b.routing().pathPrefix())) {
            throw new IllegalArgumentException("published port " + published + ": " + both + " for the same route ("
                    + a.routing().describeMatch() + "); give them distinct flotilla.http.host or flotilla.http.path labels");
        }
    }
}
