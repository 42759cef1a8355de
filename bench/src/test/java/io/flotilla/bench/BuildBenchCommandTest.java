package io.flotilla.bench;

import static org.assertj.core.api.Assertions.assertThat;

import com.github.dockerjava.api.model.Image;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.cli.Main;
import java.io.ByteArrayOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * {@code flotilla bench build}: the phases read from a deploy's lines, and the whole benchmark run
 * small (two services, one run) against the real daemon, registry and docker CLI, so that it cannot
 * rot. It needs Docker with the offline test image and docker-registry, as CI has (.ci/run):
 * without them it fails, never skips.
 */
class BuildBenchCommandTest {
    private static DeployPhases.Line at(double seconds, String text) {
        return new DeployPhases.Line((long) (seconds * 1e9), text);
    }

    @Test
    void readsTheDeploysPhasesFromItsLines() {
        DeployPhases phases = DeployPhases.of(0, 9_000_000_000L, List.of(
                at(0.1, "s01 | building flbb-s01 from /x/s01"),
                at(0.5, "s01 | Successfully built 1234"),
                at(1.0, "s01 | built flbb-s01:build-0123456789abcdef"),
                at(1.2, "s02 | building flbb-s02 from /x/s02"),
                at(1.5, "s02 | unchanged, flbb-s02:build-0123456789abcdef"),
                at(2.0, "s02 | up to date: flbb-s02:build-0123456789abcdef"),
                at(2.5, "sending flbb-s01:build-0123456789abcdef to the cluster (2000 KiB)"),
                at(3.0, "stored flbb-s01:build-0123456789abcdef in the cluster"),
                at(3.25, "sending flbb-s02:build-0123456789abcdef to the cluster (2000 KiB)"),
                at(4.0, "stored flbb-s02:build-0123456789abcdef in the cluster"),
                at(4.1, "Creating service flbb_s01"),
                at(4.5, "flbb_s01: 0/1 running (pending)"),
                at(8.0, "flbb_s01: 1/1 running"),
                at(9.0, "Stack flbb converged.")));
        assertThat(phases.build()).isCloseTo(2.0, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(phases.prepare()).isCloseTo(0.1, org.assertj.core.data.Offset.offset(1e-9));
        // s01: building → its first daemon line 0.4, its last daemon line → built 0.5; s02: no daemon line, 0.8 whole
        assertThat(phases.around()).isCloseTo(1.7, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(phases.save()).isCloseTo(0.75, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(phases.upload()).isCloseTo(1.25, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(phases.deployed()).isCloseTo(4.5, org.assertj.core.data.Offset.offset(1e-9));
        assertThat(phases.converged()).isCloseTo(9.0, org.assertj.core.data.Offset.offset(1e-9));
    }

    @Test
    void refusesBadSizesAndChangesNothing() {
        String[] result = run("bench", "build", "--services", "0", "--runs", "1");
        assertThat(result[0]).isEqualTo("2");
        assertThat(result[2]).contains("every --services size between 1 and 99");
        assertThat(result[1]).doesNotContain("Build bench");
    }

    @Test
    void runsSmallAndPrintsFlotillaThePeerAndTheDaemonThenRemovesItsImages() {
        String[] result = run("bench", "build", "--services", "2", "--runs", "1");
        System.out.println(result[1]);
        assertThat(result[0]).as(result[1] + result[2]).isEqualTo("0");
        String seconds = "[0-9.]+ m?s";
        assertThat(result[1])
                .containsPattern("2 services, cold +" + seconds + " +" + seconds + " +" + seconds + " +" + seconds + " +"
                        + seconds + " +[0-9.]+× +[0-9.]+×")
                .containsPattern("2 services, warm +" + seconds)
                .containsPattern("2 services, cold +[+-]" + seconds + " +" + seconds + " +" + seconds + " +" + seconds + " +" + seconds)
                .containsPattern("2 services, stack deploy in process +1 +" + seconds)
                .containsPattern("2 services, flotilla stack deploy \\(own JVM\\) +1 +" + seconds)
                .contains("load average before");
        try (DockerDaemon daemon = DockerDaemon.connect().orElseThrow()) {
            List<Image> left = daemon.client().listImagesCmd().exec().stream().filter(i -> i.getRepoTags() != null
                    && List.of(i.getRepoTags()).stream().anyMatch(t -> t.contains("flbb-"))).toList();
            assertThat(left).as("images the benchmark left").isEmpty();
        }
    }

    /** Exit code, stdout, stderr of the CLI run in this process. */
    private static synchronized String[] run(String... args) {
        PrintStream out = System.out;
        PrintStream err = System.err;
        ByteArrayOutputStream outBytes = new ByteArrayOutputStream();
        ByteArrayOutputStream errBytes = new ByteArrayOutputStream();
        try {
            System.setOut(new PrintStream(outBytes, true, StandardCharsets.UTF_8));
            System.setErr(new PrintStream(errBytes, true, StandardCharsets.UTF_8));
            int code = Main.run(args);
            return new String[] {Integer.toString(code), outBytes.toString(StandardCharsets.UTF_8),
                    errBytes.toString(StandardCharsets.UTF_8)};
        } finally {
            System.setOut(out);
            System.setErr(err);
        }
    }
}
