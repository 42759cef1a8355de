package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.Table;
import io.flotilla.client.DiscoveryClient;
import io.flotilla.model.Json;
import io.flotilla.model.Registration;
import io.flotilla.model.api.RegistrationRequest;
import io.flotilla.model.api.RegistrationResult;
import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "registry", description = "Self-registration of services Flotilla does not run: register, renew, ls, rm.",
        subcommands = {RegistryCommands.Register.class, RegistryCommands.Renew.class, RegistryCommands.Ls.class,
                RegistryCommands.Rm.class})
public final class RegistryCommands {

    static String host(ClientOptions options) {
        return options.client().base().getAuthority();
    }

    @Command(name = "register", description = {"Register an instance with a TTL; it is removed unless renewed within the TTL.",
            "Prints the registration id, which the server makes (renew with `registry renew ID`).",
            "A worker's certificate registers only its node's address; stack services' names are not registrable."})
    static final class Register implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Option(names = "--name", required = true, description = "The service name it is found under.") String name;
        @Option(names = "--stack", description = "A stack to register in (name becomes STACK_NAME, DNS NAME.STACK.flotilla).") String stack;
        @Option(names = "--address", required = true, description = "Where it answers (an IP address for DNS A records).") String address;
        @Option(names = "--port", paramLabel = "NAME=PORT", description = "A named port (repeatable), e.g. http=8080.") List<String> ports = new ArrayList<>();
        @Option(names = "--ttl", defaultValue = "10s", description = "How long it lives without a renewal (e.g. 10s, 500ms, 1m; default 10s; at most 5m).") String ttl;
        @Option(names = "--tag", description = "A tag (repeatable), e.g. zone=a.") List<String> tags = new ArrayList<>();
        @Option(names = "--meta", paramLabel = "K=V", description = "Metadata (repeatable).") List<String> meta = new ArrayList<>();

        @Override
        public Integer call() {
            Map<String, Integer> portMap = new LinkedHashMap<>();
            for (String port : ports) {
                String[] kv = keyValue(port, "--port");
                try {
                    portMap.put(kv[0], Integer.parseInt(kv[1]));
                } catch (NumberFormatException e) {
                    throw new IllegalArgumentException("--port " + port + ": the port must be a number");
                }
            }
            Map<String, String> metaMap = new LinkedHashMap<>();
            for (String m : meta) {
                String[] kv = keyValue(m, "--meta");
                metaMap.put(kv[0], kv[1]);
            }
            RegistrationResult result = new DiscoveryClient(host(client)).register(new RegistrationRequest(null, name, stack,
                    address, portMap, tags, metaMap, parseDuration(ttl)));
            System.out.println(result.id());
            return 0;
        }
    }

    @Command(name = "renew", description = "Renew a registration (a heartbeat: its TTL starts again).")
    static final class Renew implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "ID") String id;

        @Override
        public Integer call() {
            RegistrationResult result = new DiscoveryClient(host(client)).renew(id);
            System.out.println(result.id() + " renewed (ttl " + result.ttl().toMillis() + " ms)");
            return 0;
        }
    }

    @Command(name = "ls", description = "List the registrations.")
    static final class Ls implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Option(names = "--format", defaultValue = "table", paramLabel = "table|json") String format;

        @Override
        public Integer call() {
            List<Registration> registrations = new DiscoveryClient(host(client)).registrations();
            if (format.equals("json")) {
                System.out.println(Json.pretty(registrations));
                return 0;
            }
            Table table = new Table("ID", "SERVICE", "ADDRESS", "PORTS", "TTL", "TAGS");
            for (Registration r : registrations) {
                table.row(r.id(), r.service(), r.address(), DiscoverCommand.ports(r.ports()), r.ttl().toMillis() + "ms",
                        r.tags().isEmpty() ? "-" : String.join(",", r.tags()));
            }
            table.print(System.out);
            return 0;
        }
    }

    @Command(name = "rm", description = "Deregister.")
    static final class Rm implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(paramLabel = "ID") List<String> ids;

        @Override
        public Integer call() {
            DiscoveryClient discovery = new DiscoveryClient(host(client));
            ids.forEach(id -> {
                discovery.deregister(id);
                System.out.println(id);
            });
            return 0;
        }
    }

    static String[] keyValue(String value, String option) {
        int eq = value.indexOf('=');
        if (eq <= 0) {
            throw new IllegalArgumentException(option + " " + value + ": expected KEY=VALUE");
        }
        return new String[] {value.substring(0, eq), value.substring(eq + 1)};
    }

    /** {@code 10s}, {@code 500ms}, {@code 2m}, {@code 1h}, or ISO-8601 {@code PT10S}. */
    static Duration parseDuration(String value) {
        String v = value.strip().toLowerCase(java.util.Locale.ROOT);
        try {
            if (v.startsWith("pt")) {
                return Duration.parse(v.toUpperCase(java.util.Locale.ROOT));
            }
            if (v.endsWith("ms")) {
                return Duration.ofMillis(Long.parseLong(v.substring(0, v.length() - 2)));
            }
            long n = Long.parseLong(v.substring(0, v.length() - 1));
            return switch (v.charAt(v.length() - 1)) {
                case 's' -> Duration.ofSeconds(n);
                case 'm' -> Duration.ofMinutes(n);
                case 'h' -> Duration.ofHours(n);
                default -> throw new NumberFormatException();
            };
        } catch (RuntimeException e) {
            throw new IllegalArgumentException("invalid duration '" + value + "': use 500ms, 10s, 2m or 1h");
        }
    }
}
