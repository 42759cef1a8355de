package io.flotilla.cli.commands;

import io.flotilla.node.LocalNode;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeIdentity;
import io.flotilla.client.ApiClient;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.api.JoinRequest;
import io.flotilla.model.api.JoinResponse;
import io.flotilla.manager.cluster.JoinTokens;
import io.flotilla.security.CaBundle;
import io.flotilla.security.CertificateRequests;
import io.flotilla.security.PinnedTrustManager;
import io.flotilla.security.Pem;
import io.flotilla.security.TlsContexts;
import io.flotilla.security.TlsDirectory;
import java.nio.file.Path;
import java.security.KeyPair;
import java.security.cert.X509Certificate;
import java.security.SecureRandom;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "join", description = {"Join this node to a cluster, as a worker or a manager (the token decides), in the foreground.",
        "Run it again on the same --data to restart the node: it comes back as itself, no token needed."})
public final class JoinCommand implements Callable<Integer> {
    @Option(names = "--token", paramLabel = "TOKEN", description = "Join token (`flotilla join-token worker|manager -q` on a manager).")
    String token;

    @Option(names = "--data", required = true, paramLabel = "DIR", description = "Data directory: identity, Raft log, task files.")
    Path data;

    @picocli.CommandLine.Mixin
    LogCliOptions logging = new LogCliOptions();

    @picocli.CommandLine.Mixin
    DnsOptions dns = new DnsOptions();

    @picocli.CommandLine.Mixin
    MeshCliOptions mesh = new MeshCliOptions();

    @picocli.CommandLine.Mixin
    OverlayCliOptions overlay = new OverlayCliOptions();

    @picocli.CommandLine.Mixin
    LeaseCliOptions lease = new LeaseCliOptions();

    @picocli.CommandLine.Mixin
    GlusterCliOptions gluster = new GlusterCliOptions();

    @Option(names = "--advertise", paramLabel = "ADDR", description = "Address other nodes reach this one at (API on 4780, Raft on 4781).")
    String advertise;

    @Parameters(index = "0", arity = "0..1", paramLabel = "MANAGER_ADDR[:PORT]", description = "A manager's API (port 4780 by default).")
    String manager;

    @Override
    public Integer call() throws Exception {
        gluster.check();
        lease.check();
        logging.service();
        Optional<NodeConfig> existing = NodeConfig.load(data);
        if (existing.isPresent()) {
            gluster.save(data);
            lease.save(data);
            return ClusterNodeRunner.runForeground(data, existing.get(), "restarted", dns, mesh, overlay);
        }
        if (token == null || manager == null) {
            throw new IllegalArgumentException("a new node needs --token TOKEN and a manager's address");
        }
        String host = ClusterNodeRunner.requireAdvertise(advertise);
        // An old or malformed token is refused here, before anything is sent.
        JoinTokens.Parsed parsed = JoinTokens.parse(token);
        String nodeId = NodeIdentity.newId(new SecureRandom());
        // The key stays here; the manager gets a CSR. The manager is checked against the CA digest
        // in the token before the token is sent (trust on first use, pinned by the token).
        KeyPair keys = CertificateRequests.newKeyPair();
        PinnedTrustManager pinned = new PinnedTrustManager(parsed.caDigest());
        ClusterClient cluster = fromAdvertised(host, manager, TlsContexts.context(null, pinned));
        JoinResponse joined = cluster.join(new JoinRequest(token, nodeId, LocalNodeHostname.get(),
                host + ":" + ApiClient.DEFAULT_PORT, CertificateRequests.csr(keys, nodeId)));
        saveCredential(joined, keys, parsed.caDigest());
        NodeConfig config = new NodeConfig(nodeId, joined.clusterId(), joined.role(), host, joined.managers(), false);
        config.save(data);
        gluster.save(data);
        lease.save(data);
        return ClusterNodeRunner.runForeground(data, config, "joined through " + cluster.hostPort(), dns, mesh, overlay);
    }

    /**
     * Checks what the manager sent — the CA is the one the token names, the certificate is for
     * our key and signed by that CA — and writes DATA/tls (a manager also gets the CA key and the
     * cluster data key).
     */
    private void saveCredential(JoinResponse joined, KeyPair keys, String digest) throws java.io.IOException {
        if (joined.certificate() == null || joined.caCertificate() == null) {
            throw new IllegalStateException("the manager sent no certificate: it does not serve TLS");
        }
        // The roots the cluster trusts: one, or two during a CA rotation (the token pins either).
        CaBundle roots = new CaBundle(Pem.certificates(joined.caCertificate()), null);
        X509Certificate certificate = Pem.certificate(joined.certificate());
        if (!roots.digests().contains(digest)) {
            throw new IllegalStateException("the manager answered with a CA certificate that is not the one the join token names");
        }
        if (roots.issuerOf(certificate) == null) {
            throw new IllegalStateException("the certificate the manager sent is not signed by the cluster CA");
        }
        if (!certificate.getPublicKey().equals(keys.getPublic())) {
            throw new IllegalStateException("the certificate the manager sent is not for this node's key");
        }
        TlsDirectory tls = TlsDirectory.of(data);
        tls.writeCaBundle(roots); // the chain of a rotation, if one runs, comes with the node's first CA check
        if (joined.dataKey() != null) {
            io.flotilla.security.ClusterDataKey.decode(joined.dataKey()).write(tls.dataKey());
        }
        if (joined.caKey() != null) {
            tls.writeCaKey(Pem.privateKey(joined.caKey()));
        }
        tls.writeNodeCredential(certificate, keys.getPrivate());
    }

    /**
     * The join's client, its connections leaving from the advertised address when that is an
     * address of this host (the manager checks that the two match); else the kernel's choice, and
     * the manager's refusal explains.
     */
    private static ClusterClient fromAdvertised(String advertised, String manager, javax.net.ssl.SSLContext context) {
        try {
            java.net.InetAddress local = java.net.InetAddress.getByName(advertised.replace("[", "").replace("]", ""));
            try (java.net.ServerSocket probe = new java.net.ServerSocket(0, 1, local)) {
                return ClusterClient.from(local, manager, context);
            }
        } catch (java.io.IOException e) {
            return new ClusterClient(manager, context);
        }
    }

    /** The hostname, as the agent reports it. */
    static final class LocalNodeHostname {
        static String get() {
            try {
                return java.net.InetAddress.getLocalHost().getHostName();
            } catch (java.io.IOException e) {
                return "localhost";
            }
        }
    }
}
