package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * What a client command loads in a JVM of its own (as {@code ./flotilla service ls} runs):
 * neither the logging framework (Logback's start read its XML: ~200 ms a command) nor
 * BouncyCastle, and no command class but the one it runs.
 */
class ClientStartupTest {
    @TempDir Path tmp;

    @Test
    void serviceLsLoadsNoLoggingFrameworkNoBouncyCastleAndNoOtherCommand() throws Exception {
        io.flotilla.security.TlsDirectory tls = io.flotilla.security.TlsDirectory.of(tmp.resolve("data"));
        tls.writeAuthority(io.flotilla.security.CertificateAuthority.create("test", Instant.now()));
        tls.ensureAdminCredential(Duration.ofDays(1), Instant.now());
        Path log = tmp.resolve("classes.log");
        String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
        // port 9 refuses: the credential is loaded and the TLS context made before the connection fails
        Process process = new ProcessBuilder(java, "-Xlog:class+load=info:file=" + log, "-cp",
                System.getProperty("java.class.path"), Main.class.getName(), "service", "ls",
                "--host", "127.0.0.1:9", "--tls-dir", tls.path().toString())
                .redirectErrorStream(true).start();
        String output = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor()).as(output).isEqualTo(1);
        assertThat(output).contains("127.0.0.1:9");
        List<String> loaded = Files.readAllLines(log).stream()
                .map(line -> line.replaceAll("^\\[[^]]*\\]\\[[^]]*\\]\\[[^]]*\\] (\\S+).*$", "$1")).toList();
        assertThat(loaded).as("the TLS context was made").contains("io.flotilla.security.ReloadingKeyManager");
        assertThat(loaded).noneMatch(c -> c.startsWith("ch.qos.logback.")).noneMatch(c -> c.startsWith("org.slf4j."))
                .noneMatch(c -> c.startsWith("org.bouncycastle."))
                .noneMatch(c -> c.startsWith("io.flotilla.cli.commands.") && !c.startsWith("io.flotilla.cli.commands.ServiceCommands"));
    }
}
