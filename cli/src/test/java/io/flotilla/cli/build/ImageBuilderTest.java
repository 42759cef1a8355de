package io.flotilla.cli.build;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.compose.BuildSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** Builds through the real daemon, from Dockerfiles FROM the offline test image. */
class ImageBuilderTest {
    private static DockerDaemon daemon;
    @TempDir Path context;
    private final List<String> output = new ArrayList<>();

    @BeforeAll
    static void docker() throws Exception {
        daemon = BuildDocker.require();
    }

    @AfterAll
    static void cleanUp() {
        if (daemon != null) {
            BuildDocker.removeTestImages(daemon);
            daemon.close();
        }
    }

    @BeforeEach
    void writeContext() throws Exception {
        Files.writeString(context.resolve("Dockerfile"), """
                FROM %s AS base
                ARG GREETING=none
                RUN echo "$GREETING" > /greeting
                COPY app.txt /app.txt
                FROM base AS runtime
                CMD ["sh", "-c", "cat /greeting /app.txt"]
                FROM base AS broken
                RUN exit 7
                """.formatted(BuildDocker.BASE));
        Files.writeString(context.resolve("app.txt"), "app v1\n");
        Files.writeString(context.resolve(".dockerignore"), "notes/\n*.log\n");
        Files.createDirectories(context.resolve("notes"));
        Files.writeString(context.resolve("notes/todo.txt"), "later\n");
    }

    private BuildSpec spec(Map<String, String> args, String target) {
        return new BuildSpec("shop_web", BuildDocker.REPOSITORY + "web", context, "Dockerfile", null, args, target,
                Map.of("team", "a"), List.of(), false, false);
    }

    private BuiltImage build(BuildSpec spec) throws BuildException {
        return new ImageBuilder(daemon.client()).build(spec, output::add);
    }

    @Test
    void buildsTheTargetStageWithItsArgsAndTagsItByContent() throws Exception {
        BuiltImage image = build(spec(Map.of("GREETING", "hello"), "runtime"));

        assertThat(image.built()).isTrue();
        assertThat(image.reference()).matches("flbld-test/web:build-[0-9a-f]{16}");
        assertThat(output).anyMatch(line -> line.startsWith("Step 1/"));
        assertThat(BuildDocker.run(daemon.host(), image.reference())).isEqualTo("hello\napp v1\n");
        assertThat(daemon.client().inspectImageCmd(BuildDocker.REPOSITORY + "web").exec().getId())
                .as("image: names a tag too").isEqualTo(image.imageId());
        assertThat(daemon.client().inspectImageCmd(image.reference()).exec().getConfig().getLabels())
                .containsEntry("team", "a");
    }

    @Test
    void aSecondBuildOfTheSameInputBuildsNothing() throws Exception {
        BuiltImage first = build(spec(Map.of("GREETING", "again"), "runtime"));
        output.clear();
        Files.writeString(context.resolve("notes/todo.txt"), "ignored by .dockerignore\n");
        Files.writeString(context.resolve("debug.log"), "ignored too\n");
        Files.setLastModifiedTime(context.resolve("app.txt"), java.nio.file.attribute.FileTime.fromMillis(0));

        BuiltImage second = build(spec(Map.of("GREETING", "again"), "runtime"));

        assertThat(second.built()).isFalse();
        assertThat(second.reference()).isEqualTo(first.reference());
        assertThat(second.imageId()).isEqualTo(first.imageId());
        assertThat(output).noneMatch(line -> line.startsWith("Step "));
    }

    @Test
    void theTagChangesWithTheContextTheArgsAndTheTarget() throws Exception {
        String base = BuildContext.scan(spec(Map.of("GREETING", "x"), "runtime")).digest();
        assertThat(BuildContext.scan(spec(Map.of("GREETING", "y"), "runtime")).digest()).isNotEqualTo(base);
        assertThat(BuildContext.scan(spec(Map.of("GREETING", "x"), "base")).digest()).isNotEqualTo(base);
        Files.writeString(context.resolve("app.txt"), "app v2\n");
        String changed = BuildContext.scan(spec(Map.of("GREETING", "x"), "runtime")).digest();
        assertThat(changed).isNotEqualTo(base);
        Files.writeString(context.resolve("app.txt"), "app v1\n");
        assertThat(BuildContext.scan(spec(Map.of("GREETING", "x"), "runtime")).digest()).as("stable").isEqualTo(base);
        context.resolve("app.txt").toFile().setExecutable(true);
        assertThat(BuildContext.scan(spec(Map.of("GREETING", "x"), "runtime")).digest()).as("mode").isNotEqualTo(base);
    }

    @Test
    void aFailedStepNamesTheServiceTheStepAndTheDaemonsMessage() {
        BuildException error = catchThrowableOfType(BuildException.class, () -> build(spec(Map.of(), "broken")));

        assertThat(error).isNotNull();
        assertThat(error.getMessage()).startsWith("service shop_web: build failed at Step ")
                .contains("RUN exit 7").contains("returned a non-zero code: 7");
    }

    @Test
    void anInlineDockerfileIsBuilt() throws Exception {
        BuildSpec inline = new BuildSpec("shop_api", BuildDocker.REPOSITORY + "api:2", context, null,
                "FROM " + BuildDocker.BASE + "\nCMD [\"echo\", \"inline\"]\n", Map.of(), null, Map.of(), List.of(),
                false, false);

        BuiltImage image = build(inline);

        assertThat(image.reference()).startsWith("flbld-test/api:build-");
        assertThat(BuildDocker.run(daemon.host(), image.reference())).isEqualTo("inline\n");
    }
}
