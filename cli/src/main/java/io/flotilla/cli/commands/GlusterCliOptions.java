package io.flotilla.cli.commands;

import io.flotilla.agent.volume.GlusterDefaults;
import java.io.IOException;
import java.nio.file.Path;
import picocli.CommandLine.Option;

/**
 * The node's GlusterFS defaults for {@code driver: glusterfs} volumes whose {@code driver_opts}
 * do not name them: {@code --gluster-servers}, {@code --gluster-volume}. Kept in the agent's data
 * dir, so a restart on the same {@code --data} keeps them; a flag given again replaces its value.
 */
public final class GlusterCliOptions {
    @Option(names = "--gluster-servers", paramLabel = "H1,H2,H3",
            description = "GlusterFS servers for glusterfs volumes without driver_opts.servers (the first serves the"
                    + " volume file, the others are its backups). Default: FLOTILLA_GLUSTER_SERVERS.")
    String servers;

    @Option(names = "--gluster-volume", paramLabel = "VOLUME",
            description = "GlusterFS volume for glusterfs volumes without driver_opts.volume. Default: FLOTILLA_GLUSTER_VOLUME.")
    String volume;

    /** Refuses bad values before the node does anything. */
    void check() {
        GlusterDefaults.checkFlags(servers, volume);
    }

    /** Checks the flags and saves the ones given for the node's agent (under {@code <data>/agent}, as LocalNode runs it). */
    void save(Path data) throws IOException {
        GlusterDefaults.saveFlags(data.resolve("agent"), servers, volume);
    }
}
