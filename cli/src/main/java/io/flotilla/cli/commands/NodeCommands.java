package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.FormatOptions;
import io.flotilla.cli.Table;
import io.flotilla.model.Node;
import io.flotilla.model.NodeRole;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;

@Command(name = "node", description = "Manage nodes.", subcommands = NodeCommands.Ls.class)
public final class NodeCommands {

    @Command(name = "ls", aliases = "list", description = "List nodes.")
    static final class Ls implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = client.client().nodes().stream()
                    .sorted(Comparator.comparing(Node::id)).map(NodeCommands::view).toList();
            if (format.json()) {
                format.printJson(System.out, rows);
                return 0;
            }
            Table table = new Table("ID", "HOSTNAME", "ADDRESS", "STATUS", "AVAILABILITY", "MANAGER STATUS", "DRIVERS");
            for (Map<String, Object> r : rows) {
                table.row(r.get("id"), r.get("hostname"), r.get("address"), r.get("status"), r.get("availability"),
                        r.get("managerStatus"), String.join(",", (List<String>) r.get("drivers")));
            }
            table.print(System.out);
            return 0;
        }
    }

    static Map<String, Object> view(Node node) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", node.id());
        view.put("hostname", node.status().hostname());
        view.put("address", node.status().address());
        view.put("status", capitalize(node.status().state().name()));
        view.put("availability", capitalize(node.spec().availability().name()));
        view.put("role", node.spec().role().name().toLowerCase(Locale.ROOT));
        view.put("managerStatus", node.spec().role() == NodeRole.MANAGER ? "Leader" : "");
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
