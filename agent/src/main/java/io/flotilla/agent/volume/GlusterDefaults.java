package io.flotilla.agent.volume;

import io.flotilla.model.Json;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The node's GlusterFS defaults, used when a volume's {@code driver_opts} do not name them: the
 * node flags {@code --gluster-servers h1,h2,h3} and {@code --gluster-volume gv0} (kept in the
 * agent's data dir, {@value #FILE}, so a restart without the flags keeps them), else the
 * environment variables {@code FLOTILLA_GLUSTER_SERVERS} and {@code FLOTILLA_GLUSTER_VOLUME}.
 *
 * @param servers the servers to fetch the volume file from, first one first; empty when not set
 * @param volume  the Gluster volume; null when not set
 */
public record GlusterDefaults(List<String> servers, String volume) {
    public static final GlusterDefaults NONE = new GlusterDefaults(List.of(), null);
    public static final String SERVERS_VARIABLE = "FLOTILLA_GLUSTER_SERVERS";
    public static final String VOLUME_VARIABLE = "FLOTILLA_GLUSTER_VOLUME";
    /** In the agent's data dir: the defaults the node flags gave. */
    public static final String FILE = "gluster.json";
    private static final Pattern HOST = Pattern.compile("[A-Za-z0-9][A-Za-z0-9.-]*(:[0-9]{1,5})?");
    private static final Pattern VOLUME = Pattern.compile("[A-Za-z0-9][A-Za-z0-9_.-]*");

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

    /**
     * Checks the node flags and keeps the ones given in {@code agentDataDir} (a flag not given keeps
     * its saved value). Bad values change nothing.
     *
     * @throws IllegalArgumentException naming the bad flag
     */
    public static void saveFlags(Path agentDataDir, String serversFlag, String volumeFlag) throws IOException {
        if (serversFlag == null && volumeFlag == null) {
            return;
        }
        List<String> servers = checkFlags(serversFlag, volumeFlag);
        GlusterDefaults saved = loadSaved(agentDataDir);
        GlusterDefaults next = new GlusterDefaults(servers != null ? servers : saved.servers(),
                volumeFlag != null ? volumeFlag.strip() : saved.volume());
        Files.createDirectories(agentDataDir);
        Path temporary = agentDataDir.resolve(FILE + ".tmp");
        Files.write(temporary, Json.writeBytes(next));
        Files.move(temporary, agentDataDir.resolve(FILE), StandardCopyOption.ATOMIC_MOVE,
                StandardCopyOption.REPLACE_EXISTING);
    }

    /**
     * Checks the node flags (null: not given) and returns the servers given, or null.
     *
     * @throws IllegalArgumentException naming the bad flag
     */
    public static List<String> checkFlags(String serversFlag, String volumeFlag) {
        List<String> servers = null;
        if (serversFlag != null) {
            servers = parseServers(serversFlag);
            if (servers.isEmpty()) {
                throw new IllegalArgumentException("--gluster-servers needs at least one host: " + serversFlag);
            }
            for (String server : servers) {
                if (!HOST.matcher(server).matches()) {
                    throw new IllegalArgumentException("--gluster-servers: not host[:port]: " + server
                            + " (give host names or IPv4 addresses separated by commas)");
                }
            }
        }
        if (volumeFlag != null && !VOLUME.matcher(volumeFlag.strip()).matches()) {
            throw new IllegalArgumentException("--gluster-volume: not a GlusterFS volume name: " + volumeFlag);
        }
        return servers;
    }

    /** What the flags saved in {@code agentDataDir}, each value missing there taken from {@code environment}. */
    public static GlusterDefaults load(Path agentDataDir, Map<String, String> environment) {
        GlusterDefaults saved = loadSaved(agentDataDir);
        GlusterDefaults fromEnvironment = of(null, null, environment);
        return new GlusterDefaults(saved.servers().isEmpty() ? fromEnvironment.servers() : saved.servers(),
                saved.volume() == null ? fromEnvironment.volume() : saved.volume());
    }

    private static GlusterDefaults loadSaved(Path agentDataDir) {
        Path file = agentDataDir.resolve(FILE);
        if (!Files.isRegularFile(file)) {
            return NONE;
        }
        try {
            return Json.read(Files.readAllBytes(file), GlusterDefaults.class);
        } catch (IOException | RuntimeException e) {
            throw new IllegalStateException("cannot read " + file + ": " + e.getMessage(), e);
        }
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
