package io.flotilla.cli.build;

import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.client.ApiClient;
import io.flotilla.compose.BuildSpec;
import io.flotilla.compose.LoadedStack;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.StackSpec;
import java.io.PrintStream;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Optional;

/**
 * Builds a stack's services that have {@code build:}, one after the other in file order, with the
 * daemon's output on the terminal prefixed by the service, and gives the stack with each built
 * service running its content-tagged image. The first failure stops everything: the caller deploys
 * nothing.
 */
public final class StackBuild {
    /** The stack to deploy (built services' images replaced) and what was built. */
    public record Result(StackSpec stack, List<BuiltImage> images) {}

    private StackBuild() {}

    /** Connects to the CLI's daemon and builds; without {@code build:} services it needs no daemon. */
    public static Result build(LoadedStack loaded, Collection<String> only, PrintStream out) throws BuildException {
        return buildAndSend(loaded, only, null, out);
    }

    /**
     * Builds, then hands every built image the cluster does not store yet to {@code api} (null: build
     * only), so that every node can load it: what {@code stack deploy} does before it deploys.
     */
    public static Result buildAndSend(LoadedStack loaded, Collection<String> only, ApiClient api, PrintStream out)
            throws BuildException {
        if (selected(loaded, only).isEmpty()) {
            return new Result(loaded.stack(), List.of());
        }
        Optional<DockerDaemon> daemon = DockerDaemon.connect();
        if (daemon.isEmpty()) {
            throw new BuildException("stack " + loaded.stack().name() + " has services with build: but no Docker daemon"
                    + " answers (DOCKER_HOST or unix:///var/run/docker.sock)");
        }
        try (DockerDaemon docker = daemon.get()) {
            Result result = build(loaded, only, new ImageBuilder(docker.client()), out);
            if (api != null) {
                new ImageUpload(docker.client(), api).send(result.images(), out::println);
            }
            return result;
        }
    }

    public static Result build(LoadedStack loaded, Collection<String> only, ImageBuilder builder, PrintStream out)
            throws BuildException {
        String stack = loaded.stack().name();
        List<BuiltImage> images = new ArrayList<>();
        for (BuildSpec spec : selected(loaded, only)) {
            String prefix = spec.service().substring(stack.length() + 1) + " | ";
            out.println(prefix + "building " + spec.image() + " from " + spec.context());
            BuiltImage image = builder.build(spec, line -> out.println(prefix + line));
            out.println(prefix + (image.built() ? "built " : "up to date: ") + image.reference());
            images.add(image);
        }
        return new Result(withImages(loaded.stack(), images), images);
    }

    private static List<BuildSpec> selected(LoadedStack loaded, Collection<String> only) throws BuildException {
        if (only.isEmpty()) {
            return List.copyOf(loaded.builds().values());
        }
        List<BuildSpec> specs = new ArrayList<>();
        String stack = loaded.stack().name();
        for (String name : only) {
            BuildSpec spec = loaded.builds().get(name.startsWith(stack + "_") ? name : stack + "_" + name);
            if (spec == null) {
                throw new BuildException("stack " + stack + " has no service " + name + " with build: (services with"
                        + " build: " + String.join(", ", loaded.builds().keySet()) + ")");
            }
            specs.add(spec);
        }
        return specs;
    }

    /** The stack with each built service running its content reference; the rest (networks, secrets, configs) kept. */
    static StackSpec withImages(StackSpec stack, List<BuiltImage> images) {
        Map<String, String> references = new java.util.HashMap<>();
        images.forEach(image -> references.put(image.service(), image.reference()));
        List<ServiceSpec> services = new ArrayList<>();
        for (ServiceSpec service : stack.services()) {
            String reference = references.get(service.name());
            services.add(reference == null ? service : service.withTask(service.task().withImage(reference)));
        }
        return new StackSpec(stack.name(), services, stack.networks(), stack.externalNetworks(), stack.files());
    }
}
