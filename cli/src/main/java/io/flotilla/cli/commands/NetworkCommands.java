package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.FormatOptions;
import io.flotilla.cli.Humanize;
import io.flotilla.cli.Table;
import io.flotilla.client.ApiClient;
import io.flotilla.client.ApiException;
import io.flotilla.model.Json;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.api.NetworkInfo;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code flotilla network ls|inspect|create|rm}, as Docker's network commands. Every network is an
 * overlay across the cluster (docs/networks.md): a stack makes its own ({@code <stack>_default}
 * and those its file declares) and removes them with the stack; {@code network create} makes one
 * that stacks use as {@code external: true}.
 */
@Command(name = "network", description = "Manage overlay networks (see docs/networks.md).", subcommands = {
        NetworkCommands.Ls.class, NetworkCommands.Inspect.class, NetworkCommands.Create.class,
        NetworkCommands.Rm.class})
public final class NetworkCommands {
    private NetworkCommands() {}

    /** One {@code network ls} row; the same map is the {@code --format json} object. */
    static Map<String, Object> view(NetworkInfo network) {
        Map<String, Object> view = new LinkedHashMap<>();
        view.put("id", network.id());
        view.put("name", network.name());
        view.put("driver", network.driver());
        view.put("scope", network.scope());
        view.put("subnet", network.subnet());
        view.put("gateway", network.gateway());
        view.put("stack", network.stack());
        view.put("internal", network.internal());
        view.put("attachable", network.attachable());
        view.put("labels", new TreeMap<>(network.labels()));
        view.put("tasks", network.tasks().size());
        return view;
    }

    static Table table(List<NetworkInfo> networks) {
        Table table = new Table("NETWORK ID", "NAME", "DRIVER", "SCOPE", "SUBNET");
        for (NetworkInfo network : networks) {
            table.row(Humanize.shortId(network.id()), network.name(), network.driver(), network.scope(),
                    network.subnet());
        }
        return table;
    }

    /**
     * {@code network inspect}'s object, in the shape of Docker's (Name, Id, IPAM.Config, Containers
     * with each one's IPv4Address as address/prefix, the VXLAN id under Options) so that scripts
     * written for Docker find their fields; Containers holds every task on the network, containers
     * and processes alike, on whichever node it runs, with its service and node.
     */
    static Map<String, Object> inspect(NetworkInfo network) {
        Map<String, Object> out = new LinkedHashMap<>();
        out.put("Name", network.name());
        out.put("Id", network.id());
        out.put("Created", network.createdAt());
        out.put("Scope", network.scope());
        out.put("Driver", network.driver());
        out.put("EnableIPv6", false);
        Map<String, Object> config = new LinkedHashMap<>();
        config.put("Subnet", network.subnet());
        config.put("Gateway", network.gateway());
        Map<String, Object> ipam = new LinkedHashMap<>();
        ipam.put("Driver", "default");
        ipam.put("Options", Map.of());
        ipam.put("Config", List.of(config));
        out.put("IPAM", ipam);
        out.put("Internal", network.internal());
        out.put("Attachable", network.attachable());
        out.put("Ingress", false);
        String prefix = network.subnet() == null || !network.subnet().contains("/") ? ""
                : network.subnet().substring(network.subnet().indexOf('/'));
        Map<String, Object> containers = new LinkedHashMap<>();
        for (NetworkInfo.TaskEndpoint task : network.tasks()) {
            Map<String, Object> endpoint = new LinkedHashMap<>();
            endpoint.put("Name", task.taskName());
            endpoint.put("Service", task.serviceName());
            endpoint.put("NodeID", task.nodeId());
            endpoint.put("IPv4Address", task.address() + prefix);
            endpoint.put("IPv6Address", "");
            containers.put(task.taskId(), endpoint);
        }
        out.put("Containers", containers);
        out.put("Options", Map.of("com.docker.network.driver.overlay.vxlanid_list", Integer.toString(network.vni())));
        out.put("Labels", new TreeMap<>(network.labels()));
        out.put("Stack", network.stack());
        return out;
    }

    @Command(name = "ls", aliases = "list", description = "List networks: id, name, driver (overlay), scope (swarm:"
            + " the whole cluster) and subnet.")
    static final class Ls implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;
        @Option(names = {"-q", "--quiet"}, description = "Only display network IDs.") boolean quiet;

        @Override
        public Integer call() {
            boolean json = format.json();
            List<NetworkInfo> networks = client.client().networks();
            if (quiet) {
                networks.forEach(n -> System.out.println(Humanize.shortId(n.id())));
            } else if (json) {
                format.printJson(System.out, networks.stream().map(NetworkCommands::view).toList());
            } else {
                table(networks).print(System.out);
            }
            return 0;
        }
    }

    @Command(name = "inspect", description = "Display detailed information on one or more networks, as a JSON array"
            + " in Docker's shape: IPAM, labels, the VXLAN id, and every task on it with its address.")
    static final class Inspect implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "NETWORK", description = "Network names (as network ls shows them).")
        List<String> names;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            List<Map<String, Object>> found = new ArrayList<>();
            List<String> errors = new ArrayList<>();
            for (String name : names) {
                try {
                    found.add(inspect(api.network(name)));
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

    @Command(name = "create", description = "Create an overlay network that stacks can use as external: true."
            + " Without --subnet the managers take one from the cluster's pool (init --network-pool).")
    static final class Create implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(index = "0", paramLabel = "NAME", description = "The network's name.") String name;
        @Option(names = {"-d", "--driver"}, defaultValue = NetworkSpec.OVERLAY, paramLabel = "DRIVER",
                description = "Driver: overlay (the only one).") String driver;
        @Option(names = "--subnet", paramLabel = "CIDR", description = "IPv4 subnet, such as 10.20.0.0/24.") String subnet;
        @Option(names = "--gateway", paramLabel = "IP", description = "Gateway address in the subnet (default: its"
                + " first address).") String gateway;
        @Option(names = "--internal", description = "No route out of the cluster.") boolean internal;
        @Option(names = "--attachable", description = "Docker's flag, kept on the network.") boolean attachable;
        @Option(names = "--label", paramLabel = "KEY=VALUE", description = "A label (repeatable).")
        List<String> labels = new ArrayList<>();

        @Override
        public Integer call() {
            System.out.println(client.client().createNetwork(spec()).id());
            return 0;
        }

        /** The spec to send, checked for what needs no cluster to check. */
        NetworkSpec spec() {
            if (!driver.equals(NetworkSpec.OVERLAY)) {
                throw new IllegalArgumentException("driver " + driver + " is not supported: Flotilla networks are"
                        + " overlays across the cluster (-d overlay)");
            }
            if (gateway != null && subnet == null) {
                throw new IllegalArgumentException("--gateway needs --subnet");
            }
            Map<String, String> labelMap = new LinkedHashMap<>();
            for (String label : labels) {
                int equals = label.indexOf('=');
                if (equals == 0) {
                    throw new IllegalArgumentException("--label needs KEY=VALUE, not \"" + label + "\"");
                }
                labelMap.put(equals < 0 ? label : label.substring(0, equals), equals < 0 ? "" : label.substring(equals + 1));
            }
            return new NetworkSpec(name, null, internal, attachable, labelMap, subnet, gateway);
        }
    }

    @Command(name = "rm", aliases = "remove", description = "Remove one or more networks. A network that a service"
            + " still uses, or that a stack owns (removed with its stack), is refused.")
    static final class Rm implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "NETWORK", description = "Network names (as network ls shows them).")
        List<String> names;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            int status = 0;
            for (String name : names) {
                try {
                    api.removeNetwork(name);
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
