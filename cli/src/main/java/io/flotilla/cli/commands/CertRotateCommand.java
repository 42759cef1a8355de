package io.flotilla.cli.commands;

import io.flotilla.client.ApiClient;
import io.flotilla.model.api.ManagerPeer;
import io.flotilla.node.NodeConfig;
import io.flotilla.node.NodeCredentials;
import io.flotilla.security.CertificateRenewer;
import io.flotilla.security.NodeTls;
import io.flotilla.security.PeerIdentity;
import io.flotilla.security.TlsDirectory;
import java.nio.file.Path;
import java.security.cert.X509Certificate;
import java.time.InstantSource;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * Renews a node's certificate now instead of at two thirds of its life: a new key in the node's
 * {@code DATA/tls}, a CSR signed by a manager over mutual TLS with the current certificate. The
 * running node reads the files at each handshake, so it uses the new certificate from its next
 * connection on, without a restart.
 */
@Command(name = "cert-rotate", description = {"Renew a node's TLS certificate now (new key, signed by a manager).",
        "Run on the node's host with its --data; the running node uses the new certificate from its next connection."})
public final class CertRotateCommand implements Callable<Integer> {
    @Option(names = "--data", required = true, paramLabel = "DIR", description = "The node's data directory.")
    Path data;

    @Option(names = {"-H", "--host"}, paramLabel = "HOST[:PORT]",
            description = "A manager's API (default: the managers in DIR/node.json, else $FLOTILLA_HOST or 127.0.0.1:4780).")
    String host;

    @Override
    public Integer call() throws Exception {
        TlsDirectory dir = TlsDirectory.of(data);
        if (!dir.hasNodeCredential()) {
            throw new IllegalArgumentException("no node credential in " + dir.path() + " (ca.crt, node.crt, node.key):"
                    + " is --data the data directory of a node?");
        }
        List<String> managers = new ArrayList<>();
        if (host != null) {
            managers.add(host);
        }
        Optional<NodeConfig> config = NodeConfig.load(data);
        config.ifPresent(c -> c.managers().stream().map(ManagerPeer::apiAddress).forEach(managers::add));
        if (managers.isEmpty()) {
            String env = System.getenv("FLOTILLA_HOST");
            managers.add(env == null || env.isBlank() ? "127.0.0.1:" + ApiClient.DEFAULT_PORT : env);
        }
        NodeTls tls = NodeTls.node(dir);
        X509Certificate renewed = new CertificateRenewer(dir, NodeCredentials.signer(tls, () -> managers),
                InstantSource.system()).renewNow();
        System.out.println("Renewed the certificate of " + PeerIdentity.of(renewed).commonName() + " ("
                + PeerIdentity.of(renewed).role() + "): serial " + renewed.getSerialNumber().toString(16) + ", valid until "
                + renewed.getNotAfter().toInstant() + ". The running node uses it from its next connection.");
        return 0;
    }
}
