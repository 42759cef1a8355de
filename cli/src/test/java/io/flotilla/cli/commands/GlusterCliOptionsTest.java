package io.flotilla.cli.commands;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.agent.volume.GlusterDefaults;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import picocli.CommandLine;

/** {@code --gluster-servers} / {@code --gluster-volume} on init and join. */
class GlusterCliOptionsTest {
    @TempDir
    Path data;

    @Test
    void initAndJoinTakeTheFlagsAndKeepThemForTheNodesAgent() throws Exception {
        InitCommand init = new InitCommand();
        new CommandLine(init).parseArgs("--data", data.toString(), "--gluster-servers", "10.0.0.1,10.0.0.2",
                "--gluster-volume", "gv0");
        init.gluster.check();
        init.gluster.save(data);
        JoinCommand join = new JoinCommand();
        new CommandLine(join).parseArgs("--data", data.toString(), "--gluster-volume", "gv1");
        join.gluster.save(data);

        assertThat(GlusterDefaults.load(data.resolve("agent"), Map.of()))
                .isEqualTo(new GlusterDefaults(List.of("10.0.0.1", "10.0.0.2"), "gv1"));
    }

    @Test
    void aBadValueIsRefusedBeforeTheNodeStartsAndChangesNothing() {
        StringWriter err = new StringWriter();
        CommandLine command = new CommandLine(new InitCommand()).setErr(new PrintWriter(err));
        command.setExecutionExceptionHandler((e, line, parsed) -> {
            line.getErr().println(e.getMessage());
            return 2;
        });

        int code = command.execute("--data", data.toString(), "--advertise", "127.0.0.1", "--gluster-servers",
                "h1;rm");

        assertThat(code).isEqualTo(2);
        assertThat(err.toString()).contains("--gluster-servers: not host[:port]: h1;rm");
        assertThat(data).isEmptyDirectory();
    }
}
