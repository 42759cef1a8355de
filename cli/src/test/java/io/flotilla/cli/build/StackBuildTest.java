package io.flotilla.cli.build;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.compose.ComposeLoader;
import io.flotilla.compose.LoadedStack;
import io.flotilla.model.FileKind;
import io.flotilla.model.FileSpec;
import io.flotilla.model.StackSpec;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The stack a build hands to the deploy is the loaded one with the built services' images
 * replaced, and nothing else changed: its networks and its secrets and configs stay (a stack with
 * {@code build:} and {@code secrets:} was refused, "uses secret …, which stack … does not declare",
 * when they were dropped).
 */
class StackBuildTest {
    @TempDir
    Path dir;

    @Test
    void theBuiltStackKeepsItsSecretsConfigsAndNetworks() throws Exception {
        Files.createDirectories(dir.resolve("web"));
        Files.writeString(dir.resolve("web/Dockerfile"), "FROM flotilla-test/busybox:1\n");
        Path file = Files.writeString(dir.resolve("compose.yaml"), """
                services:
                  web:
                    build: ./web
                    networks: [front]
                    secrets: [token]
                    configs: [conf]
                secrets:
                  token: {external: true}
                configs:
                  conf: {content: "level=7"}
                networks:
                  front: {}
                """);
        LoadedStack loaded = new ComposeLoader(Map.of()).load(List.of(file), "shop", List.of());
        String reference = "shop_web:build-0123456789abcdef";

        StackSpec built = StackBuild.withImages(loaded.stack(),
                List.of(new BuiltImage("shop_web", reference, "sha256:0123", true)));

        assertThat(built.services()).singleElement().satisfies(web -> assertThat(web.task().image()).isEqualTo(reference));
        assertThat(built.files()).isEqualTo(loaded.stack().files()).extracting(FileSpec::kind, FileSpec::name)
                .containsExactlyInAnyOrder(org.assertj.core.groups.Tuple.tuple(FileKind.SECRET, "token"),
                        org.assertj.core.groups.Tuple.tuple(FileKind.CONFIG, "shop_conf"));
        assertThat(built.networks()).isEqualTo(loaded.stack().networks()).isNotEmpty();
        assertThat(built.externalNetworks()).isEqualTo(loaded.stack().externalNetworks());
    }
}
