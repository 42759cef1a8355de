package io.flotilla.cli.commands;

import io.flotilla.cli.ClientOptions;
import io.flotilla.cli.Convergence;
import io.flotilla.cli.FormatOptions;
import io.flotilla.cli.StackFiles;
import io.flotilla.cli.Table;
import io.flotilla.cli.build.BuildException;
import io.flotilla.cli.build.StackBuild;
import io.flotilla.client.ApiClient;
import io.flotilla.compose.LoadedStack;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.Progress;
import io.flotilla.model.api.TaskWithAddresses;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

@Command(name = "stack", description = "Manage stacks (Compose files deployed to the cluster).", subcommands = {
        StackCommands.Deploy.class, StackCommands.Ls.class, StackCommands.Ps.class, StackCommands.Rm.class,
        StackCommands.Config.class, StackCommands.Services.class, StackCommands.Build.class})
public final class StackCommands {

    @Command(name = "deploy", aliases = "up", description = "Deploy a new stack or update an existing one, then follow it until it converges.")
    static final class Deploy implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin ComposeFiles compose;
        @Parameters(paramLabel = "STACK", arity = "0..1", description = "The stack's name (default: the file's"
                + " top-level name:, else the project directory's name, as docker compose).") String stack;
        @Option(names = {"-d", "--detach"}, description = "Exit immediately instead of waiting for the stack to converge.")
        boolean detach;
        @Option(names = "--timeout", defaultValue = "180s", description = "How long to wait for convergence (default 180s).")
        String timeout;

