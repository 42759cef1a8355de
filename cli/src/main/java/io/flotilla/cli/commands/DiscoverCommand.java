package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.Table;
import io.flotilla.client.DiscoveryClient;
import io.flotilla.discovery.client.ServiceWatcher;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Json;
import io.flotilla.model.api.EndpointSet;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.stream.Collectors;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "discover", description = {"Show a service's healthy endpoints (tasks and self-registrations).",
        "With --watch, follow every change as it happens (JSON lines with --format json)."})
public final class DiscoverCommand implements Callable<Integer> {
    @Mixin
    ClientOptions client;

    @Parameters(paramLabel = "SERVICE", description = "The service: its full name (shop_backend) or its DNS form (backend.shop).")
    String service;

    @Option(names = "--watch", description = "Keep watching and print every change.")
    boolean watch;

    @Option(names = "--tag", paramLabel = "K=V", description = "Only endpoints with this tag (repeatable).")
    List<String> tags = new ArrayList<>();

    @Option(names = "--format", defaultValue = "table", paramLabel = "table|json", description = "table (default) or json.")
    String format;

    @Override
    public Integer call() throws Exception {
        String name = fullName(service);
        DiscoveryClient discovery = new DiscoveryClient(client.client().base().getAuthority());
        boolean json = format.equals("json");
        if (!watch) {
            EndpointSet set = discovery.endpoints(name, tags);
            if (json) {
                System.out.println(Json.pretty(set.endpoints()));
            } else {
                print(set.endpoints());
            }
            return 0;
        }
        CountDownLatch stopped = new CountDownLatch(1);
        try (ServiceWatcher watcher = new ServiceWatcher(List.of(discovery.hostPort()), name, tags, discovery.tls())) {
            if (json) {
                watcher.onEvent(line -> {
                    System.out.println(line);
                    System.out.flush();
                });
            } else {
                watcher.endpoints().onChange(endpoints -> {
                    System.out.println("--- " + name + " @" + watcher.endpoints().index() + ": " + endpoints.size() + " endpoint(s)");
                    endpoints.forEach(e -> System.out.println("  " + e.id() + "  " + e.address() + "  " + e.ports()
                            + (e.tags().isEmpty() ? "" : "  " + String.join(",", e.tags()))));
                    System.out.flush();
                });
            }
            watcher.start();
            Runtime.getRuntime().addShutdownHook(new Thread(stopped::countDown));
            stopped.await();
        }
        return 0;
    }

    /** {@code backend.shop} → {@code shop_backend}; a name with {@code _} or without a dot is kept. */
    static String fullName(String service) {
        if (service.contains("_") || !service.contains(".")) {
            return service;
        }
        String[] parts = service.split("\\.");
        return parts.length == 2 ? parts[1] + "_" + parts[0] : service;
    }

    private static void print(List<Endpoint> endpoints) {
        Table table = new Table("ID", "SOURCE", "NODE", "ADDRESS", "PORTS", "TAGS");
        for (Endpoint e : endpoints) {
            table.row(e.id().length() > 12 && e.source().equals(Endpoint.TASK) ? e.id().substring(0, 12) : e.id(), e.source(),
                    e.nodeId() == null ? "-" : e.nodeId(), e.address(), ports(e.ports()),
                    e.tags().isEmpty() ? "-" : String.join(",", e.tags()));
        }
        table.print(System.out);
    }

    static String ports(Map<String, Integer> ports) {
        return ports.isEmpty() ? "-" : ports.entrySet().stream().map(p -> p.getKey() + "=" + p.getValue())
                .collect(Collectors.joining(","));
    }
}
