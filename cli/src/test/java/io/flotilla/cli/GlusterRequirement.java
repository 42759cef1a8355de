package io.flotilla.cli;

import static org.junit.jupiter.api.Assertions.fail;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Assumptions;

/**
 * Gluster tests need the test bed of {@code scripts/gluster-test-env.sh} (three glusterd on
 * 127.0.0.2–4, volume {@code flotilla-test}), root and /dev/fuse: without them they FAIL when
 * {@code FLOTILLA_REQUIRE_GLUSTER=1} (CI) and are aborted with the reason otherwise; never passed
 * silently. The script is idempotent and run here, so a developer's machine with the packages
 * installed needs nothing else.
 */
final class GlusterRequirement {
    private GlusterRequirement() {}

    /** Starts (or finds) the test bed and returns its servers and volume. */
    static GlusterTestBed require() throws IOException, InterruptedException {
        List<String> missing = new ArrayList<>();
        if (!"root".equals(System.getProperty("user.name"))) {
            missing.add("root (mounts)");
        }
        if (!Files.exists(Path.of("/dev/fuse"))) {
            missing.add("/dev/fuse");
        }
        for (String tool : List.of("glusterd", "gluster", "mount.glusterfs")) {
            if (!onPath(tool)) {
                missing.add(tool + " (apt-get install glusterfs-server glusterfs-client)");
            }
        }
        if (!missing.isEmpty()) {
            unavailable("missing " + String.join(", ", missing));
        }
        Path script = DevNodeProcess.ROOT.resolve("scripts/gluster-test-env.sh");
        Process setup = new ProcessBuilder("bash", script.toString(), "start").redirectErrorStream(false)
                .redirectError(ProcessBuilder.Redirect.DISCARD).start();
        String output = new String(setup.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        if (!setup.waitFor(180, TimeUnit.SECONDS) || setup.exitValue() != 0) {
            unavailable(script + " start failed (run it by hand to see why)");
        }
        Map<String, String> settings = new HashMap<>();
        for (String line : output.split("\n")) {
            int equals = line.indexOf('=');
            if (equals > 0) {
                settings.put(line.substring(0, equals), line.substring(equals + 1).trim());
            }
        }
        String servers = settings.get("FLOTILLA_GLUSTER_SERVERS");
        String volume = settings.get("FLOTILLA_GLUSTER_VOLUME");
        if (servers == null || volume == null) {
            fail(script + " start printed no FLOTILLA_GLUSTER_SERVERS/FLOTILLA_GLUSTER_VOLUME: " + output);
        }
        return new GlusterTestBed(List.copyOf(Arrays.asList(servers.split(","))), volume);
    }

    private static void unavailable(String reason) {
        String message = "no Gluster test bed: " + reason;
        if ("1".equals(System.getenv("FLOTILLA_REQUIRE_GLUSTER"))) {
            fail(message + " and FLOTILLA_REQUIRE_GLUSTER=1");
        }
        Assumptions.abort(message + "; set FLOTILLA_REQUIRE_GLUSTER=1 to make this a failure");
    }

    private static boolean onPath(String tool) {
        for (String dir : System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin").split(":")) {
            if (Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return Files.isExecutable(Path.of("/usr/sbin", tool)) || Files.isExecutable(Path.of("/sbin", tool));
    }
}
