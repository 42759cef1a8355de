package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.client.ClusterClient;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;

/**
 * {@code flotilla dashboard}: a one-time login link for the web dashboard (docs/dashboard.md). The
 * browser has no client certificate; the admin credential this command holds asks a manager for a
 * short-lived token, and the link's page trades it for a session cookie.
 */
@Command(name = "dashboard", description = "Print a one-time login link to the web dashboard (served under /ui/ by every node's API port).")
public final class DashboardCommand implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Option(names = "--read-only", description = "The session may view only: no scale, update, rollback, drain or stack removal.")
    boolean readOnly;

    @Option(names = "--ttl", defaultValue = "5m", description = "How long the link may be used (once), e.g. 90s, 5m; default 5m, at most 1h.")
    String ttl;

    @Override
    public Integer call() {
        Duration life = RegistryCommands.parseDuration(ttl);
        ClusterClient cluster = new ClusterClient(client.client().base().getAuthority());
        Map<String, Object> answer = cluster.dashboardLogin(readOnly, life);
        System.out.println("Open this link once, within " + ttl + (readOnly ? " (a read-only session)" : "") + ":");
        System.out.println();
        System.out.println("    https://" + cluster.hostPort() + answer.get("path"));
        System.out.println();
        System.out.println("The page is served with the cluster's certificate: trust its CA (tls/ca.crt) in the browser,"
                + " or accept the warning once.");
        return 0;
    }
}
