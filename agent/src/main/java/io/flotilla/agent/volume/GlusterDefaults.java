package io.flotilla.agent.volume;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * The node's GlusterFS defaults, used when a volume's {@code driver_opts} do not name them: the
 * node flags {@code --gluster-servers h1,h2,h3} and {@code --gluster-volume gv0}, else the
 * environment variables {@code FLOTILLA_GLUSTER_SERVERS} and {@code FLOTILLA_GLUSTER_VOLUME}.
 *
 * @param servers the servers to fetch the volume file from, first one first; empty when not set
 * @param volume  the Gluster volume; null when not set
 */
public record GlusterDefaults(List<String> servers, String volume) {
    public static final GlusterDefaults NONE = new GlusterDefaults(List.of(), null);
    public static final String SERVERS_VARIABLE = "FLOTILLA_GLUSTER_SERVERS";
    public static final String VOLUME_VARIABLE = "FLOTILLA_GLUSTER_VOLUME";

    public GlusterDefaults {
        servers = servers == null ? List.of() : List.copyOf(servers);
        volume = volume == null || volume.isBlank() ? null : volume.strip();
    }

    /** The flags' values where given, else the environment's. */
    public static GlusterDefaults of(String serversFlag, String volumeFlag, Map<String, String> environment) {
        String servers = serversFlag != null && !serversFlag.isBlank() ? serversFlag : environment.get(SERVERS_VARIABLE);
        String volume = volumeFlag != null && !volumeFlag.isBlank() ? volumeFlag : environment.get(VOLUME_VARIABLE);
        return new GlusterDefaults(parseServers(servers), volume);
    }

    /** {@code "h1, h2,h3"} → {@code [h1, h2, h3]}; null or blank → empty. */
    public static List<String> parseServers(String list) {
        List<String> servers = new ArrayList<>();
        if (list != null) {
            for (String part : list.split(",")) {
                if (!part.isBlank()) {
                    servers.add(part.strip());
                }
            }
        }
        return servers;
    }
}
