package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.DrainProgress;
import io.flotilla.cli.NodeRemovalProgress;
import io.flotilla.cli.FormatOptions;
import io.flotilla.cli.Table;
import io.flotilla.client.ApiException;
import io.flotilla.client.ClusterClient;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.ClusterInfo;
import io.flotilla.model.api.ManagerStatus;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "node", description = "Manage nodes.", subcommands = {NodeCommands.Ls.class, NodeCommands.Promote.class,
        NodeCommands.Demote.class, NodeCommands.Rm.class, NodeCommands.Update.class, CertRotateCommand.class})
public final class NodeCommands {

    @Command(name = "ls", aliases = "list", description = "List nodes.")
    static final class Ls implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;

        @Override
        public Integer call() {
            Map<String, ManagerStatus> managers = managerStatuses(client);
            List<Map<String, Object>> rows = client.client().nodes().stream()
                    .sorted(Comparator.comparing(Node::id)).map(node -> view(node, managers.get(node.id()))).toList();
            if (format.json()) {
                format.printJson(System.out, rows);
                return 0;
            }
            Table table = new Table("ID", "HOSTNAME", "ADDRESS", "STATUS", "AVAILABILITY", "MANAGER STATUS", "DRIVERS");
            for (Map<String, Object> r : rows) {
                @SuppressWarnings("unchecked")
                List<String> drivers = (List<String>) r.get("drivers");
                table.row(r.get("id"), r.get("hostname"), r.get("address"), r.get("status"), r.get("availability"),
                        r.get("managerStatus"), String.join(",", drivers));
            }
            table.print(System.out);
            return 0;
        }
    }

    /** The managers' statuses as the leader sees them; empty if the API cannot tell (an older manager). */
    private static Map<String, ManagerStatus> managerStatuses(ClientOptions client) {
        try {
            ClusterInfo info = new ClusterClient(client.client().base().getAuthority()).info();
            return info.managers().stream().collect(Collectors.toMap(ManagerStatus::id, Function.identity()));
        } catch (ApiException e) {
            return Map.of();
        }
    }

    @Command(name = "promote", description = "Make workers managers (they join the managers' Raft group).")
    static final class Promote implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "NODE") List<String> nodes;

        @Override
        public Integer call() {
            return each(client, nodes, (cluster, node) -> cluster.nodeAction(node, "promote"));
        }
    }

    @Command(name = "demote", description = "Make managers workers (they leave the managers' Raft group; refused if that would lose the quorum).")
    static final class Demote implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "NODE") List<String> nodes;

        @Override
        public Integer call() {
            return each(client, nodes, (cluster, node) -> cluster.nodeAction(node, "demote"));
        }
    }

    @Command(name = "rm", aliases = "remove", description = {"Remove nodes (a manager must be demoted first; an up node needs --force).",
            "Prints the tasks the removal orphaned, then where each replacement runs once it is up."})
    static final class Rm implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Option(names = {"-f", "--force"}, description = "Remove even if the node is up; its tasks are replaced elsewhere.")
        boolean force;
        @Option(names = {"-d", "--detach"}, description = "Do not wait for the orphaned tasks' replacements.") boolean detach;
        @Parameters(arity = "1..*", paramLabel = "NODE") List<String> nodes;

        @Override
        public Integer call() throws InterruptedException {
            int failures = 0;
            for (String node : nodes) {
                // What the node runs now is what the removal orphans: read before it is gone.
                NodeRemovalProgress progress = new NodeRemovalProgress(client.client(), System.out, node);
                if (each(client, List.of(node), (cluster, ref) -> cluster.removeNode(ref, force)) != 0) {
                    failures++;
                } else if (!progress.follow(detach, REPLACEMENT_WAIT)) {
                    failures++;
                }
            }
            return failures == 0 ? 0 : 1;
        }

        private static final java.time.Duration REPLACEMENT_WAIT = java.time.Duration.ofMinutes(3);
    }

    @Command(name = "update", description = {"Change a node's availability or labels.",
            "--availability drain waits, with a line per service whose tasks move off the node, until the node runs no task."})
    static final class Update implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Option(names = "--availability", paramLabel = "active|pause|drain") String availability;
        @Option(names = {"-d", "--detach"}, description = "Do not wait for a drained node's tasks to move.") boolean detach;
        @Option(names = "--label-add", paramLabel = "KEY=VALUE") List<String> labelAdd = new ArrayList<>();
        @Option(names = "--label-rm", paramLabel = "KEY") List<String> labelRm = new ArrayList<>();
        @Parameters(index = "0", paramLabel = "NODE") String node;

        @Override
        public Integer call() throws InterruptedException {
            Map<String, Object> change = new LinkedHashMap<>();
            if (availability != null) {
                String value = availability.toUpperCase(Locale.ROOT);
                if (!List.of("ACTIVE", "PAUSE", "DRAIN").contains(value)) {
                    throw new IllegalArgumentException("--availability must be active, pause or drain: " + availability);
                }
                change.put("availability", value);
            }
            change.put("labelAdd", labelAdd);
            change.put("labelRm", labelRm);
            boolean follow = !detach && "DRAIN".equals(change.get("availability"));
            DrainProgress progress = follow ? new DrainProgress(client.client(), System.out, node) : null;
            int status = each(client, List.of(node), (cluster, ref) -> cluster.updateNode(ref, change));
            if (status != 0 || !follow) {
                return status;
            }
            if (!progress.await(DRAIN_WAIT)) {
                System.err.println("The node still runs tasks after " + DRAIN_WAIT.toMinutes() + " minutes; the drain goes on"
                        + " (see `flotilla node ls` and `flotilla stack ps`).");
                return 1;
            }
            return 0;
        }

        /** How long {@code drain} waits: a task's stop grace period and a pull elsewhere fit well within it. */
        private static final java.time.Duration DRAIN_WAIT = java.time.Duration.ofMinutes(5);
    }

    private interface NodeChange {
        ChangeResult apply(ClusterClient cluster, String node);
    }

    private static int each(ClientOptions client, List<String> nodes, NodeChange change) {
        ClusterClient cluster = new ClusterClient(client.client().base().getAuthority());
        int failures = 0;
        for (String node : nodes) {
            try {
                System.out.println(change.apply(cluster, node).message());
            } catch (ApiException e) {
                System.err.println("Error: " + node + ": " + e.getMessage());
                failures++;
            }
        }
        return failures == 0 ? 0 : 1;
    }

    static Map<String, Object> view(Node node, ManagerStatus manager) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", node.id());
        view.put("hostname", node.status().hostname());
        view.put("address", node.status().address());
        view.put("status", capitalize(node.status().state().name()));
        view.put("availability", capitalize(node.spec().availability().name()));
        view.put("role", node.spec().role().name().toLowerCase(Locale.ROOT));
        String managerStatus = "";
        if (manager != null) {
            managerStatus = manager.status();
        } else if (node.spec().role() == NodeRole.MANAGER) {
            managerStatus = "Joining"; // a manager in the state, not (yet) in the Raft group
        }
        view.put("managerStatus", managerStatus);
        view.put("drivers", node.status().drivers().stream().sorted().toList());
        view.put("labels", node.spec().labels());
        view.put("nanoCpus", node.status().resources().nanoCpus());
        view.put("memoryBytes", node.status().resources().memoryBytes());
        return view;
    }

    private static String capitalize(String word) {
        return word.charAt(0) + word.substring(1).toLowerCase(Locale.ROOT);
    }
}
