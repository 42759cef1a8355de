package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.DiscoverySpec.OnDependencyChange;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/** {@code x-flotilla: {requires, on_dependency_change}} into {@link DiscoverySpec}, and its errors. */
class DiscoveryMapperTest {
    @TempDir
    Path dir;

    record Row(String flotilla, DiscoverySpec expected) {
        @Override
        public String toString() {
            return flotilla;
        }
    }

    static Stream<Row> rows() {
        return Stream.of(
                new Row("{driver: process}", DiscoverySpec.NONE),
                new Row("{on_dependency_change: ignore}", DiscoverySpec.NONE),
                new Row("{requires: [billing_api, ledger.billing]}", new DiscoverySpec(
                        List.of("billing_api", "billing_ledger"), new OnDependencyChange.Ignore())),
                new Row("{on_dependency_change: restart}", new DiscoverySpec(List.of(), new OnDependencyChange.Restart())),
                new Row("{on_dependency_change: \"signal:SIGHUP\"}", new DiscoverySpec(List.of(),
                        new OnDependencyChange.Signal("SIGHUP"))),
                new Row("{on_dependency_change: \"signal:usr1\"}", new DiscoverySpec(List.of(),
                        new OnDependencyChange.Signal("SIGUSR1"))),
                new Row("{on_dependency_change: {signal: SIGUSR2}}", new DiscoverySpec(List.of(),
                        new OnDependencyChange.Signal("SIGUSR2"))),
                new Row("{requires: [db.other], on_dependency_change: {exec: [./reload, --now]}}", new DiscoverySpec(
                        List.of("other_db"), new OnDependencyChange.Exec(List.of("./reload", "--now")))),
                new Row("{on_dependency_change: {exec: \"./reload 'a b'\"}}", new DiscoverySpec(List.of(),
                        new OnDependencyChange.Exec(List.of("./reload", "a b")))));
    }

    private Path file(String flotilla) throws IOException {
        Path file = dir.resolve("compose.yaml");
        Files.writeString(file, """
                services:
                  web:
                    command: ["sleep", "60"]
                    x-flotilla: %s
                """.formatted(flotilla));
        return file;
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("rows")
    void mapsThePolicy(Row row) throws Exception {
        LoadedStack loaded = new ComposeLoader(Map.of()).load(file(row.flotilla()), "shop");
        assertThat(loaded.stack().services().getFirst().task().discovery()).isEqualTo(row.expected());
        assertThat(loaded.warnings()).isEmpty();
        LoadedStack again = new ComposeLoader(Map.of()).load(writeNormalized(loaded), "shop");
        assertThat(again.stack().services().getFirst().task().discovery()).isEqualTo(row.expected());
    }

    private Path writeNormalized(LoadedStack loaded) throws IOException {
        Path normalized = dir.resolve("normalized.yaml");
        Files.writeString(normalized, loaded.normalizedYaml());
        return normalized;
    }

    @Test
    void refusesAnUnknownPolicyWithLineColumnAndKey() throws IOException {
        Path file = file("{on_dependency_change: reboot}");
        ComposeException error = catchThrowableOfType(ComposeException.class,
                () -> new ComposeLoader(Map.of()).load(file, "shop"));
        assertThat(error).isNotNull();
        assertThat(error.line()).isEqualTo(4);
        assertThat(error.key()).isEqualTo("services.web.x-flotilla.on_dependency_change");
        assertThat(error.getMessage()).contains("must be ignore, restart, signal:SIGNAL");
    }

    @Test
    void refusesABadRequiresEntryAndAnUnknownMapping() throws IOException {
        ComposeException notAName = catchThrowableOfType(ComposeException.class,
                () -> new ComposeLoader(Map.of()).load(file("{requires: [\"bad name\"]}"), "shop"));
        assertThat(notAName.key()).isEqualTo("services.web.x-flotilla.requires[0]");
        ComposeException unknown = catchThrowableOfType(ComposeException.class,
                () -> new ComposeLoader(Map.of()).load(file("{on_dependency_change: {run: [x]}}"), "shop"));
        assertThat(unknown.key()).isEqualTo("services.web.x-flotilla.on_dependency_change.run");
    }
}
