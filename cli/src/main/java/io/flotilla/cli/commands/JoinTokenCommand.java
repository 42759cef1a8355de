package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.client.ClusterClient;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "join-token", description = "Print the command that joins a node as a worker or a manager (-q: the token alone).")
public final class JoinTokenCommand implements Callable<Integer> {
    @Mixin ClientOptions client;

    @Parameters(index = "0", paramLabel = "worker|manager")
    String role;

    @Option(names = {"-q", "--quiet"}, description = "Print the token only.")
    boolean quiet;

    @Option(names = "--rotate", description = "Make a new token first; the old one stops working (nodes that joined stay).")
    boolean rotate;

    @Override
    public Integer call() {
        if (!role.equals("worker") && !role.equals("manager")) {
            throw new IllegalArgumentException("role must be worker or manager: " + role);
        }
        ClusterClient cluster = new ClusterClient(client.client().base().getAuthority());
        Map<String, Object> answer = cluster.joinToken(role, rotate);
        String token = String.valueOf(answer.get("token"));
        if (quiet) {
            System.out.println(token);
            return 0;
        }
        @SuppressWarnings("unchecked")
        List<String> managers = (List<String>) answer.getOrDefault("managers", List.of(cluster.hostPort()));
        String manager = managers.isEmpty() ? cluster.hostPort() : managers.getFirst();
        if (rotate) {
            System.out.println("Rotated the " + role + " join token.");
        }
        System.out.println("To add a " + role + " to this cluster, run on the new node:");
        System.out.println();
        System.out.println("    flotilla join --token " + token + " --data DIR --advertise ADDR " + manager);
        System.out.println();
        return 0;
    }
}
