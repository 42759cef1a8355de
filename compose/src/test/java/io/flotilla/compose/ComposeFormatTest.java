package io.flotilla.compose;

import static io.flotilla.compose.ComposeSpecExamplesTest.names;
import static io.flotilla.compose.ComposeSpecExamplesTest.service;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.ServiceSpec;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The rest of the Compose format beyond the spec's examples: several files, {@code extends}
 * across files, {@code include}'s rules, {@code env_file}'s long syntax, and what is refused
 * (with file, line and key) or ignored without a warning.
 */
class ComposeFormatTest {
    @TempDir Path tmp;
    private final ComposeLoader loader = new ComposeLoader(Map.of("HOME", "/home/tester"));

    private Path write(String name, String text) throws IOException {
        Path file = tmp.resolve(name);
        Files.createDirectories(file.getParent());
        Files.writeString(file, text);
        return file;
    }

    @Test
    void severalFilesMergeInOrderWithPathsRelativeToTheFirstFilesDirectory() throws Exception {
        Path base = write("app/compose.yaml", """
                services:
                  web:
                    image: web:1
                    environment: [A=1, B=1]
                    volumes: ["./data:/data", "logs:/logs"]
                volumes:
                  logs: {}
                """);
        write("app/.env", "TAG=from-dotenv\n");
        Path override = write("overrides/prod.yaml", """
                services:
                  web:
                    image: web:${TAG}
                    environment:
                      B: "2"
                    volumes: ["./prod-data:/data"]
                  worker:
                    image: worker
                """);
        LoadedStack loaded = loader.load(List.of(base, override), "s");
        assertThat(names(loaded)).containsExactly("web", "worker");
        ServiceSpec web = service(loaded, "web");
        assertThat(web.task().image()).isEqualTo("web:from-dotenv");
        assertThat(web.task().environment()).isEqualTo(Map.of("A", "1", "B", "2"));
        assertThat(web.task().volumes()).hasSize(2);
        assertThat(web.task().volumes().getFirst().source()).isEqualTo(tmp.resolve("app/prod-data").toString());
        assertThat(web.task().volumes().getFirst().target()).isEqualTo("/data");
    }

    @Test
    void aLaterFilesIncludeAndExtendsPathsAreRelativeToTheProjectDirectoryAsInComposeGo() throws Exception {
        Path base = write("app/compose.yaml", """
                services:
                  web: {image: web}
                """);
        write("app/common.yaml", """
                services:
                  base: {image: from-app-common}
                """);
        write("app/lib/compose.yaml", """
                services:
                  db: {image: db, volumes: ["./data:/data"]}
                """);
        Path override = write("overrides/dev.yaml", """
                include: [lib/compose.yaml]
                services:
                  web:
                    extends: {file: common.yaml, service: base}
                """);
        LoadedStack loaded = loader.load(List.of(base, override), "s");
        assertThat(service(loaded, "web").task().image()).isEqualTo("from-app-common");
        assertThat(service(loaded, "db").task().volumes().getFirst().source())
                .isEqualTo(tmp.resolve("app/lib/data").toString());
    }

    @Test
    void dependsOnAndNetworksMergeByNameWhenOneFileListsAndTheOtherMaps() throws Exception {
        Path base = write("compose.yaml", """
                services:
                  web:
                    image: web
                    depends_on: [db]
                    networks: [front]
                  db: {image: db}
                  cache: {image: cache, healthcheck: {test: [CMD, "true"]}}
                networks:
                  front: {}
                  back: {}
                """);
        Path override = write("override.yaml", """
                services:
                  web:
                    depends_on:
                      cache: {condition: service_healthy}
                    networks:
                      back: {aliases: [api]}
                """);
        ServiceSpec web = service(loader.load(List.of(base, override), "s"), "web");
        assertThat(web.dependsOn()).extracting(d -> d.service() + ":" + d.condition())
                .containsExactly("db:service_started", "cache:service_healthy");
        assertThat(web.task().networks()).hasSize(2);
    }

    @Test
    void portsMergeByAddressPublishedTargetAndProtocolWhateverTheSyntax() throws Exception {
        Path base = write("compose.yaml", """
                services:
                  web:
                    image: web
                    ports: ["8080:80", "9000:9000/udp"]
                """);
        Path override = write("override.yaml", """
                services:
                  web:
                    ports:
                      - {target: 80, published: "8080", mode: host}
                      - "9000:9000"
                """);
        assertThat(service(loader.load(List.of(base, override), "s"), "web").ports())
                .extracting(p -> p.published() + ":" + p.target() + "/" + p.protocol() + " " + p.mode())
                .containsExactly("8080:80/tcp host", "9000:9000/udp ingress", "9000:9000/tcp ingress");
    }

