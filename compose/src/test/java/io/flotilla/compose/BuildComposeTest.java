package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/** {@code build:} as Compose writes it, mapped to the {@link BuildSpec} the CLI builds from. */
class BuildComposeTest {
    @TempDir Path directory;

    @BeforeEach
    void contexts() throws IOException {
        Files.createDirectories(directory.resolve("web/docker"));
        Files.writeString(directory.resolve("web/Dockerfile"), "FROM scratch\n");
        Files.writeString(directory.resolve("web/docker/Prod.Dockerfile"), "FROM scratch\n");
    }

    private LoadedStack load(String yaml, Map<String, String> environment) throws Exception {
        Path file = directory.resolve("compose.yaml");
        Files.writeString(file, yaml);
        return new ComposeLoader(environment).load(file, "shop");
    }

    private static ServiceSpec service(LoadedStack loaded, String name) {
        return loaded.stack().services().stream().filter(s -> s.shortName().equals(name)).findFirst().orElseThrow();
    }

    @Test
    void shortSyntaxIsAContextWithItsDockerfileAndTheImageIsNamedAfterStackAndService() throws Exception {
        LoadedStack loaded = load("services:\n  web:\n    build: ./web\n", Map.of());

        BuildSpec build = loaded.builds().get("shop_web");
        assertThat(build).isEqualTo(new BuildSpec("shop_web", "shop_web", directory.resolve("web"), "Dockerfile", null,
                Map.of(), null, Map.of(), List.of(), false, false));
        assertThat(service(loaded, "web").task().image()).isEqualTo("shop_web");
        assertThat(service(loaded, "web").task().driver()).isEqualTo(TaskTemplate.DOCKER);
        assertThat(service(loaded, "web").task().pullPolicy()).as("from the cluster's store, never a registry")
                .isEqualTo("build");
        assertThat(loaded.warnings()).isEmpty();
    }

    @Test
    void longSyntaxKeepsEveryOptionAndImageNamesTheTag() throws Exception {
        LoadedStack loaded = load("""
                services:
                  web:
                    image: registry.example/web:2
                    build:
                      context: web
                      dockerfile: docker/Prod.Dockerfile
                      args: {GREETING: hello, FROM_ENV: null}
                      target: runtime
                      labels: [team=a]
                      cache_from: [web:cache]
                      no_cache: true
                      pull: true
                      ssh: [default]
                """, Map.of("FROM_ENV", "env-value"));

        BuildSpec build = loaded.builds().get("shop_web");
        assertThat(build).isEqualTo(new BuildSpec("shop_web", "registry.example/web:2", directory.resolve("web"),
                "docker/Prod.Dockerfile", null, Map.of("GREETING", "hello", "FROM_ENV", "env-value"), "runtime",
                Map.of("team", "a"), List.of("web:cache"), true, true));
        assertThat(service(loaded, "web").task().image()).isEqualTo("registry.example/web:2");
        assertThat(loaded.warnings()).containsExactly("Ignoring unsupported options: build.ssh");
    }

    @Test
    void inlineDockerfileAndArgsAsAList() throws Exception {
        LoadedStack loaded = load("""
                services:
                  api:
                    build:
                      context: web
                      dockerfile_inline: |
                        FROM scratch
                      args: [A=1, UNSET]
                """, Map.of());

        BuildSpec build = loaded.builds().get("shop_api");
        assertThat(build.dockerfile()).isNull();
        assertThat(build.dockerfileInline()).isEqualTo("FROM scratch\n");
        assertThat(build.args()).isEqualTo(Map.of("A", "1"));
    }

    @Test
    void aServiceWithoutBuildHasNoBuildSpec() throws Exception {
        assertThat(load("services:\n  web:\n    image: nginx\n", Map.of()).builds()).isEmpty();
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
        "build: ./nowhere| 3 | services.web.build| build context",
        "build: https://github.com/x/y.git| 3 | services.web.build| is not a local directory",
        "build: {context: web, dockerfile: Missing}| 3 | services.web.build.dockerfile| does not exist",
        "build: {context: web, dockerfile: ../../etc/passwd}| 3 | services.web.build.dockerfile| outside the build context",
        "build: {context: web, dockerfile: Dockerfile, dockerfile_inline: x}| 3 | services.web.build.dockerfile_inline"
                + "| exclusive",
        "build: web\\n    x-flotilla: {driver: process}| 3 | services.web.build| not with the process driver",
    })
    void badBuildsAreRefusedWithFileLineAndKey(String service, int line, String key, String message) throws IOException {
        Path file = directory.resolve("compose.yaml");
        Files.writeString(file, "services:\n  web:\n    " + service.replace("\\n", "\n") + "\n");
        ComposeException error = catchThrowableOfType(ComposeException.class,
                () -> new ComposeLoader(Map.of()).load(file, "shop"));
        assertThat(error).as(service).isNotNull();
        assertThat(error.file()).isEqualTo(file);
        assertThat(error.key()).as(error.getMessage()).isEqualTo(key);
        assertThat(error.line()).as(error.getMessage()).isEqualTo(line);
        assertThat(error.getMessage()).contains(message);
    }
}
