package io.flotilla.cli.build;

import com.github.dockerjava.api.exception.NotFoundException;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.cli.DockerRequirement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * The real daemon and the offline test image for build tests, as every Docker test gets them
 * ({@link DockerRequirement}). Images these tests make are named {@code flbld-test/…} and removed.
 */
final class BuildDocker {
    static final String BASE = "flotilla-test/busybox:1";
    static final String REPOSITORY = "flbld-test/";

    private BuildDocker() {}

    /** The daemon, with the offline test image made ({@link DockerRequirement}). */
    static DockerDaemon require() throws Exception {
        return DockerRequirement.require();
    }

    /** Removes every image of the test repositories (all their tags). */
    static void removeTestImages(DockerDaemon daemon) {
        daemon.client().listImagesCmd().exec().forEach(image -> {
            for (String tag : image.getRepoTags() == null ? new String[0] : image.getRepoTags()) {
                if (tag.startsWith(REPOSITORY)) {
                    try {
                        daemon.client().removeImageCmd(tag).withForce(true).exec();
                    } catch (NotFoundException e) {
                        // gone already
                    }
                }
            }
        });
    }

    /** {@code docker run --rm --network none IMAGE ARGS} on the daemon at {@code host}: its output. */
    static String run(String host, String image, String... args) throws IOException, InterruptedException {
        List<String> command = new java.util.ArrayList<>(List.of("docker", "-H", host, "run", "--rm", "--network", "none", image));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!process.waitFor(60, TimeUnit.SECONDS) || process.exitValue() != 0) {
            throw new IOException(command + " failed: " + out);
        }
        return out;
    }
}
