package io.flotilla.agent.files;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.FileKind;
import io.flotilla.model.FileMount;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

class FileLayoutTest {
    private static FileMount secret(String source, String target) {
        return new FileMount(FileKind.SECRET, source, target, null, null, 0444);
    }

    private static FileMount config(String source, String target) {
        return new FileMount(FileKind.CONFIG, source, target, null, null, 0444);
    }

    @Test
    void aContainerGetsItsSecretsInOneDirectoryAndEachConfigAtItsTarget() {
        FileLayout layout = FileLayout.of(List.of(secret("shop_db", "db-password"), config("shop_conf", "/etc/app/a.conf"),
                config("shop_rel", "rel.conf"), secret("shop_abs", "/etc/ssl/key.pem")), true);

        assertThat(layout.files()).extracting(FileLayout.Placed::relative, FileLayout.Placed::containerTarget,
                FileLayout.Placed::inPlace).containsExactly(
                org.assertj.core.groups.Tuple.tuple(Path.of("secrets/db-password"), "/run/secrets/db-password", false),
                org.assertj.core.groups.Tuple.tuple(Path.of("files/%2Fetc%2Fapp%2Fa.conf"), "/etc/app/a.conf", true),
                org.assertj.core.groups.Tuple.tuple(Path.of("files/%2Frel.conf"), "/rel.conf", true),
                org.assertj.core.groups.Tuple.tuple(Path.of("files/%2Fetc%2Fssl%2Fkey.pem"), "/etc/ssl/key.pem", true));
    }

    @Test
    void aProcessTaskGetsEveryFileByItsTargetsFileName() {
        FileLayout layout = FileLayout.of(List.of(secret("shop_db", "db-password"), config("shop_conf", "/etc/app/a.conf")),
                false);

        assertThat(layout.files()).extracting(FileLayout.Placed::relative).containsExactly(Path.of("db-password"),
                Path.of("a.conf"));
        assertThat(layout.files()).extracting(FileLayout.Placed::containerTarget).containsOnlyNulls();
    }

    @Test
    void twoFilesAtOnePlaceOrATargetThatClimbsAreRefusedNamingThem() {
        assertThatThrownBy(() -> FileLayout.of(List.of(secret("a", "x.conf"), config("b", "/etc/x.conf")), false))
                .hasMessage("secret a and config b both appear as x.conf in FLOTILLA_SECRETS_DIR");
        assertThatThrownBy(() -> FileLayout.of(List.of(config("a", "/etc/x"), config("b", "/etc/./x")), true))
                .hasMessage("config b: target /etc/./x may not contain . or .. segments");
        assertThatThrownBy(() -> FileLayout.of(List.of(secret("a", "../../etc/shadow")), true))
                .hasMessage("secret a: target ../../etc/shadow may not contain . or .. segments");
        assertThatThrownBy(() -> FileLayout.of(List.of(config("a", "/etc/")), false))
                .hasMessage("config a: target /etc/ names no file");
        assertThatThrownBy(() -> FileLayout.of(List.of(config("a", "/run/secrets")), true))
                .hasMessage("config a: target /run/secrets names no file");
        assertThatThrownBy(() -> FileLayout.of(List.of(secret("a", "x"), secret("b", "/run/secrets/x")), true))
                .hasMessage("secret a and secret b both appear as /run/secrets/x");
    }
}
