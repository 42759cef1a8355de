package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.FormatOptions;
import io.flotilla.cli.Humanize;
import io.flotilla.cli.Table;
import io.flotilla.cli.Views;
import io.flotilla.client.ApiClient;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceUpdateStatus;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import io.flotilla.model.api.ChangeResult;
import io.flotilla.model.api.ServiceSummary;
import io.flotilla.model.api.ServiceUpdateRequest;
import io.flotilla.model.api.ServiceWithAddresses;
import io.flotilla.model.api.TaskWithAddresses;
import java.io.BufferedReader;
import java.io.InputStream;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.Function;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "service", description = "Manage services.", subcommands = {
        ServiceCommands.Ls.class, ServiceCommands.Ps.class, ServiceCommands.Scale.class,
        ServiceCommands.Inspect.class, ServiceCommands.Logs.class, ServiceCommands.Update.class,
        ServiceCommands.Rollback.class, ServiceCommands.Rebalance.class})
public final class ServiceCommands {

    @Command(name = "ls", aliases = "list", description = "List services.")
    static final class Ls implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;
        @Option(names = "--stack", description = "Only the services of this stack.") String stack;
        @Option(names = {"-q", "--quiet"}, description = "Only display IDs.") boolean quiet;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = client.client().services(stack).stream()
                    .sorted(java.util.Comparator.comparing((ServiceSummary s) -> s.service().spec().name()))
                    .map(Views::service).toList();
            printServices(rows, format, quiet);
            return 0;
        }
    }

    static void printServices(List<Map<String, Object>> rows, FormatOptions format, boolean quiet) {
        if (format.json()) {
            format.printJson(System.out, rows);
        } else if (quiet) {
            rows.forEach(r -> System.out.println(Humanize.shortId((String) r.get("id"))));
        } else {
            Table table = new Table("ID", "NAME", "MODE", "REPLICAS", "IMAGE", "PORTS");
            for (Map<String, Object> r : rows) {
                table.row(Humanize.shortId((String) r.get("id")), r.get("name"), r.get("mode"), r.get("replicas"),
                        r.get("image"), r.get("ports"));
            }
            table.print(System.out);
        }
    }

    @Command(name = "ps", description = "List the tasks of one or more services.")
    static final class Ps implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;
        @Parameters(arity = "1..*", paramLabel = "SERVICE") List<String> services;
        @Option(names = "--no-trunc", description = "Do not truncate output.") boolean noTrunc;
        @Option(names = {"-q", "--quiet"}, description = "Only display task IDs.") boolean quiet;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            List<TaskWithAddresses> tasks = new ArrayList<>();
            for (String service : services) {
                tasks.addAll(api.serviceTasksWithAddresses(service));
                if (!format.json() && !quiet) {
                    printUpdateStatus(api.service(service));
                }
            }
            printTasks(api, tasks, format, noTrunc, quiet);
            return 0;
        }
    }

    /** A paused or rolled-back update says why above the task table. */
    private static void printUpdateStatus(Service service) {
        ServiceUpdateStatus status = service.updateStatus();
        if (status != null && (status.state().paused() || status.state().rollback())) {
            System.out.println(service.spec().name() + ": update " + status.state().displayName() + ": " + status.message());
        }
    }

    /** Errors longer than this are cut in the table (not with --no-trunc or --format json). */
    static final int ERROR_WIDTH = 120;

    /**
     * Shared by {@code service ps} and {@code stack ps}. The table gets an ADDRESSES column (each
     * task's addresses on its networks) only when some task has one: Docker's {@code ps} has no such
     * column, and a cluster without networks keeps Docker's table.
     */
    static void printTasks(ApiClient api, List<TaskWithAddresses> found, FormatOptions format, boolean noTrunc,
                           boolean quiet) {
        Map<String, Node> nodes = api.nodes().stream().collect(Collectors.toMap(Node::id, Function.identity()));
        Map<String, List<TaskAddress>> addresses = new HashMap<>();
        found.forEach(t -> addresses.put(t.task().id(), t.addresses()));
        List<Task> sorted = Views.sorted(found.stream().map(TaskWithAddresses::task).toList());
        if (format.json()) {
            format.printJson(System.out, sorted.stream().map(t -> Views.task(t, nodes, addresses.get(t.id()))).toList());
            return;
        }
        if (quiet) {
            sorted.forEach(t -> System.out.println(noTrunc ? t.id() : Humanize.shortId(t.id())));
            return;
        }
        boolean withAddresses = found.stream().anyMatch(t -> !t.addresses().isEmpty());
        Instant now = Instant.now();
        List<String> headers = new ArrayList<>(List.of("ID", "NAME", "IMAGE", "NODE", "DESIRED STATE", "CURRENT STATE",
                "ERROR", "PORTS"));
        if (withAddresses) {
            headers.add("ADDRESSES");
        }
        Table table = new Table(headers.toArray(String[]::new));
        String previousSlot = null;
        for (Task task : sorted) {
            Map<String, Object> view = Views.task(task, nodes);
            String slotKey = task.serviceName() + "." + (task.slot() > 0 ? task.slot() : task.nodeId());
            String name = slotKey.equals(previousSlot) ? " \\_ " + task.displayName() : task.displayName();
            previousSlot = slotKey;
            String error = task.status().error() == null ? "" : task.status().error();
            // 120: a pending reason names a node, a volume and what to do, a lease wait its end time
            if (!noTrunc && error.length() > ERROR_WIDTH) {
                error = error.substring(0, ERROR_WIDTH - 3) + "...";
            }
            List<Object> cells = new ArrayList<>(List.of(noTrunc ? task.id() : Humanize.shortId(task.id()), name,
                    view.get("image"), view.get("node") == null ? "" : view.get("node"),
                    Humanize.capitalize(task.desiredState().displayName()), Views.currentState(task, now),
                    error.isEmpty() ? "" : "\"" + error + "\"", Views.hostPorts(task)));
            if (withAddresses) {
                cells.add(Views.addresses(addresses.get(task.id())));
            }
            table.row(cells.toArray());
        }
        table.print(System.out);
    }

    @Command(name = "scale", description = "Scale one or more replicated services (SERVICE=REPLICAS).")
    static final class Scale implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "SERVICE=REPLICAS") List<String> targets;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            int failures = 0;
            for (String target : targets) {
                int eq = target.lastIndexOf('=');
                if (eq <= 0) {
                    System.err.println("Error: invalid scale specifier '" + target + "': expected SERVICE=REPLICAS");
                    failures++;
                    continue;
                }
                String service = target.substring(0, eq);
                int replicas;
                try {
                    replicas = Integer.parseInt(target.substring(eq + 1));
                } catch (NumberFormatException e) {
                    System.err.println("Error: invalid replicas value for " + service + ": " + target.substring(eq + 1));
                    failures++;
                    continue;
                }
                if (replicas < 0) {
                    System.err.println("Error: invalid replicas value for " + service + ": must not be negative");
                    failures++;
                    continue;
                }
                api.scale(service, replicas);
                System.out.println(service + " scaled to " + replicas);
            }
            return failures == 0 ? 0 : 1;
        }
    }

    /** The service as the API answers it: its fields and {@code virtualAddresses} (network → VIP) when it has any. */
    @Command(name = "inspect", description = "Display detailed information on one or more services (JSON; virtualAddresses: the VIP on each network).")
    static final class Inspect implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "SERVICE") List<String> services;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            List<ServiceWithAddresses> found = new ArrayList<>();
            for (String ref : services) {
                found.add(api.serviceWithAddresses(ref));
            }
            System.out.println(Json.pretty(found));
            return 0;
        }
    }

    @Command(name = "logs", description = "Fetch the logs of a service's tasks.")
    static final class Logs implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "SERVICE") String service;
        @Option(names = {"-f", "--follow"}, description = "Follow log output.") boolean follow;
        @Option(names = {"-n", "--tail"}, defaultValue = "all", description = "Number of lines to show from the end (default all).") String tail;

        @Override
        public Integer call() throws Exception {
            int lines = tail.equals("all") ? -1 : Integer.parseInt(tail);
            try (InputStream in = client.client().logs(service, follow, lines);
                 BufferedReader reader = new BufferedReader(new InputStreamReader(in, StandardCharsets.UTF_8))) {
                String line;
                while ((line = reader.readLine()) != null) {
                    System.out.println(line);
                }
            }
            return 0;
        }
    }

    @Command(name = "update", description = "Update a service (rolling update per its update_config).")
    static final class Update implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "SERVICE") String service;
        @Option(names = "--image", description = "Service image tag.") String image;
        @Option(names = "--env-add", paramLabel = "KEY=VALUE", description = "Add or update an environment variable.") List<String> envAdd = new ArrayList<>();
        @Option(names = "--env-rm", paramLabel = "KEY", description = "Remove an environment variable.") List<String> envRm = new ArrayList<>();
        @Option(names = "--replicas", description = "Number of tasks.") Integer replicas;
        @Option(names = "--label-add", paramLabel = "KEY=VALUE", description = "Add or update a service label.") List<String> labelAdd = new ArrayList<>();
        @Option(names = "--label-rm", paramLabel = "KEY", description = "Remove a service label.") List<String> labelRm = new ArrayList<>();
        @Option(names = "--update-parallelism", description = "Maximum number of tasks updated at once (0 to update all at once).") Integer parallelism;
        @Option(names = "--update-delay", description = "Delay between updates (ns|us|ms|s|m|h).") String delay;
        @Option(names = "--update-failure-action", description = "Action on update failure (pause, continue, rollback).") String failureAction;
        @Option(names = "--update-monitor", description = "Duration after each task update to monitor for failure.") String monitor;
        @Option(names = "--update-max-failure-ratio", description = "Failure rate to tolerate during an update.") Double maxFailureRatio;
        @Option(names = "--update-order", description = "Update order (start-first, stop-first).") String order;
        @Option(names = "--force", description = "Force update even if no changes require it.") boolean force;
        @Option(names = {"-d", "--detach"}, description = "Exit immediately instead of waiting for the update to converge.") boolean detach;

        @Override
        public Integer call() {
            ServiceUpdateRequest change = new ServiceUpdateRequest(image, pairs(envAdd, "--env-add"), envRm, replicas,
                    pairs(labelAdd, "--label-add"), labelRm, parallelism, delay == null ? null : duration(delay),
                    failureAction, monitor == null ? null : duration(monitor), maxFailureRatio, order, force);
            ApiClient api = client.client();
            Service before = api.service(service);
            ChangeResult result = api.updateService(service, change);
            System.out.println(result.message());
            Service after = api.service(service);
            if (detach || after.version() == before.version()) {
                return 0;
            }
            return new UpdateFollower(api, System.out).follow(after.id(), result.index(), false);
        }
    }

    @Command(name = "rollback", description = "Revert a service to its previous spec.")
    static final class Rollback implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "SERVICE") String service;
        @Option(names = {"-d", "--detach"}, description = "Exit immediately instead of waiting for the rollback to converge.") boolean detach;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            ChangeResult result = api.rollbackService(service);
            System.out.println(result.message());
            if (detach) {
                return 0;
            }
            return new UpdateFollower(api, System.out).follow(api.service(service).id(), result.index(), true);
        }
    }

    @Command(name = "rebalance", description = "Spread a replicated service's tasks evenly over the eligible nodes again.")
    static final class Rebalance implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "SERVICE") String service;
        @Option(names = {"-d", "--detach"}, description = "Exit immediately instead of waiting for the moves to finish.") boolean detach;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            ChangeResult result = api.rebalanceService(service);
            System.out.println(result.message());
            if (detach) {
                return 0;
            }
            return new UpdateFollower(api, System.out).followRebalance(api.service(service).id(), result.index());
        }
    }

    /** {@code KEY=VALUE} options as a map; a bare {@code KEY} means an empty value. */
    static Map<String, String> pairs(List<String> values, String option) {
        Map<String, String> map = new LinkedHashMap<>();
        for (String value : values) {
            int eq = value.indexOf('=');
            String key = eq < 0 ? value : value.substring(0, eq);
            if (key.isBlank()) {
                throw new IllegalArgumentException("invalid " + option + " '" + value + "': expected KEY=VALUE");
            }
            map.put(key, eq < 0 ? "" : value.substring(eq + 1));
        }
        return map;
    }

    private static Duration duration(String text) {
        return io.flotilla.cli.StackFiles.duration(text);
    }
}