        @Override
        public Integer call() throws Exception {
            LoadedStack loaded = compose.load(stack);
            String stack = loaded.stack().name();
            ApiClient api = client.client();
            StackBuild.Result built;
            try {
                built = StackBuild.buildAndSend(loaded, List.of(), api, System.out);
            } catch (BuildException e) {
                System.err.println("Error: " + e.getMessage() + "; nothing deployed");
                return 1;
            }
            loaded = new LoadedStack(built.stack(), loaded.warnings(), loaded.normalizedYaml(), loaded.files(), loaded.builds());
            java.util.Set<String> existing = new java.util.HashSet<>();
            api.services(stack).forEach(s -> existing.add(s.service().spec().name()));
            for (ServiceSpec service : loaded.stack().services()) {
                System.out.println((existing.contains(service.name()) ? "Updating" : "Creating") + " service " + service.name());
            }
            api.deploy(loaded.stack(), loaded.files()); // the stack's own secrets and configs, read from what the file names
            if (detach) {
                return 0;
            }
            boolean converged = new Convergence(api, System.out).await(stack, StackFiles.duration(timeout));
            if (converged) {
                System.out.println("Stack " + stack + " converged.");
                return 0;
            }
            System.err.println("Stack " + stack + " did not converge within " + timeout
                    + "; it keeps converging in the background. See `flotilla stack ps " + stack + "`.");
            return 1;
        }
    }

    @Command(name = "build", description = "Build the images of a stack's services that have build: (all, or those named)"
            + " on the Docker daemon the CLI talks to, tagged by the content of their build input.")
    static final class Build implements Callable<Integer> {
        @Option(names = {"-c", "--compose-file"}, required = true, paramLabel = "FILE") Path file;
        @Option(names = "--stack", description = "Stack name, for the images of services without image:"
                + " (<stack>_<service>); default: the file's name: or its directory's name, as deploy would need it.")
        String stack;
        @Parameters(arity = "0..*", paramLabel = "SERVICE") List<String> services = List.of();

        @Override
        public Integer call() throws Exception {
            LoadedStack loaded = StackFiles.load(file, stack);
            if (loaded.builds().isEmpty()) {
                System.err.println("No service of " + file + " has build:; nothing to build.");
                return 0;
            }
            try {
                StackBuild.build(loaded, services, System.out);
                return 0;
            } catch (BuildException e) {
                System.err.println("Error: " + e.getMessage());
                return 1;
            }
        }
    }

    @Command(name = "config", description = "Validate a Compose file and print the normalized stack.")
    static final class Config implements Callable<Integer> {
        @Mixin ComposeFiles compose;
        @Option(names = "--stack", description = "Stack name used for service names (default: the file's top-level"
                + " name:, else the project directory's name).") String stack;

        @Override
        public Integer call() throws Exception {
            LoadedStack loaded = compose.load(stack);
            System.out.print(loaded.normalizedYaml());
            return 0;
        }
    }

    /** The compose files and profiles of {@code stack deploy} and {@code stack config}. */
    static final class ComposeFiles {
        @Option(names = {"-c", "--compose-file"}, paramLabel = "FILE", description = "A Compose file; repeat to"
                + " merge several, later ones overriding earlier ones (default: COMPOSE_FILE, paths separated by :).")
        List<Path> files = new java.util.ArrayList<>();
        @Option(names = "--profile", paramLabel = "PROFILE", description = "Deploy the services of this profile too;"
                + " repeatable (default: COMPOSE_PROFILES, comma-separated).")
        List<String> profiles = new java.util.ArrayList<>();

        LoadedStack load(String stack) throws io.flotilla.compose.ComposeException {
            return StackFiles.load(StackFiles.composeFiles(files, System.getenv()), stack, profiles);
        }
    }

    @Command(name = "ls", aliases = "list", description = "List stacks.")
    static final class Ls implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = client.client().stacks();
            if (format.json()) {
                format.printJson(System.out, rows);
                return 0;
            }
            Table table = new Table("NAME", "SERVICES");
            rows.forEach(r -> table.row(r.get("name"), r.get("services")));
            table.print(System.out);
            return 0;
        }
    }

    @Command(name = "services", description = "List the services of a stack.")
    static final class Services implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;
        @Parameters(paramLabel = "STACK") String stack;

        @Override
        public Integer call() {
            List<Map<String, Object>> rows = client.client().services(stack).stream()
                    .sorted(java.util.Comparator.comparing(s -> s.service().spec().name()))
                    .map(io.flotilla.cli.Views::service).toList();
            ServiceCommands.printServices(rows, format, false);
            return 0;
        }
    }

    @Command(name = "ps", description = "List the tasks of a stack.")
    static final class Ps implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Mixin FormatOptions format;
        @Parameters(paramLabel = "STACK") String stack;
        @Option(names = "--no-trunc") boolean noTrunc;
        @Option(names = {"-q", "--quiet"}) boolean quiet;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            List<TaskWithAddresses> tasks = api.tasksWithAddresses(stack);
            if (tasks.isEmpty() && api.stacks().stream().noneMatch(s -> stack.equals(s.get("name")))) {
                System.err.println("Error: nothing found in stack: " + stack);
                return 1;
            }
            ServiceCommands.printTasks(api, tasks, format, noTrunc, quiet);
            return 0;
        }
    }

    @Command(name = "rm", aliases = {"remove", "down"}, description = "Remove one or more stacks; waits until their tasks have stopped.")
    static final class Rm implements Callable<Integer> {
        @Mixin ClientOptions client;
        @Parameters(arity = "1..*", paramLabel = "STACK") List<String> stacks;
        @Option(names = {"-d", "--detach"}, description = "Do not wait for the tasks to stop.") boolean detach;
        @Option(names = "--timeout", defaultValue = "60s") String timeout;
        @Option(names = {"-v", "--volumes"}, description = "Also remove the named volumes the stack declared"
                + " (external volumes and volumes another stack uses are kept).") boolean volumes;

        @Override
        public Integer call() {
            ApiClient api = client.client();
            int status = 0;
            for (String stack : stacks) {
                List<String> services = api.services(stack).stream().map(s -> s.service().spec().name()).sorted().toList();
                List<String> stackVolumes = !volumes ? List.of() : api.volumes().stream()
                        .filter(v -> stack.equals(v.stack()) && !v.external()).map(v -> v.name()).sorted().toList();
                if (services.isEmpty() && stackVolumes.isEmpty()) {
                    System.err.println("Nothing found in stack: " + stack);
                    status = 1;
                    continue;
                }
                services.forEach(s -> System.out.println("Removing service " + s));
                stackVolumes.forEach(v -> System.out.println("Removing volume " + v));
                String message = api.removeStack(stack, volumes).message();
                int kept = message.indexOf("; kept volume");
                if (kept >= 0) {
                    System.err.println("Warning: " + message.substring(kept + 2));
                }
            }
            if (detach || status != 0) {
                return status;
            }
            Instant deadline = Instant.now().plus(io.flotilla.cli.StackFiles.duration(timeout));
            long index = -1;
            while (true) {
                Progress progress = index < 0 ? api.stackProgress(stacks)
                        : api.stackProgress(stacks, index, Duration.ofSeconds(2));
                index = progress.index();
                int left = progress.tasksLeft();
                if (left == 0) {
                    return 0;
                }
                if (Instant.now().isAfter(deadline)) {
                    System.err.println(left + " task(s) still stopping; they stop in the background.");
                    return 1;
                }
            }
        }
    }
}
