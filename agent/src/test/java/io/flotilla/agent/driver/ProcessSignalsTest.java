package io.flotilla.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A process task starts with every signal at its default disposition, whatever the agent
 * inherited: an agent started under {@code nohup} ignores SIGHUP, a child inherits that, and a
 * shell cannot trap a signal that was ignored when it started. Found when CI, started with
 * nohup, failed the signal dependency policy's test: the task never saw its SIGHUP.
 */
class ProcessSignalsTest {
    @TempDir
    Path dir;

    @Test
    void aTaskTrapsSighupEvenWhenTheAgentIgnoresIt() throws Exception {
        assertThat(ignoredSignals("trap '' HUP; exec sh -c 'grep SigIgn /proc/self/status'") & 1)
                .as("precondition: a child of a shell that ignores SIGHUP inherits it ignored").isEqualTo(1);

        Path shim = dir.resolve("shim.sh");
        Path taskDir = Files.createDirectories(dir.resolve("task"));
        Files.writeString(shim, ProcessShim.script(ProcessDriver.executable("setsid"), ProcessDriver.executable("mv"),
                ProcessDriver.executable("unshare"), ProcessShim.defaultSignals()));
        String task = "trap 'echo hup >> \"$OUT/hup\"' HUP; : > \"$OUT/ready\"; while :; do sleep 0.1; done";
        ProcessBuilder builder = new ProcessBuilder("sh", "-c", "trap '' HUP; exec sh \"$0\" \"$1\" sh -c \"$2\"",
                shim.toString(), taskDir.toString(), task).redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.DISCARD);
        builder.environment().put("OUT", dir.toString());
        Process agentLike = builder.start();
        long pid = -1;
        try {
            await().atMost(Duration.ofSeconds(10)).until(() -> Files.exists(dir.resolve("ready")));
            pid = Long.parseLong(Files.readString(taskDir.resolve("pid")).strip());
            ProcessGroups.signal(pid, "SIGHUP");
            await().atMost(Duration.ofSeconds(5)).until(() -> Files.exists(dir.resolve("hup"))
                    && Files.readString(dir.resolve("hup")).contains("hup"));
        } finally {
            if (pid > 1) {
                ProcessGroups.killQuietly(pid);
            }
            // The shim writes the task's exit status once the task is gone: let it, or it writes
            // into the folder while JUnit deletes it (a CI run failed so, under load).
            if (!agentLike.waitFor(10, java.util.concurrent.TimeUnit.SECONDS)) {
                agentLike.destroyForcibly().waitFor(5, java.util.concurrent.TimeUnit.SECONDS);
            }
        }
    }

    /** The SigIgn mask of the process the script ends in. */
    private static long ignoredSignals(String script) throws IOException, InterruptedException {
        Process process = new ProcessBuilder(List.of("sh", "-c", script)).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes());
        process.waitFor();
        return Long.parseLong(out.replace("SigIgn:", "").strip(), 16);
    }
}
