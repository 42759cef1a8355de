package io.flotilla.cli.build;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.async.ResultCallback;
import com.github.dockerjava.api.command.BuildImageCmd;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.model.BuildResponseItem;
import io.flotilla.agent.driver.docker.DaemonErrors;
import io.flotilla.compose.BuildSpec;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashSet;
import java.util.Set;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

/**
 * Builds a service's image through the Docker Engine API (the daemon the CLI talks to: {@code
 * DOCKER_HOST} or the default socket) and tags it by the content of its input: {@code
 * <repository>:build-<first 16 hex digits of the context digest>}, plus the name {@code image:}
 * gives (as Compose tags it). When the content tag already exists nothing is built, so an unchanged
 * service keeps the same reference in its spec and the cluster leaves its tasks alone. The daemon's
 * output goes to {@code progress} line by line.
 */
public final class ImageBuilder {
    public static final String TAG_PREFIX = "build-";
    private static final int TAG_DIGITS = 16;

    private final DockerClient client;

    public ImageBuilder(DockerClient client) {
        this.client = client;
    }

    /** The reference a build with this digest is tagged with. */
    public static String contentReference(String image, String digest) {
        return repository(image) + ":" + TAG_PREFIX + digest.substring(0, TAG_DIGITS);
    }

    /** {@code image} without its tag or digest ({@code host:5000/web:2} → {@code host:5000/web}). */
    static String repository(String image) {
        String name = image;
        int at = name.indexOf('@');
        if (at >= 0) {
            name = name.substring(0, at);
        }
        int colon = name.lastIndexOf(':');
        return colon > name.lastIndexOf('/') ? name.substring(0, colon) : name;
    }

    /** Builds {@code spec} unless its content tag exists (or {@code no_cache}/{@code pull} ask for a build). */
    public BuiltImage build(BuildSpec spec, Consumer<String> progress) throws BuildException {
        BuildContext context;
        try {
            context = BuildContext.scan(spec);
        } catch (IOException e) {
            throw new BuildException("service " + spec.service() + ": cannot read the build context " + spec.context()
                    + ": " + e.getMessage(), e);
        }
        String reference = contentReference(spec.image(), context.digest());
        String existing = imageId(reference);
        if (existing != null && !spec.noCache() && !spec.pull()) {
            progress.accept("unchanged, " + reference);
            return new BuiltImage(spec.service(), reference, existing, false);
        }
        Path tar = null;
        try {
            tar = Files.createTempFile("flotilla-build-", ".tar");
            try (OutputStream out = Files.newOutputStream(tar)) {
                context.writeTar(out);
            }
            try (InputStream in = Files.newInputStream(tar)) {
                run(spec, context, reference, in, progress);
            }
        } catch (IOException e) {
            throw new BuildException("service " + spec.service() + ": cannot send the build context: " + e.getMessage(), e);
        } finally {
            if (tar != null) {
                try {
                    Files.deleteIfExists(tar);
                } catch (IOException e) {
                    // a temporary file left behind
                }
            }
        }
        String id = imageId(reference);
        if (id == null) {
            throw new BuildException("service " + spec.service() + ": the daemon reported no error, but has no image "
                    + reference);
        }
        return new BuiltImage(spec.service(), reference, id, true);
    }

    private void run(BuildSpec spec, BuildContext context, String reference, InputStream tar, Consumer<String> progress)
            throws BuildException {
        Set<String> tags = new LinkedHashSet<>();
        tags.add(reference);
        tags.add(spec.image());
        BuildImageCmd command = client.buildImageCmd(tar).withDockerfilePath(context.dockerfilePath()).withTags(tags)
                .withNoCache(spec.noCache()).withPull(spec.pull()).withRemove(true);
        spec.args().forEach(command::withBuildArg);
        if (spec.target() != null) {
            command.withTarget(spec.target());
        }
        if (!spec.labels().isEmpty()) {
            command.withLabels(spec.labels());
        }
        if (!spec.cacheFrom().isEmpty()) {
            command.withCacheFrom(new LinkedHashSet<>(spec.cacheFrom()));
        }
        AtomicReference<String> step = new AtomicReference<>();
        AtomicReference<String> error = new AtomicReference<>();
        try {
            command.exec(new ResultCallback.Adapter<BuildResponseItem>() {
                @Override
                public void onNext(BuildResponseItem item) {
                    if (item.getStream() != null) {
                        for (String line : item.getStream().split("\n")) {
                            if (!line.isBlank()) {
                                if (line.startsWith("Step ")) {
                                    step.set(line.strip());
                                }
                                progress.accept(line.stripTrailing());
                            }
                        }
                    }
                    if (item.getErrorDetail() != null && item.getErrorDetail().getMessage() != null) {
                        error.set(item.getErrorDetail().getMessage());
                    } else if (item.getError() != null) {
                        error.set(item.getError());
                    }
                }

                @Override
                public void onError(Throwable throwable) {
                    error.set(DaemonErrors.reason(throwable));
                    try {
                        close();
                    } catch (IOException e) {
                        // closing anyway
                    }
                }
            }).awaitCompletion();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new BuildException("service " + spec.service() + ": build interrupted", e);
        } catch (RuntimeException e) {
            error.set(DaemonErrors.reason(e));
        }
        if (error.get() != null) {
            String where = step.get() == null ? "" : " at " + step.get();
            throw new BuildException("service " + spec.service() + ": build failed" + where + ": " + error.get().strip());
        }
    }

    private String imageId(String reference) throws BuildException {
        try {
            return client.inspectImageCmd(reference).exec().getId();
        } catch (NotFoundException e) {
            return null;
        } catch (RuntimeException e) {
            throw new BuildException("cannot inspect image " + reference + ": " + DaemonErrors.reason(e), e);
        }
    }
}
