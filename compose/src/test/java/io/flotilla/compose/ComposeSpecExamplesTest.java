package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.VolumeMount;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * The Compose Specification's own examples for merging files, {@code extends}, {@code include}
 * and {@code profiles} (copied under {@code src/test/resources/spec}, see its README), each
 * against the result the spec gives.
 */
class ComposeSpecExamplesTest {
    private final ComposeLoader loader = new ComposeLoader(Map.of());

    static Path spec(String name) {
        try {
            return Path.of(ComposeSpecExamplesTest.class.getResource("/spec/" + name).toURI());
        } catch (URISyntaxException e) {
            throw new IllegalStateException(e);
        }
    }

    /** The files read and merged as the loader does, before validation and mapping. */
    static JsonNode merged(Path... files) throws ComposeException {
        ComposeFileLoader fileLoader = new ComposeFileLoader(variable -> {});
        YamlTreeReader.Document document = ComposeMerger.empty(files[0]);
        for (Path file : files) {
            document = ComposeMerger.merge(document, fileLoader.load(file, files[0].getParent(), Map.of(), List.of()));
        }
        return document.root();
    }

    static JsonNode yaml(Path file) throws Exception {
        return YamlTreeReader.read(file, Files.readString(file)).root();
    }

    @ParameterizedTest
    @ValueSource(strings = {"mapping", "sequence", "command", "volumes", "reset", "override"})
    void mergingTwoFilesGivesWhatTheSpecSays(String example) throws Exception {
        Path directory = spec("merge/" + example);
        assertThat(merged(directory.resolve("compose.yaml"), directory.resolve("override.yaml")))
                .isEqualTo(yaml(directory.resolve("expected.yaml")));
    }

    @ParameterizedTest
    @ValueSource(strings = {"env", "volumes", "chain", "sequence"})
    void extendsGivesTheCliServiceTheSpecShows(String example) throws Exception {
        Path directory = spec("extends/" + example);
        assertThat(merged(directory.resolve("compose.yaml")).path("services").path("cli"))
                .isEqualTo(yaml(directory.resolve("expected.yaml")));
    }

    @Test
    void extendsWithTheListSyntaxMergesTheEnvironmentTheSameWay(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("compose.yaml");
        Files.writeString(file, Files.readString(spec("extends/env/compose.yaml"))
                .replace("TZ: utc", "- TZ=utc").replace("PORT: 80\n", "- PORT=80\n").replace("PORT: 8080", "- PORT=8080"));
        assertThat(file).content().contains("- PORT=8080");
        ServiceSpec cli = service(loader.load(file, "s"), "cli");
        assertThat(cli.task().environment()).isEqualTo(Map.of("PORT", "8080", "TZ", "utc"));
        assertThat(cli.task().image()).isEqualTo("busybox");
    }

    @Test
    void profilesEnableTheServicesTheSpecLists() throws ComposeException {
        Path file = spec("profiles/compose.yaml");
        assertThat(names(loader.load(List.of(file), "s", List.of()))).containsExactly("foo");
        assertThat(names(loader.load(List.of(file), "s", List.of("test")))).containsExactly("foo", "bar", "baz");
        assertThat(names(loader.load(List.of(file), "s", List.of("debug", "test"))))
                .containsExactly("foo", "bar", "baz", "zot");
        assertThat(names(loader.load(List.of(file), "s", List.of("*")))).containsExactly("foo", "bar", "baz", "zot");
    }

    @Test
    void theDebugProfileAloneIsInvalidBecauseZotNeedsTheDisabledBar() {
        assertThatThrownBy(() -> loader.load(List.of(spec("profiles/compose.yaml")), "s", List.of("debug")))
                .isInstanceOf(ComposeException.class)
                .hasMessageContaining("compose.yaml:17:")
                .hasMessageContaining("services.zot.depends_on[0]")
                .hasMessageContaining("service \"bar\" is required by \"zot\" but is disabled."
                        + " Can be enabled by profiles [test]");
    }

    @Test
    void composeProfilesSetsTheProfilesWhenNoneAreGiven() throws ComposeException {
        ComposeLoader withVariable = new ComposeLoader(Map.of("COMPOSE_PROFILES", "debug, test"));
        assertThat(names(withVariable.load(List.of(spec("profiles/compose.yaml")), "s", List.of())))
                .containsExactly("foo", "bar", "baz", "zot");
        assertThat(names(withVariable.load(List.of(spec("profiles/compose.yaml")), "s", List.of("test"))))
                .containsExactly("foo", "bar", "baz");
    }

    @Test
    void anIncludedServiceCanBeDependedOnAsIfDeclaredHere() throws ComposeException {
        Path directory = spec("include/short");
        LoadedStack loaded = loader.load(directory.resolve("compose.yaml"), "s");
        assertThat(names(loaded)).containsExactly("serviceA", "serviceB");
        assertThat(service(loaded, "serviceA").dependsOn().getFirst().service()).isEqualTo("serviceB");
        ServiceSpec b = service(loaded, "serviceB");
        assertThat(b.task().image()).isEqualTo("service-b:from-included-dotenv");
        assertThat(b.task().environment()).containsEntry("WHO", "b");
    }

    @Test
    void theLongSyntaxLoadsWithItsProjectDirectoryAndEnvFile() throws ComposeException {
        Path root = spec("include/long");
        LoadedStack loaded = loader.load(root.resolve("app/compose.yaml"), "s");
        assertThat(names(loaded)).containsExactly("webapp", "common");
        ServiceSpec common = service(loaded, "common");
        assertThat(common.task().image()).isEqualTo("common:from-another-env");
        VolumeMount data = common.task().volumes().getFirst();
        assertThat(data.source()).isEqualTo(root.resolve("data").toString());
    }

    static List<String> names(LoadedStack loaded) {
        return loaded.stack().services().stream().map(ServiceSpec::shortName).toList();
    }

    static ServiceSpec service(LoadedStack loaded, String name) {
        return loaded.stack().services().stream().filter(s -> s.shortName().equals(name)).findFirst().orElseThrow();
    }
}
