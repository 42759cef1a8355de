package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.agent.driver.docker.DockerDaemon;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stack build} and the build step of {@code stack deploy}, run as the user runs them (in-process). */
class StackBuildCommandTest {
    private static DockerDaemon docker;
    @TempDir Path dir;

    @BeforeAll
    static void requireDocker() throws Exception {
        docker = DockerRequirement.require();
    }

    @AfterAll
    static void removeImages() {
        if (docker != null) {
            docker.client().listImagesCmd().exec().forEach(image -> {
                for (String tag : image.getRepoTags() == null ? new String[0] : image.getRepoTags()) {
                    if (tag.startsWith("flbld-cmd/")) {
                        docker.client().removeImageCmd(tag).withForce(true).exec();
                    }
                }
            });
            docker.close();
        }
    }

    private Path stack(String dockerfile) throws Exception {
        Files.createDirectories(dir.resolve("web"));
        Files.writeString(dir.resolve("web/Dockerfile"), dockerfile);
        Files.writeString(dir.resolve("compose.yaml"), """
                services:
                  web: {build: ./web, image: flbld-cmd/web}
                  db: {image: %s}
                """.formatted(DockerRequirement.IMAGE));
        return dir.resolve("compose.yaml");
    }

    @Test
    void stackBuildBuildsWithPrefixedProgressAndASecondRunBuildsNothing() throws Exception {
        Path file = stack("FROM " + DockerRequirement.IMAGE + "\nRUN echo built > /built\n");

        var first = Cli.run(null, "stack", "build", "-c", file.toString(), "--stack", "shop");
        assertThat(first.exitCode()).as(first.toString()).isZero();
        assertThat(first.out()).contains("web | Step 2/2 : RUN echo built > /built", "web | built flbld-cmd/web:build-");

        var second = Cli.run(null, "stack", "build", "-c", file.toString(), "--stack", "shop", "web");
        assertThat(second.exitCode()).as(second.toString()).isZero();
        assertThat(second.out()).contains("web | up to date: flbld-cmd/web:build-").doesNotContain("Step ");

        var unknown = Cli.run(null, "stack", "build", "-c", file.toString(), "--stack", "shop", "db");
        assertThat(unknown.exitCode()).isEqualTo(1);
        assertThat(unknown.err()).contains("stack shop has no service db with build:");
    }

    @Test
    void aFailedBuildDeploysNothing() throws Exception {
        Path file = stack("FROM " + DockerRequirement.IMAGE + "\nRUN echo oops && exit 3\n");
        int closedPort;
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            closedPort = socket.getLocalPort();
        }

        var deploy = Cli.run("127.0.0.1:" + closedPort, "stack", "deploy", "-c", file.toString(), "shop");

        assertThat(deploy.exitCode()).isEqualTo(1);
        assertThat(deploy.err()).contains("Error: service shop_web: build failed at Step 2/2 : RUN echo oops && exit 3:",
                "returned a non-zero code: 3", "nothing deployed");
        assertThat(deploy.out()).contains("web | oops").doesNotContain("Creating service");
    }
}
