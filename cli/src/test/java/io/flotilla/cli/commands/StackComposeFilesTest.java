package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.cli.Main;
import io.flotilla.cli.StackFiles;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code stack deploy} and {@code stack config}: several {@code -c}, {@code COMPOSE_FILE}, {@code --profile}, no cluster. */
class StackComposeFilesTest {
    @TempDir Path tmp;

    private record Result(int code, String out, String err) {}

    private static synchronized Result run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new Result(code, outBytes.toString(StandardCharsets.UTF_8), errBytes.toString(StandardCharsets.UTF_8));
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }

    private Path write(String name, String text) throws IOException {
        Path file = tmp.resolve(name);
        Files.writeString(file, text);
        return file;
    }

    @Test
    void configMergesEveryFileGivenAndDeploysTheServicesOfTheActiveProfiles() throws IOException {
        Path base = write("compose.yaml", """
                name: shop
                services:
                  web: {image: "web:1"}
                  debugger: {image: debugger, profiles: [debug]}
                """);
        Path override = write("prod.yaml", """
                services:
                  web: {image: "web:2"}
                """);
        Result plain = run("stack", "config", "-c", base.toString(), "-c", override.toString());
        assertThat(plain.code()).as(plain.toString()).isZero();
        assertThat(plain.out()).contains("web:2").doesNotContain("web:1").doesNotContain("debugger");
        assertThat(plain.out()).contains("shop_default");

        Result debug = run("stack", "config", "-c", base.toString(), "--compose-file", override.toString(),
                "--profile", "debug", "--stack", "other");
        assertThat(debug.code()).as(debug.toString()).isZero();
        assertThat(debug.out()).contains("debugger").contains("other_default");
        assertThat(debug.err()).doesNotContain("WARNING");
    }

    @Test
    void composeFileListsTheFilesWhenNoneIsGiven() {
        assertThat(StackFiles.composeFiles(List.of(), Map.of("COMPOSE_FILE", "a.yaml:dir/b.yaml")))
                .containsExactly(Path.of("a.yaml"), Path.of("dir/b.yaml"));
        assertThat(StackFiles.composeFiles(List.of(Path.of("c.yaml")), Map.of("COMPOSE_FILE", "a.yaml")))
                .containsExactly(Path.of("c.yaml"));
        assertThatThrownBy(() -> StackFiles.composeFiles(List.of(), Map.of()))
                .hasMessage("no compose file: give one or more with -c FILE, or set COMPOSE_FILE");
    }

    @Test
    void deployRefusesABadFileBeforeAnyRequestAndTakesTheNameFromTheFile() throws IOException {
        Path base = write("compose.yaml", """
                name: shop
                services:
                  web: {image: web, depends_on: [debugger]}
                  debugger: {image: debugger, profiles: [debug]}
                """);
        // Port 9 (discard) would refuse a connection: the error must come from the file, before any request.
        Result result = run("stack", "deploy", "-c", base.toString(), "--host", "127.0.0.1:9");
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("compose.yaml:3:").contains("services.web.depends_on[0]")
                .contains("service \"debugger\" is required by \"web\" but is disabled").doesNotContain("cannot reach");
    }

    @Test
    void helpNamesTheRepeatableOptions() {
        String deploy = run("stack", "deploy", "--help").out();
        assertThat(deploy).contains("-c, --compose-file=FILE").contains("--profile=PROFILE").contains("[STACK]")
                .contains("COMPOSE_FILE").contains("COMPOSE_PROFILES");
        assertThat(run("stack", "config", "--help").out()).contains("-c, --compose-file=FILE").contains("--profile");
    }
}
