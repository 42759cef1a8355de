package io.flotilla.model;

import java.util.LinkedHashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * How the routing mesh serves one service, read from its labels as Swarm and Traefik users write
 * them: the service's {@code deploy.labels} over its container {@code labels}. Labels rather than
 * new compose keys, so that {@code service update --label-add} changes routing like anything else.
 *
 * <pre>
 * flotilla.http.host=shop.example     route HTTP requests with this Host (any host when absent)
 * flotilla.http.path=/api             ... whose path starts with this prefix ("/" when absent)
 * flotilla.lb=p2c                     p2c (default) | round_robin | sticky_ip | sticky_cookie
 * flotilla.proxy_protocol=true        TCP ports: send a PROXY v2 header to the backend
 * flotilla.tls.certificate=/path.pem  app_protocol https: the certificate chain (PEM) the mesh serves
 * flotilla.tls.key=/path.key          ... and its private key (PEM)
 * </pre>
 *
 * @param host          the Host to match, lower case; null for any
 * @param pathPrefix    the path prefix to match; null for {@code /}
 * @param balancing     one of {@link #BALANCING}
 * @param proxyProtocol whether TCP connections to the backends start with a PROXY v2 header
 */
public record MeshRouting(String host, String pathPrefix, String balancing, boolean proxyProtocol,
                          String tlsCertificate, String tlsKey) {
    public static final String HOST_LABEL = "flotilla.http.host";
    public static final String PATH_LABEL = "flotilla.http.path";
    public static final String BALANCING_LABEL = "flotilla.lb";
    public static final String PROXY_PROTOCOL_LABEL = "flotilla.proxy_protocol";
    public static final String TLS_CERTIFICATE_LABEL = "flotilla.tls.certificate";
    public static final String TLS_KEY_LABEL = "flotilla.tls.key";
    public static final Set<String> BALANCING = Set.of("p2c", "round_robin", "sticky_ip", "sticky_cookie");

    public MeshRouting {
        balancing = balancing == null ? "p2c" : balancing;
    }

    /** The routing of {@code spec}; throws {@link IllegalArgumentException} naming the service and label. */
    public static MeshRouting of(ServiceSpec spec) {
        Map<String, String> labels = new LinkedHashMap<>(spec.task().labels());
        labels.putAll(spec.labels());
        String host = blankToNull(labels.get(HOST_LABEL));
        if (host != null) {
            host = host.toLowerCase(Locale.ROOT);
            if (!host.matches("[a-z0-9*]([a-z0-9.*-]*[a-z0-9])?(:[0-9]{1,5})?")) {
                throw invalid(spec, HOST_LABEL, labels.get(HOST_LABEL), "a host name such as shop.example");
            }
        }
        String path = blankToNull(labels.get(PATH_LABEL));
        if (path != null && (!path.startsWith("/") || path.contains(" ") || path.contains("?"))) {
            throw invalid(spec, PATH_LABEL, path, "a path prefix starting with / such as /api");
        }
        if ("/".equals(path)) {
            path = null;
        }
        String balancing = blankToNull(labels.get(BALANCING_LABEL));
        if (balancing != null) {
            balancing = balancing.toLowerCase(Locale.ROOT).replace('-', '_');
            if (!BALANCING.contains(balancing)) {
                throw invalid(spec, BALANCING_LABEL, labels.get(BALANCING_LABEL),
                        "p2c, round_robin, sticky_ip or sticky_cookie");
            }
        }
        String proxy = blankToNull(labels.get(PROXY_PROTOCOL_LABEL));
        boolean proxyProtocol = false;
        if (proxy != null) {
            proxyProtocol = switch (proxy.toLowerCase(Locale.ROOT)) {
                case "true", "v2", "yes", "1" -> true;
                case "false", "no", "0" -> false;
                default -> throw invalid(spec, PROXY_PROTOCOL_LABEL, proxy, "true or false");
            };
        }
        String certificate = blankToNull(labels.get(TLS_CERTIFICATE_LABEL));
        String key = blankToNull(labels.get(TLS_KEY_LABEL));
        if ((certificate == null) != (key == null)) {
            throw new IllegalArgumentException("service " + spec.name() + ": TLS needs both " + TLS_CERTIFICATE_LABEL
                    + " and " + TLS_KEY_LABEL);
        }
        if (certificate == null && spec.ports().stream().anyMatch(PortSpec::tls)) {
            throw new IllegalArgumentException("service " + spec.name() + " has a port with app_protocol https: "
                    + "the mesh terminates its TLS and needs the labels " + TLS_CERTIFICATE_LABEL + " and "
                    + TLS_KEY_LABEL + " (PEM files, or compose secrets)");
        }
        return new MeshRouting(host, path, balancing, proxyProtocol, certificate, key);
    }

    /** True when this route matches every request of its port (no host, no path). */
    public boolean catchAll() {
        return host == null && pathPrefix == null;
    }

    /** {@code host shop.example path /api}, for messages. */
    public String describeMatch() {
        return "host " + (host == null ? "*" : host) + " path " + (pathPrefix == null ? "/" : pathPrefix);
    }

    private static IllegalArgumentException invalid(ServiceSpec spec, String label, String value, String expected) {
        return new IllegalArgumentException("service " + spec.name() + ": label " + label + "=" + value
                + " is invalid: expected " + expected);
    }

    private static String blankToNull(String value) {
        return value == null || value.isBlank() ? null : value.strip();
    }
}
