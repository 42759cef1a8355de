package io.flotilla.node;

import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.NodeRole;
import io.flotilla.security.CertificateAuthority;
import io.flotilla.security.CertificateRenewer;
import io.flotilla.security.CertificateSubject;
import io.flotilla.security.NodeTls;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsDirectory;
import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Supplier;

/**
 * A node's TLS credential in {@code DATA/tls}, made or checked before the node starts. The first
 * manager ({@code init}, and {@code dev}/{@code demo}, which are one-manager clusters) makes the
 * cluster CA, its own certificate and the admin credential; a node that joined got its
 * certificate at join. A node holding the CA key re-issues its own certificate at start when its
 * addresses changed or two thirds of its life have passed; every node renews through a manager
 * while it runs ({@link #renewer}).
 */
public final class NodeCredentials {
    private NodeCredentials() {}

    /** {@code flotilla dev}/{@code demo}: this node is the whole cluster and owns its CA. */
    static NodeTls forDevNode(Path data, String nodeId, InetAddress apiHost) throws IOException {
        TlsDirectory dir = TlsDirectory.of(data);
        if (!dir.hasCaKey()) {
            dir.writeAuthority(CertificateAuthority.create(nodeId, Instant.now()));
        }
        if (!dir.hasDataKey()) {
            io.flotilla.security.ClusterDataKey.generate().write(dir.dataKey());
        }
        String ip = apiHost.isAnyLocalAddress() ? "127.0.0.1" : apiHost.getHostAddress();
        dir.ensureNodeCredential(subject(nodeId, NodeRole.MANAGER, ip), CertificateAuthority.NODE_VALIDITY, Instant.now());
        dir.ensureAdminCredential(CertificateAuthority.ADMIN_VALIDITY, Instant.now());
        return NodeTls.node(dir);
    }

    /**
     * {@code init}/{@code join} nodes. {@code validity}: the node certificates' validity chosen at
     * {@code init --cert-expiry} (null: the current certificate's, else 90 days).
     */
    static NodeTls forClusterNode(Path data, NodeConfig config, Duration validity) throws IOException {
        TlsDirectory dir = TlsDirectory.of(data);
        if (config.bootstrap() && !dir.hasCaKey() && !dir.hasNodeCredential()) {
            dir.writeAuthority(CertificateAuthority.create(config.nodeId(), Instant.now()));
            io.flotilla.security.ClusterDataKey.generate().write(dir.dataKey()); // init: the cluster data key too
        }
        if (dir.hasCaKey()) {
            Duration chosen = validity != null ? validity
                    : dir.hasNodeCredential() ? CertificateAuthority.validityOf(Pem.readCertificate(dir.nodeCertificate()))
                    : CertificateAuthority.NODE_VALIDITY;
            dir.ensureNodeCredential(subject(config.nodeId(), config.role(), config.advertise()), chosen, Instant.now());
            if (config.bootstrap()) {
                dir.ensureAdminCredential(CertificateAuthority.ADMIN_VALIDITY, Instant.now());
            }
        }
        if (!dir.hasNodeCredential()) {
            throw new IllegalStateException("no TLS credential in " + dir.path() + " (ca.crt, node.crt, node.key): this"
                    + " data dir predates TLS or lost its tls/ directory; join the node again with a fresh --data");
        }
        return NodeTls.node(dir);
    }

    static CertificateSubject subject(String nodeId, NodeRole role, String address) {
        List<String> ips = new ArrayList<>();
        List<String> names = new ArrayList<>();
        String host = address.replace("[", "").replace("]", "");
        (host.matches("[0-9.]+") || host.contains(":") ? ips : names).add(host);
        names.add(NodeAddresses.hostname());
        if (host.startsWith("127.") || host.equals("::1")) {
            names.add("localhost");
        }
        return new CertificateSubject(nodeId, role == NodeRole.MANAGER ? CertificateSubject.MANAGER
                : CertificateSubject.WORKER, ips, names.stream().distinct().toList());
    }

    /** Renews the node certificate through the first manager that answers, at two thirds of its life. */
    static CertificateRenewer renewer(NodeTls tls, Supplier<List<String>> managers) {
        return new CertificateRenewer(tls.directory(), signer(tls, managers), InstantSource.system()).start();
    }

    /**
     * A new certificate for this node now, with the role the cluster state gives it (after a role
     * change). The CA key goes only to a manager's certificate of a manager: a promoted worker's
     * first renewal (with its worker certificate) brings the manager certificate, the second (with
     * that one) the key. Nothing without a renewer.
     */
    static void renewCertificate(NodeTls tls, CertificateRenewer renewer) throws IOException {
        if (renewer != null) {
            java.security.cert.X509Certificate renewed = renewer.renewNow();
            forgetTlsSessions(tls.context());
            if (!tls.directory().hasCaKey() && CertificateSubject.MANAGER.equals(
                    io.flotilla.security.PeerIdentity.of(renewed).role())) {
                renewer.renewNow();
                forgetTlsSessions(tls.context());
            }
        }
    }

    /**
     * TLS 1.3 resumes a session with the identity it was made with: without this, the next
     * connections would still speak as the old role (a promoted node refused as a worker).
     */
    private static void forgetTlsSessions(javax.net.ssl.SSLContext context) {
        for (javax.net.ssl.SSLSessionContext sessions : List.of(context.getClientSessionContext(),
                context.getServerSessionContext())) {
            java.util.Collections.list(sessions.getIds()).forEach(id -> {
                javax.net.ssl.SSLSession session = sessions.getSession(id);
                if (session != null) {
                    session.invalidate();
                }
            });
        }
    }

    /** Sends a CSR, authenticated by the node's current certificate, to the first of {@code managers} that answers. */
    public static CertificateRenewer.Signer signer(NodeTls tls, Supplier<List<String>> managers) {
        return csr -> {
            ApiException last = null;
            for (String manager : managers.get()) {
                try {
                    java.util.Map<String, Object> answer = new ClusterClient(manager, tls.context()).renewal(csr);
                    String certificate = String.valueOf(answer.get("certificate"));
                    keepCaKeyForRole(tls.directory(), answer, certificate);
                    return certificate;
                } catch (ApiException e) {
                    last = e;
                }
            }
            throw new IOException(last == null ? "no manager known" : last.getMessage());
        };
    }

    /**
     * A manager's renewal brings the CA key (a promoted node must be able to sign joins once the
     * managers it knew are gone; during a CA rotation, the new root's key) and the cluster data key
     * (it must open secrets once it leads); a node renewed as a worker (demoted) deletes both.
     */
    static void keepCaKeyForRole(TlsDirectory directory, java.util.Map<String, Object> answer, String certificate)
            throws IOException {
        Object dataKey = answer.get("dataKey");
        if (dataKey != null && !directory.hasDataKey()) {
            io.flotilla.security.ClusterDataKey.decode(String.valueOf(dataKey)).write(directory.dataKey());
        }
        Object caKey = answer.get("caKey");
        if (caKey != null) {
            java.security.PrivateKey key = Pem.privateKey(String.valueOf(caKey));
            if (!directory.hasCaKey() || !Pem.readPrivateKey(directory.caKey()).equals(key)) {
                directory.writeCaKey(key);
            }
        } else if (CertificateSubject.WORKER.equals(
                io.flotilla.security.PeerIdentity.of(Pem.certificate(certificate)).role())) {
            java.nio.file.Files.deleteIfExists(directory.caKey());
            java.nio.file.Files.deleteIfExists(directory.dataKey());
        }
    }
}