    @Test
    void aResetInTheFirstFileLeavesNothing() throws Exception {
        Path file = write("compose.yaml", """
                services:
                  web:
                    image: web
                    ports: !reset ["80:80"]
                """);
        assertThat(service(loader.load(file, "s"), "web").ports()).isEmpty();
    }

    @Test
    void extendsFromAnotherFileResolvesThatFilesPathsAgainstItsDirectory() throws Exception {
        write("common/base.yaml", """
                services:
                  root:
                    image: base
                    env_file: ./base.env
                    volumes: ["./conf:/conf"]
                  base:
                    extends: root
                    environment: {LEVEL: base}
                """);
        write("common/base.env", "FROM_BASE_FILE=yes\n");
        Path file = write("app/compose.yaml", """
                services:
                  web:
                    extends:
                      file: ../common/base.yaml
                      service: base
                    environment: {LEVEL: web}
                """);
        ServiceSpec web = service(loader.load(file, "s"), "web");
        assertThat(web.task().image()).isEqualTo("base");
        assertThat(web.task().environment()).isEqualTo(Map.of("FROM_BASE_FILE", "yes", "LEVEL", "web"));
        assertThat(web.task().volumes().getFirst().source()).isEqualTo(tmp.resolve("common/conf").toString());
    }

    @Test
    void anExtendsCycleIsRefusedNamingTheChain() throws Exception {
        Path file = write("compose.yaml", """
                services:
                  a:
                    image: x
                    extends: b
                  b:
                    extends:
                      service: a
                """);
        assertThatThrownBy(() -> loader.load(file, "s")).isInstanceOf(ComposeException.class)
                .hasMessageContaining("compose.yaml:4:")
                .hasMessageContaining("services.a.extends: extends cycle: a (" + file + ") -> b (" + file + ") -> a");
    }

    @Test
    void extendingAMissingServiceOrFileIsRefused() throws Exception {
        Path missingService = write("one.yaml", """
                services:
                  web:
                    extends: {service: nope}
                """);
        assertThatThrownBy(() -> loader.load(missingService, "s")).hasMessageContaining("one.yaml:3:")
                .hasMessageContaining("services.web.extends: cannot extend service \"nope\": no such service in");
        Path missingFile = write("two.yaml", """
                services:
                  web:
                    extends: {service: base, file: gone.yaml}
                """);
        assertThatThrownBy(() -> loader.load(missingFile, "s")).hasMessageContaining("two.yaml:3:")
                .hasMessageContaining("services.web.extends.file: extends file " + tmp.resolve("gone.yaml")
                        + " not found");
    }

    @Test
    void anIncludeCycleIsRefused() throws Exception {
        Path file = write("compose.yaml", """
                include: [other.yaml]
                services:
                  web: {image: web}
                """);
        write("other.yaml", """
                include: [compose.yaml]
                services:
                  db: {image: db}
                """);
        assertThatThrownBy(() -> loader.load(file, "s")).hasMessageContaining("other.yaml:1:")
                .hasMessageContaining("include[0]: include cycle: " + file + " -> " + tmp.resolve("other.yaml")
                        + " -> " + file);
    }

    @Test
    void anIncludedResourceDefinedDifferentlyIsRefusedNamingBothFiles() throws Exception {
        Path file = write("compose.yaml", """
                include: [lib/compose.yaml]
                services:
                  db: {image: "db:2"}
                """);
        write("lib/compose.yaml", """
                services:
                  db: {image: "db:1"}
                """);
        assertThatThrownBy(() -> loader.load(file, "s")).hasMessageContaining("compose.yaml:3:")
                .hasMessageContaining("services.db: conflicts with the services entry included from "
                        + tmp.resolve("lib/compose.yaml") + ":2");
        Files.writeString(file, Files.readString(file).replace("db:2", "db:1"));
        assertThat(names(loader.load(file, "s"))).containsExactly("db");
    }

    @Test
    void theIncludingProjectsVariablesOverrideTheIncludedEnvFile() throws Exception {
        Path file = write("compose.yaml", """
                include:
                  - path: [lib/compose.yaml, lib/override.yaml]
                services:
                  web: {image: web}
                """);
        write(".env", "TAG=from-including-project\n");
        write("lib/.env", "TAG=from-lib\nOTHER=lib-only\n");
        write("lib/compose.yaml", """
                services:
                  db: {image: "db:${TAG}"}
                """);
        write("lib/override.yaml", """
                services:
                  db: {environment: {OTHER: "${OTHER}"}}
                """);
        ServiceSpec db = service(loader.load(file, "s"), "db");
        assertThat(db.task().image()).isEqualTo("db:from-including-project");
        assertThat(db.task().environment()).containsEntry("OTHER", "lib-only");
    }

