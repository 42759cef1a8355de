package io.flotilla.agent.volume;

import io.flotilla.model.VolumeOptions;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * {@code glusterfs}: a Flotilla volume is the sub-directory {@code <name>} of a GlusterFS volume,
 * which this node mounts once with the FUSE client under {@code <data>/mounts/glusterfs/<volume>}:
 *
 * <pre>
 * mount -t glusterfs -o backup-volfile-servers=h2:h3,log-file=&lt;data&gt;/mounts/glusterfs/&lt;volume&gt;.log h1:/&lt;volume&gt; &lt;dir&gt;
 * </pre>
 *
 * The servers and the Gluster volume come from the volume's {@code driver_opts} ({@code servers}
 * "h1,h2,h3", {@code volume} "gv0"), else from the node's {@link GlusterDefaults}. Before each use
 * the mount is checked in {@code /proc/self/mountinfo} and with a {@code stat -f} that must answer
 * within {@link #STAT_TIMEOUT} (a FUSE mount whose client died answers "Transport endpoint is not
 * connected", or hangs): a dead mount is lazily unmounted and mounted again. A mount that does not
 * finish within {@link #MOUNT_TIMEOUT} fails. The mount stays when tasks end (other tasks, and
 * the next one, use it).
 */
public final class GlusterVolumeDriver implements VolumeDriver {
    private static final Logger log = LoggerFactory.getLogger(GlusterVolumeDriver.class);
    static final Duration MOUNT_TIMEOUT = Duration.ofSeconds(20);
    static final Duration STAT_TIMEOUT = Duration.ofSeconds(5);
    public static final String SERVERS_OPTION = "servers";
    public static final String VOLUME_OPTION = "volume";

    private final Path mountsRoot;
    private final GlusterDefaults defaults;
    private final Map<String, Object> mountLocks = new ConcurrentHashMap<>();

    public GlusterVolumeDriver(Path dataDir, GlusterDefaults defaults) {
        this.mountsRoot = dataDir.resolve("mounts").resolve("glusterfs");
        this.defaults = defaults == null ? GlusterDefaults.NONE : defaults;
    }

    @Override
    public String name() {
        return VolumeOptions.GLUSTERFS;
    }

    /** The servers and Gluster volume a Flotilla volume with these options lives in. */
    record Source(List<String> servers, String volume) {
        @Override
        public String toString() {
            return String.join(",", servers) + ":/" + volume;
        }
    }

    Source source(VolumeOptions options) throws VolumeException {
        List<String> servers = GlusterDefaults.parseServers(options.driverOpts().get(SERVERS_OPTION));
        if (servers.isEmpty()) {
            servers = defaults.servers();
        }
        String volume = options.driverOpts().get(VOLUME_OPTION);
        if (volume == null || volume.isBlank()) {
            volume = defaults.volume();
        }
        if (servers.isEmpty()) {
            throw new VolumeException("no GlusterFS servers: set driver_opts.servers on the volume, or start the node"
                    + " with --gluster-servers (or " + GlusterDefaults.SERVERS_VARIABLE + ")");
        }
        if (volume == null || volume.isBlank()) {
            throw new VolumeException("no GlusterFS volume: set driver_opts.volume on the volume, or start the node"
                    + " with --gluster-volume (or " + GlusterDefaults.VOLUME_VARIABLE + ")");
        }
        volume = volume.strip();
        if (volume.contains("/") || volume.equals(".") || volume.equals("..")) {
            throw new VolumeException("not a GlusterFS volume name: " + volume);
        }
        return new Source(servers, volume);
    }

    @Override
    public String describe(VolumeOptions options) {
        try {
            return name() + " " + source(options);
        } catch (VolumeException e) {
            return name();
        }
    }

    /** Where this node mounts Gluster volume {@code volume}. */
    public Path mountPoint(String volume) {
        return mountsRoot.resolve(volume);
    }

    @Override
    public Path acquire(VolumeRequest request) throws VolumeException {
        Source source = source(request.options());
        Path mountPoint = mountPoint(source.volume());
        synchronized (mountLocks.computeIfAbsent(source.volume(), key -> new Object())) {
            ensureMounted(source, mountPoint);
        }
        Path directory = mountPoint.resolve(request.name());
        try {
            if (!Files.isDirectory(directory)) {
                Files.createDirectories(directory);
                Files.setPosixFilePermissions(directory, PosixFilePermissions.fromString("rwxr-xr-x"));
            }
        } catch (IOException e) {
            throw new VolumeException("cannot create " + request.name() + " in the mounted volume: " + e, e);
        }
        return directory;
    }

    private void ensureMounted(Source source, Path mountPoint) throws VolumeException {
        if (MountTable.isMounted(mountPoint)) {
            String failure = statFailure(mountPoint);
            if (failure == null) {
                return;
            }
            log.warn("glusterfs mount {} does not answer ({}); mounting it again", mountPoint, failure);
            run(List.of("umount", "-l", mountPoint.toString()), STAT_TIMEOUT);
        }
        String helper = mountHelper();
        if (helper == null) {
            throw new VolumeException("the GlusterFS client is not installed on this node (no mount.glusterfs in"
                    + " /sbin or /usr/sbin; Debian: apt-get install glusterfs-client)");
        }
        Path logFile = mountsRoot.resolve(source.volume() + ".log");
        try {
            Files.createDirectories(mountPoint);
        } catch (IOException e) {
            throw new VolumeException("cannot create the mount point " + mountPoint + ": " + e.getMessage(), e);
        }
        List<String> command = mountCommand(source, mountPoint, logFile);
        log.info("mounting glusterfs {} on {}", source, mountPoint);
        Result result = run(command, MOUNT_TIMEOUT);
        if (result.timedOut()) {
            run(List.of("umount", "-l", mountPoint.toString()), STAT_TIMEOUT);
            throw new VolumeException("mount did not finish within " + MOUNT_TIMEOUT.toSeconds() + " s"
                    + lastError(logFile));
        }
        if (result.code() != 0 || !MountTable.isMounted(mountPoint)) {
            String output = result.output().isBlank() ? "mount exited with " + result.code() : result.output().strip();
            throw new VolumeException(output + lastError(logFile));
        }
        String failure = statFailure(mountPoint);
        if (failure != null) {
            run(List.of("umount", "-l", mountPoint.toString()), STAT_TIMEOUT);
            throw new VolumeException("mounted, but the volume does not answer: " + failure + lastError(logFile));
        }
    }

    /**
     * The mount command. Servers given as {@code host:port} share one port, passed as
     * {@code volfile-server-port} (the FUSE client takes one for all: {@code backup-volfile-servers}
     * separates hosts with colons).
     */
    static List<String> mountCommand(Source source, Path mountPoint, Path logFile) throws VolumeException {
        List<String> hosts = new ArrayList<>();
        String port = null;
        for (String server : source.servers()) {
            int colon = server.lastIndexOf(':');
            String serverPort = colon < 0 ? null : server.substring(colon + 1);
            if (serverPort != null && port != null && !port.equals(serverPort)) {
                throw new VolumeException("the GlusterFS client takes one port for all servers, not " + port + " and "
                        + serverPort + " (" + String.join(",", source.servers()) + ")");
            }
            port = serverPort != null ? serverPort : port;
            hosts.add(colon < 0 ? server : server.substring(0, colon));
        }
        StringBuilder options = new StringBuilder();
        List<String> backups = hosts.subList(1, hosts.size());
        if (!backups.isEmpty()) {
            options.append("backup-volfile-servers=").append(String.join(":", backups)).append(',');
        }
        if (port != null) {
            options.append("volfile-server-port=").append(port).append(',');
        }
        options.append("log-file=").append(logFile);
        return List.of("mount", "-t", "glusterfs", "-o", options.toString(),
                hosts.getFirst() + ":/" + source.volume(), mountPoint.toString());
    }

    private static String mountHelper() {
        for (String candidate : List.of("/sbin/mount.glusterfs", "/usr/sbin/mount.glusterfs")) {
            if (Files.isExecutable(Path.of(candidate))) {
                return candidate;
            }
        }
        return null;
    }

    /** Null when {@code stat} answers in time; else why not. */
    private static String statFailure(Path mountPoint) {
        // statfs, not stat: FUSE caches a directory's attributes (a dead client's mount root still
        // stats fine for a while), but every statfs goes to the client.
        Result result = run(List.of("stat", "-f", "-t", mountPoint.toString()), STAT_TIMEOUT);
        if (result.timedOut()) {
            return "stat did not answer within " + STAT_TIMEOUT.toSeconds() + " s";
        }
        return result.code() == 0 ? null : result.output().strip();
    }

    /**
     * What the FUSE client logged about its failure, as {@code "; <log>: …"}: its last error
     * ({@code ] E [}) lines, or else its notes on the servers it could not reach.
     */
    private static String lastError(Path logFile) {
        try {
            List<String> lines = Files.readAllLines(logFile, StandardCharsets.UTF_8);
            List<String> reasons = new ArrayList<>();
            for (String line : lines.subList(Math.max(0, lines.size() - 200), lines.size())) {
                int message = line.indexOf("] 0-");
                String text = (message >= 0 ? line.substring(message + 2) : line).strip();
                boolean error = line.contains("] E [");
                boolean unreachable = text.contains("disconnected from remote-host") || text.contains("Exhausted all volfile");
                if ((error || unreachable) && !reasons.contains(text)) {
                    reasons.add(text);
                }
            }
            if (reasons.isEmpty()) {
                return "";
            }
            List<String> last = reasons.subList(Math.max(0, reasons.size() - 2), reasons.size());
            return "; " + logFile.getFileName() + ": " + String.join("; ", last);
        } catch (IOException | RuntimeException e) {
            return ""; // no log: nothing to add
        }
    }

    @Override
    public void remove(String name, VolumeOptions options) throws VolumeException {
        new VolumeRequest(name, options, "remove"); // checks the name
        Path directory = acquire(new VolumeRequest(name, options, "remove"));
        try {
            LocalVolumeDriver.deleteTree(directory);
        } catch (IOException e) {
            throw new VolumeException("cannot delete " + directory + ": " + e.getMessage(), e);
        }
    }

    record Result(int code, String output, boolean timedOut) {}

    static Result run(List<String> command, Duration timeout) {
        try {
            Process process = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectInput(ProcessBuilder.Redirect.from(new java.io.File("/dev/null"))).start();
            StringBuilder output = new StringBuilder();
            Thread reader = Thread.ofVirtual().start(() -> {
                try {
                    output.append(new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8));
                } catch (IOException e) {
                    // the process was killed
                }
            });
            if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
                process.descendants().forEach(ProcessHandle::destroyForcibly);
                process.destroyForcibly();
                return new Result(-1, "", true);
            }
            reader.join(1000);
            synchronized (output) {
                return new Result(process.exitValue(), output.toString(), false);
            }
        } catch (IOException e) {
            return new Result(-1, "cannot run " + command.getFirst() + ": " + e.getMessage(), false);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return new Result(-1, "interrupted", false);
        }
    }

    /** For tests: the mount points of this driver that are mounted now. */
    List<Path> mounted() {
        List<Path> mounted = new ArrayList<>();
        try (var children = Files.list(mountsRoot)) {
            children.filter(MountTable::isMounted).forEach(mounted::add);
        } catch (IOException e) {
            // none
        }
        return mounted;
    }
}
