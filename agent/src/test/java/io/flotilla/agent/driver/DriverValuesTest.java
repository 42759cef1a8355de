package io.flotilla.agent.driver;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** Signal names, exit statuses, /proc parsing and the executable check. */
class DriverValuesTest {
    @Test
    void normalizesSignalNames() {
        assertThat(Signals.normalize("SIGTERM")).isEqualTo("TERM");
        assertThat(Signals.normalize("sigusr1")).isEqualTo("USR1");
        assertThat(Signals.normalize("INT")).isEqualTo("INT");
        assertThat(Signals.normalize("10")).isEqualTo("10");
        assertThat(Signals.normalize("SIGRTMIN+3")).isEqualTo("RTMIN+3");
        assertThatThrownBy(() -> Signals.normalize("TERM; rm -rf /")).isInstanceOf(IllegalArgumentException.class);
        assertThatThrownBy(() -> Signals.normalize("")).isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void readsShellExitCodes() {
        assertThat(ExitStatus.fromShellCode(0)).isEqualTo(new ExitStatus.Exited(0));
        assertThat(ExitStatus.fromShellCode(0).succeeded()).isTrue();
        assertThat(ExitStatus.fromShellCode(3).describe()).isEqualTo("exited with code 3");
        assertThat(ExitStatus.fromShellCode(128)).isEqualTo(new ExitStatus.Exited(128));
        ExitStatus killed = ExitStatus.fromShellCode(137);
        assertThat(killed).isEqualTo(new ExitStatus.Signaled(9));
        assertThat(killed.describe()).isEqualTo("killed by signal 9");
        assertThat(killed.exitCode()).isEqualTo(137);
        assertThat(ExitStatus.fromShellCode(255)).isEqualTo(new ExitStatus.Exited(255));
        assertThat(new ExitStatus.Unknown("lost").exitCode()).isNull();
    }

    @Test
    void parsesProcStatWithAwkwardCommandNames() {
        String line = "4242 (my (odd) name) S 1 4240 4240 0 -1 4194560 100 0 0 0 1 2 0 0 20 0 1 0 987654 1000 10";
        ProcessIdentity.ProcStat stat = ProcessIdentity.ProcStat.parse(line).orElseThrow();

        assertThat(stat.state()).isEqualTo('S');
        assertThat(stat.processGroup()).isEqualTo(4240);
        assertThat(stat.startTime()).isEqualTo(987654);
        assertThat(ProcessIdentity.ProcStat.parse("garbage")).isEmpty();
    }

    @Test
    void identifiesThisProcessAndNotAnImpostor() {
        ProcessIdentity self = ProcessIdentity.of(ProcessHandle.current().pid()).orElseThrow();

        assertThat(self.isAlive()).isTrue();
        assertThat(new ProcessIdentity(self.pid(), self.startTime() + 1).isAlive()).isFalse();
    }

    @Test
    void findsExecutablesLikeExecvp() throws DriverException {
        ProcessDriver.checkExecutable("sh", Path.of("/"), Map.of("PATH", "/usr/bin:/bin"));
        ProcessDriver.checkExecutable("/bin/sh", Path.of("/"), Map.of());
        assertThatThrownBy(() -> ProcessDriver.checkExecutable("sh", Path.of("/"), Map.of("PATH", "/nonexistent")))
                .isInstanceOf(DriverException.class).hasMessageContaining("executable file not found in PATH: sh");
        assertThatThrownBy(() -> ProcessDriver.checkExecutable("./flotilla", Path.of("/tmp"), Map.of()))
                .isInstanceOf(DriverException.class).hasMessageContaining("/tmp/./flotilla");
    }
}
