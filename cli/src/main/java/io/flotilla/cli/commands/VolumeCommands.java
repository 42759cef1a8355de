package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.FormatOptions;
import io.flotilla.cli.Table;
import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.model.Json;
import io.flotilla.model.api.VolumeInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flotilla volume ls|inspect|rm}, as Docker's volume commands. Named volumes appear when
 * the first task using them is placed (docs/stateful.md); these commands show and forget them.
 */
@Command(name = "volume", description = "Manage named volumes (see docs/stateful.md).", subcommands = {
        VolumeCommands.Ls.class, VolumeCommands.Inspect.class, VolumeCommands.Rm.class})
public final class VolumeCommands {
    private VolumeCommands() {}

    /** One {@code volume ls} row; the same map is the {@code --format json} object. */
    static Map<String, Object> view(VolumeInfo volume) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("driver", volume.driver());
        view.put("name", volume.name());
        view.put("node", node(volume));
        view.put("nodeId", volume.nodeId());
        view.put("stack", volume.stack());
        view.put("usedBy", volume.usedBy());
        view.put("scope", volume.scope());
        view.put("external", volume.external());
        return view;
    }

    /** Where the data is: the node's hostname (its id when unknown), {@code any} for glusterfs. */
    static String node(VolumeInfo volume) {
        if (volume.nodeId() == null) {
            return "global".equals(volume.scope()) ? "any" : "-";
        }
        return volume.nodeName() != null ? volume.nodeName() : volume.nodeId();
    }

    static Table table(List<VolumeInfo> volumes) {
        Table table = new Table("DRIVER", "VOLUME NAME", "NODE", "STACK", "USED BY");
        for (VolumeInfo volume : volumes) {
            table.row(volume.driver(), volume.name(), node(volume), volume.stack() == null ? "-" : volume.stack(),
                    volume.usedBy().isEmpty() ? "-" : String.join(",", volume.usedBy()));
        }
        return table;
    }

    @Command(name = "ls", aliases = "list", description = "List volumes: driver, name, the node holding the data"
            + " (any for glusterfs), the stack that declared it and the services using it.")
    static final class Ls implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;
        @Option(names = {"-q", "--quiet"}, description = "Only display volume names.") boolean quiet;

        @Override
        public Integer call() {
            boolean json = format.json();
            List<VolumeInfo> volumes = client.client().volumes();
            if (quiet) {
                volumes.forEach(v -> System.out.println(v.name()));
            } else if (json) {
                format.printJson(System.out, volumes.stream().map(VolumeCommands::view).toList());
            } else {
                table(volumes).print(System.out);
            }
            return 0;
        }
    }

    @Command(name = "inspect", description = "Display detailed information on one or more volumes, as a JSON array"
            + " (driver options, labels, node, the tasks using it).")
    static final class Inspect implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "VOLUME", description = "Volume names (as volume ls shows them).")
        List<String> names;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            List<VolumeInfo> found = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (String name : names) {
                try {
                    found.add(api.volume(name));
                } catch (ApiException e) {
                    if (e.status() != 404) {
                        throw e;
                    }
                    errors.add(e.getMessage());
                }
            }
            System.out.println(Json.pretty(found));
            errors.forEach(error -> System.err.println("Error: " + error));
            return errors.isEmpty() ? 0 : 1;
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove one or more volumes from the cluster. A volume"
            + " that a service still uses is refused (remove the service or its stack first).")
    static final class Rm implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "VOLUME", description = "Volume names (as volume ls shows them).")
        List<String> names;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            int status = 0;
            for (String name : names) {
                try {
                    api.removeVolume(name);
                    System.out.println(name);
                } catch (ApiException e) {
                    if (e.status() == 0) {
                        throw e; // unreachable: the same for every name
                    }
                    System.err.println("Error: " + e.getMessage());
                    status = 1;
                }
            }
            return status;
        }
    }
}
