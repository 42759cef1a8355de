package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.api.CaStatus;
import io.flotilla.security.Pem;
import java.security.cert.X509Certificate;
import java.time.Duration;
import java.time.Instant;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code flotilla ca}: the cluster's root CA, and its rotation ({@code docker swarm ca [--rotate]}).
 * A rotation makes a new root, has every node renew its certificate with it (no restart, no
 * refused connection: both roots are trusted meanwhile), and ends by retiring the old root.
 */
@Command(name = "ca", description = {"Show the cluster's root CA, or rotate it.",
        "  flotilla ca           the root, its expiry, and a rotation under way",
        "  flotilla ca rotate    a new root; every node renews with it; the old root is then retired"},
        subcommands = CaCommands.Rotate.class)
public final class CaCommands implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Override
    public Integer call() {
        print(new ClusterClient(client.client().base().getAuthority()).caStatus());
        return 0;
    }

    static void print(CaStatus status) {
        for (String pem : status.roots()) {
            X509Certificate root = Pem.certificate(pem);
            System.out.println("Root:    " + root.getSubjectX500Principal().getName() + ", valid until "
                    + root.getNotAfter().toInstant());
        }
        System.out.println("Pinned:  " + status.pinnedDigest() + " (what join tokens name)");
        CaStatus.Rotation rotation = status.rotation();
        if (rotation == null) {
            System.out.println("Rotation: none under way");
            return;
        }
        System.out.println("Rotation: started " + rotation.startedAt() + ", " + rotation.renewed().size() + " of "
                + (rotation.renewed().size() + rotation.waiting().size()) + " nodes renewed"
                + (rotation.waiting().isEmpty() ? "" : "; waiting for " + String.join(", ", rotation.waiting())));
    }

    @Command(name = "rotate", description = {"Rotate the root CA: a new root, every node's certificate renewed with it,",
            "then the old root retired. Waits until done (--detach: returns at once); join tokens change with the root."})
    static final class Rotate implements Callable<Integer> {
        @Mixin ClientOptions client;

        @Option(names = {"-d", "--detach"}, description = "Return once the rotation started; `flotilla ca` shows its progress.")
        boolean detach;

        @Option(names = "--timeout", defaultValue = "5m", paramLabel = "DURATION",
                description = "How long to wait for every node to renew (default ${DEFAULT-VALUE}); the rotation goes on after.")
        String timeout;

        @Override
        public Integer call() throws InterruptedException {
            ClusterClient cluster = new ClusterClient(client.client().base().getAuthority());
            CaStatus started = cluster.rotateCa();
            System.out.println("Started a root CA rotation to " + started.rotation().rootDigest().substring(0, 12) + "….");
            if (detach) {
                print(started);
                return 0;
            }
            Instant deadline = Instant.now().plus(RegistryCommands.parseDuration(timeout));
            String last = "";
            while (Instant.now().isBefore(deadline)) {
                CaStatus status = cluster.caStatus();
                if (status.rotation() == null) {
                    System.out.println("Done: every node holds a certificate of the new root; the old root is retired.");
                    System.out.println("Join tokens name the new root now: `flotilla join-token worker|manager`.");
                    return 0;
                }
                String progress = status.rotation().renewed().size() + " nodes renewed"
                        + (status.rotation().waiting().isEmpty() ? "" : ", waiting for "
                        + String.join(", ", status.rotation().waiting()));
                if (!progress.equals(last)) {
                    System.out.println(progress);
                    last = progress;
                }
                Thread.sleep(Duration.ofMillis(250));
            }
            System.err.println("The rotation is still under way after " + timeout + " (" + last + "): it ends when every"
                    + " node has renewed; a node that is gone for good ends it with `flotilla node rm`.");
            return 1;
        }
    }
}
