package io.flotilla.security;

import java.util.List;
import java.util.Objects;

/**
 * Who a certificate names: the common name (a node id, or {@code admin}), the role as the
 * organizational unit, and the addresses it may serve on (subject alternative names: the IP
 * addresses a client connects to, checked by hostname verification, and DNS names).
 */
public record CertificateSubject(String commonName, String role, List<String> ipAddresses, List<String> dnsNames) {
    public static final String MANAGER = "manager";
    public static final String WORKER = "worker";
    public static final String ADMIN = "admin";

    public CertificateSubject {
        if (commonName == null || commonName.isBlank()) {
            throw new IllegalArgumentException("commonName is required");
        }
        Objects.requireNonNull(role, "role");
        if (!role.equals(MANAGER) && !role.equals(WORKER) && !role.equals(ADMIN)) {
            throw new IllegalArgumentException("role must be manager, worker or admin: " + role);
        }
        ipAddresses = ipAddresses == null ? List.of() : List.copyOf(ipAddresses);
        dnsNames = dnsNames == null ? List.of() : List.copyOf(dnsNames);
    }
}