    @Test
    void envFileLongSyntaxSkipsAnOptionalFileAndTakesRawValuesAsWritten() throws Exception {
        write("raw.env", "# comment\nQUOTED=\"kept\"\nDOLLAR=$HOME and ${X}\n");
        Path file = write("compose.yaml", """
                services:
                  web:
                    image: web
                    env_file:
                      - path: ./raw.env
                        format: raw
                      - path: ./missing.env
                        required: false
                """);
        ServiceSpec web = service(loader.load(file, "s"), "web");
        assertThat(web.task().environment()).isEqualTo(Map.of("QUOTED", "\"kept\"", "DOLLAR", "$HOME and ${X}"));
        Files.writeString(file, Files.readString(file).replace("format: raw", "format: toml"));
        assertThatThrownBy(() -> loader.load(file, "s")).hasMessageContaining("compose.yaml:6:")
                .hasMessageContaining("services.web.env_file[0].format: unsupported env_file format \"toml\"");
    }

    @Test
    void extensionFieldsAnchorsAndTheKeysActedOnRaiseNoWarningAndIgnoredKeysShareOneLine() throws Exception {
        Path file = write("compose.yaml", """
                name: shop
                x-defaults: &defaults
                  image: web
                  environment: {A: "1"}
                services:
                  web:
                    <<: *defaults
                    x-note: anything
                    profiles: [default-off]
                    security_opt: ["label:disable"]
                  api:
                    extends: web
                    profiles: !reset []
                    dns: [1.1.1.1]
                """);
        LoadedStack loaded = loader.load(List.of(file), null, List.of("default-off"));
        assertThat(loaded.stack().name()).isEqualTo("shop");
        assertThat(names(loaded)).containsExactly("web", "api");
        assertThat(loaded.warnings()).containsExactly("Ignoring unsupported options: dns, security_opt");
        assertThat(names(loader.load(List.of(file), null, List.of()))).containsExactly("api");
    }

    @Test
    void anOptionalDependencyOnADisabledServiceIsOnlyAWarning() throws Exception {
        Path file = write("compose.yaml", """
                services:
                  web:
                    image: web
                    depends_on:
                      debug: {condition: service_started, required: false}
                  debug: {image: debug, profiles: [debug]}
                """);
        LoadedStack loaded = loader.load(file, "s");
        assertThat(names(loaded)).containsExactly("web");
        assertThat(service(loaded, "web").dependsOn()).isEmpty();
        assertThat(loaded.warnings()).anyMatch(w -> w.contains("optional dependency on undefined service \"debug\""));
    }

    @Test
    void includesThatMultiplyAreBounded() throws Exception {
        for (int level = 0; level < 12; level++) {
            write("l" + level + ".yaml", "include: [l" + (level + 1) + ".yaml, l" + (level + 1) + ".yaml]\n"
                    + "services:\n  s" + level + ": {image: x}\n");
        }
        write("l12.yaml", "services:\n  last: {image: x}\n");
        assertThatThrownBy(() -> loader.load(tmp.resolve("l0.yaml"), "s"))
                .hasMessageContaining("more than " + ComposeFileLoader.MAX_FILES + " compose files read for one stack");
    }

    @Test
    void aChainOfExtendsThatGrowsAtEveryStepIsBounded() throws Exception {
        StringBuilder yaml = new StringBuilder("services:\n  s0: {image: x}\n");
        for (int i = 1; i < 1000; i++) {
            yaml.append("  s").append(i).append(": {extends: s").append(i - 1).append(", environment: {K")
                    .append(i).append(": v}}\n");
        }
        Path file = write("chain.yaml", yaml.toString());
        assertThatThrownBy(() -> loader.load(file, "s"))
                .hasMessageContaining("the stack has more than " + ComposeFileLoader.MAX_STACK_NODES + " YAML nodes")
                .hasMessageContaining(".extends");
    }

    @Test
    void anIncludedFileIsReadOnlyUpToItsLimit() throws Exception {
        write("big.yaml", "#" + "x".repeat(ComposeFileLoader.MAX_FILE_BYTES) + "\n");
        Path file = write("compose.yaml", "include: [big.yaml]\nservices:\n  web: {image: web}\n");
        assertThatThrownBy(() -> loader.load(file, "s")).hasMessageContaining("big.yaml: a compose file must be at most "
                + ComposeFileLoader.MAX_FILE_BYTES + " bytes");
    }
}
