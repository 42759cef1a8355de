package io.flotilla.bench;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.command.BuildImageResultCallback;
import io.flotilla.cli.StackFiles;
import io.flotilla.cli.build.BuildContext;
import io.flotilla.compose.BuildSpec;
import io.flotilla.compose.LoadedStack;
import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

/**
 * The daemon's own build time, the floor the goal is measured against: the same builds
 * Flotilla asks for (one after the other, classic builder, API 1.41), posted straight to the
 * Engine API with each context's tar made beforehand, so nothing is timed but the daemon's work and
 * the request. The tars come from Flotilla's own {@link BuildContext} (what it would send).
 */
final class DaemonBuilds {
    private final DockerClient docker;
    private final Set<String> imageIds;

    /** @param imageIds every image this builds is added here, for the cleanup */
    DaemonBuilds(DockerClient docker, Set<String> imageIds) {
        this.docker = docker;
        this.imageIds = imageIds;
    }

    /** Seconds to build every service of {@code contexts} (tagged {@code flbb-daemon-<service>:1}), in file order. */
    double build(BuildContexts contexts) throws Exception {
        LoadedStack loaded = StackFiles.load(contexts.composeFile(), "flbbd");
        List<byte[]> tars = new ArrayList<>();
        List<BuildSpec> specs = List.copyOf(loaded.builds().values());
        for (BuildSpec spec : specs) {
            ByteArrayOutputStream tar = new ByteArrayOutputStream();
            BuildContext.scan(spec).writeTar(tar);
            tars.add(tar.toByteArray());
        }
        long start = System.nanoTime();
        for (int i = 0; i < specs.size(); i++) {
            BuildSpec spec = specs.get(i);
            String id = docker.buildImageCmd(new ByteArrayInputStream(tars.get(i))).withDockerfilePath("Dockerfile")
                    .withTags(Set.of(spec.image())).withRemove(true)
                    .exec(new BuildImageResultCallback()).awaitImageId();
            imageIds.add(id);
        }
        return (System.nanoTime() - start) / 1e9;
    }

    /** Seconds {@link BuildContext#scan} takes over every context of {@code contexts}: Flotilla's content hashing. */
    static double hashing(BuildContexts contexts, String stack) throws Exception {
        LoadedStack loaded = StackFiles.load(contexts.composeFile(), stack);
        long start = System.nanoTime();
        for (BuildSpec spec : loaded.builds().values()) {
            BuildContext.scan(spec).digest();
        }
        return (System.nanoTime() - start) / 1e9;
    }
}
