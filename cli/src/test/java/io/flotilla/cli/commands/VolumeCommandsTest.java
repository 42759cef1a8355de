package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.cli.Main;
import io.flotilla.model.api.VolumeInfo;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** {@code volume ls}'s columns and JSON objects, and the commands' arguments and help, without a cluster. */
class VolumeCommandsTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final VolumeInfo LOCAL = new VolumeInfo("shop_data-1", "local", Map.of(), Map.of(), false, "local",
            "shop", "n1abc", "host-a", T0, "shop_db", 1, List.of("shop_db"), List.of());
    private static final VolumeInfo GLUSTER = new VolumeInfo("shop_shared", "glusterfs", Map.of("volume", "gv0"),
            Map.of(), false, "global", "shop", null, null, T0, "shop_web", 0, List.of("other_app", "shop_web"), List.of());
    private static final VolumeInfo ORPHAN = new VolumeInfo("legacy", "local", Map.of(), Map.of(), true, "local",
            null, "n9", null, T0, "old_x", 0, List.of(), List.of());

    private static String print(List<VolumeInfo> volumes) {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        VolumeCommands.table(volumes).print(new PrintStream(bytes, true, StandardCharsets.UTF_8));
        return bytes.toString(StandardCharsets.UTF_8);
    }

    @Test
    void lsShowsDriverNameNodeStackAndUsers() {
        List<String> lines = print(List.of(ORPHAN, LOCAL, GLUSTER)).lines().map(String::stripTrailing).toList();

        assertThat(lines).containsExactly(
                "DRIVER      VOLUME NAME   NODE     STACK   USED BY",
                "local       legacy        n9       -       -",
                "local       shop_data-1   host-a   shop    shop_db",
                "glusterfs   shop_shared   any      shop    other_app,shop_web");
    }

    @Test
    void theJsonObjectCarriesTheSameFields() {
        Map<String, Object> view = VolumeCommands.view(GLUSTER);
        assertThat(view.keySet()).containsExactly("driver", "name", "node", "nodeId", "stack", "usedBy", "scope",
                "external");
        assertThat(view).containsEntry("driver", "glusterfs").containsEntry("name", "shop_shared")
                .containsEntry("node", "any").containsEntry("nodeId", null).containsEntry("stack", "shop")
                .containsEntry("usedBy", List.of("other_app", "shop_web")).containsEntry("scope", "global")
                .containsEntry("external", false);
        assertThat(VolumeCommands.view(LOCAL)).containsEntry("node", "host-a").containsEntry("nodeId", "n1abc");
    }

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

    @Test
    void helpNamesTheOptions() {
        Result volume = run("volume", "--help");
        assertThat(volume.code()).isZero();
        assertThat(volume.out()).contains("Usage: flotilla volume").contains("ls").contains("inspect").contains("rm");
        assertThat(run("volume", "ls", "--help").out()).contains("-q, --quiet").contains("--format");
        assertThat(run("volume", "rm", "--help").out()).contains("VOLUME...").contains("Volume names");
        assertThat(run("stack", "rm", "--help").out()).contains("-v, --volumes").contains("external volumes");
    }

    @Test
    void rmAndInspectNeedANameAndAskNothingWithout() {
        for (String command : List.of("rm", "inspect")) {
            Result result = run("volume", command, "--host", "127.0.0.1:9");
            assertThat(result.code()).as(command).isEqualTo(2);
            assertThat(result.err()).contains("Missing required parameter: 'VOLUME'").doesNotContain("cannot reach");
        }
    }

    @Test
    void aBadFormatIsRefusedBeforeAnyRequest() {
        Result result = run("volume", "ls", "--format", "yaml", "--host", "127.0.0.1:9");
        assertThat(result.code()).isEqualTo(1);
        assertThat(result.err()).contains("--format must be table or json, not yaml").doesNotContain("cannot reach");
    }
}
