package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import io.flotilla.model.FileSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.FileData;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Top-level {@code secrets:} and {@code configs:} and their service-level short and long syntax, as
 * Compose maps them: file, environment, content and external sources, Compose's defaults (a secret
 * at /run/secrets/&lt;source&gt;, a config at /&lt;source&gt;, mode 0444), the content read on this side
 * for the deploy and never printed by {@code stack config}, and clear errors for what cannot work.
 */
class SecretComposeTest {
    private static final String FULL = """
            services:
              db:
                image: mysql:8
                environment:
                  MYSQL_ROOT_PASSWORD_FILE: /run/secrets/db-password
                secrets:
                  - db-password
                  - source: api-key
                    target: api.key
                    uid: "999"
                    gid: "999"
                    mode: 0440
                configs:
                  - my_config
                  - source: nginx
                    target: /etc/nginx/nginx.conf
                    mode: "0400"
              proc:
                command: ["./run"]
                secrets: [token]
            secrets:
              db-password:
                file: ./db-password.txt
              api-key:
                external: true
              token:
                environment: TOKEN
                name: shared-token
              unused:
                file: ./db-password.txt
            configs:
              my_config:
                content: |
                  debug=${DEBUG}
              nginx:
                file: ./nginx.conf
                labels: {tier: web}
            """;

    @TempDir Path directory;

    private LoadedStack load(String yaml, Map<String, String> env) throws Exception {
        Files.writeString(directory.resolve("db-password.txt"), "s3cret-flsec");
        Files.writeString(directory.resolve("nginx.conf"), "events {}");
        return new ComposeLoader(env).load(Files.writeString(directory.resolve("compose.yaml"), yaml), "app");
    }

    private static ServiceSpec service(LoadedStack loaded, String shortName) {
        return loaded.stack().services().stream().filter(s -> s.shortName().equals(shortName)).findFirst().orElseThrow();
    }

    private static String text(LoadedStack loaded, FileKind kind, String name) {
        FileData data = loaded.files().stream().filter(f -> f.kind() == kind && f.name().equals(name)).findFirst()
                .orElseThrow();
        return new String(data.data(), StandardCharsets.UTF_8);
    }

    @Test
    void declarationsAndMountsMapWithComposesDefaults() throws Exception {
        LoadedStack loaded = load(FULL, Map.of("TOKEN", "tok-flsec", "DEBUG", "1"));

        assertThat(service(loaded, "db").task().files()).containsExactly(
                new FileMount(FileKind.SECRET, "app_db-password", "db-password", null, null, 0444),
                new FileMount(FileKind.SECRET, "api-key", "api.key", "999", "999", 0440),
                new FileMount(FileKind.CONFIG, "app_my_config", "/my_config", null, null, 0444),
                new FileMount(FileKind.CONFIG, "app_nginx", "/etc/nginx/nginx.conf", null, null, 0400));
        assertThat(service(loaded, "proc").task().files()).containsExactly(
                new FileMount(FileKind.SECRET, "shared-token", "token", null, null, 0444));
        assertThat(loaded.stack().files()).containsExactly(
                new FileSpec(FileKind.SECRET, "app_db-password", Map.of(), false),
                new FileSpec(FileKind.SECRET, "api-key", Map.of(), true),
                new FileSpec(FileKind.SECRET, "shared-token", Map.of(), false),
                new FileSpec(FileKind.CONFIG, "app_my_config", Map.of(), false),
                new FileSpec(FileKind.CONFIG, "app_nginx", Map.of("tier", "web"), false));
        assertThat(text(loaded, FileKind.SECRET, "app_db-password")).isEqualTo("s3cret-flsec");
        assertThat(text(loaded, FileKind.SECRET, "shared-token")).isEqualTo("tok-flsec");
        assertThat(text(loaded, FileKind.CONFIG, "app_my_config")).isEqualTo("debug=1\n");
        assertThat(text(loaded, FileKind.CONFIG, "app_nginx")).isEqualTo("events {}");
        assertThat(loaded.files()).extracting(FileData::name).doesNotContain("api-key", "app_unused");
        assertThat(loaded.warnings()).contains("secrets.unused is declared but no service uses it: not created")
                .noneMatch(w -> w.contains("Ignoring unsupported options"));

        assertThat(loaded.normalizedYaml()).doesNotContain("s3cret-flsec", "tok-flsec", "debug=1")
                .contains("x-flotilla-content: \"8 bytes, not shown\"", "file: ./db-password.txt", "environment: TOKEN",
                        "target: /etc/nginx/nginx.conf", "mode: \"0440\"");
        assertThat(loaded.toString()).doesNotContain("s3cret-flsec", "tok-flsec");
    }

    @Test
    void theNormalizedFileKeepsTheMounts() throws Exception {
        LoadedStack first = load(FULL.replace("content: |\n      debug=${DEBUG}", "file: ./nginx.conf"),
                Map.of("TOKEN", "t"));
        LoadedStack again = new ComposeLoader(Map.of("TOKEN", "t")).load(Files.writeString(
                directory.resolve("normalized.yaml"), first.normalizedYaml()), "app");
        assertThat(again.stack().services()).isEqualTo(first.stack().services());
        assertThat(again.stack().files()).isEqualTo(first.stack().files());
    }

    @Test
    void whatCannotWorkIsAClearError() throws Exception {
        String undeclared = """
                services:
                  web:
                    image: nginx
                    secrets: [nope]
                """;
        assertThat(catchThrowableOfType(ComposeException.class, () -> load(undeclared, Map.of())).getMessage())
                .contains("compose.yaml:4:").contains("secret nope is not declared in the top-level secrets");
        String unsetVariable = """
                services:
                  web:
                    image: nginx
                    secrets: [pw]
                secrets:
                  pw:
                    environment: NOT_SET_FLSEC
                """;
        assertThat(catchThrowableOfType(ComposeException.class, () -> load(unsetVariable, Map.of())).getMessage())
                .contains("environment variable NOT_SET_FLSEC is not set");
        String missingFile = unsetVariable.replace("environment: NOT_SET_FLSEC", "file: ./missing.txt");
        assertThat(catchThrowableOfType(ComposeException.class, () -> load(missingFile, Map.of())).getMessage())
                .contains("secret pw: cannot read").contains("missing.txt");
        String noSource = unsetVariable.replace("environment: NOT_SET_FLSEC", "labels: {a: b}");
        assertThat(catchThrowableOfType(ComposeException.class, () -> load(noSource, Map.of())).getMessage())
                .contains("secret pw needs exactly one of file, environment (or external: true)");
        String externalWithFile = unsetVariable.replace("environment: NOT_SET_FLSEC",
                "external: true\n    file: ./db-password.txt");
        assertThat(catchThrowableOfType(ComposeException.class, () -> load(externalWithFile, Map.of())).getMessage())
                .contains("secret pw is external: it takes no file");
    }

}
