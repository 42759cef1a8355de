package io.flotilla.compose;

import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * How to build one service's image, from its {@code build:} key: what the CLI hands to the Docker
 * Engine's build API. The cluster never sees it (it receives the built image's reference in the
 * service's {@code image}); it lives beside the stack in {@link LoadedStack}.
 *
 * @param service          the service's full name ({@code <stack>_<service>})
 * @param image            the name the built image is tagged with: {@code image:} when given (as Compose),
 *                         else {@code <stack>_<service>}
 * @param context          the build context, an absolute directory
 * @param dockerfile       the Dockerfile's path relative to the context ({@code Dockerfile} by default);
 *                         null when {@code dockerfileInline} is given
 * @param dockerfileInline the Dockerfile's text from {@code dockerfile_inline}, or null
 * @param args             build arguments; a null value takes the variable's value from the environment, as
 *                         Compose does (already resolved here, so no null remains)
 * @param target           the stage to build, or null for the last one
 * @param labels           labels set on the built image
 * @param cacheFrom        images the daemon may use as cache sources
 * @param noCache          build without the daemon's cache
 * @param pull             always try to pull a newer version of the base images
 */
public record BuildSpec(String service, String image, Path context, String dockerfile, String dockerfileInline,
                        Map<String, String> args, String target, Map<String, String> labels, List<String> cacheFrom,
                        boolean noCache, boolean pull) {
    public BuildSpec {
        Objects.requireNonNull(service, "service");
        Objects.requireNonNull(image, "image");
        Objects.requireNonNull(context, "context");
        if ((dockerfile == null) == (dockerfileInline == null)) {
            throw new IllegalArgumentException("exactly one of dockerfile and dockerfileInline");
        }
        args = Map.copyOf(args);
        labels = Map.copyOf(labels);
        cacheFrom = List.copyOf(cacheFrom);
    }
}
