package io.flotilla.agent.volume;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.VolumeOptions;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The glusterfs driver without a Gluster cluster: options, the mount command, and failing mounts. */
class GlusterVolumeDriverTest {
    @TempDir
    Path dataDir;

    private static VolumeOptions gluster(Map<String, String> options) {
        return new VolumeOptions(VolumeOptions.GLUSTERFS, options, Map.of(), false);
    }

    @Test
    void driverOptionsWinOverTheNodesDefaults() throws Exception {
        GlusterVolumeDriver driver = new GlusterVolumeDriver(dataDir,
                new GlusterDefaults(List.of("10.0.0.1", "10.0.0.2"), "gv0"));

        assertThat(driver.source(gluster(Map.of())).toString()).isEqualTo("10.0.0.1,10.0.0.2:/gv0");
        assertThat(driver.source(gluster(Map.of("servers", "h1, h2,h3", "volume", "data"))).toString())
                .isEqualTo("h1,h2,h3:/data");
        assertThat(driver.describe(gluster(Map.of("volume", "data")))).isEqualTo("glusterfs 10.0.0.1,10.0.0.2:/data");
        assertThat(GlusterDefaults.of(null, "", Map.of(GlusterDefaults.SERVERS_VARIABLE, "a,b",
                GlusterDefaults.VOLUME_VARIABLE, "v"))).isEqualTo(new GlusterDefaults(List.of("a", "b"), "v"));
        assertThat(GlusterDefaults.of("c", "w", Map.of(GlusterDefaults.SERVERS_VARIABLE, "a,b")))
                .isEqualTo(new GlusterDefaults(List.of("c"), "w"));
    }

    @Test
    void theNodeFlagsAreKeptInTheAgentsDataDirAndWinOverTheEnvironment() throws Exception {
        Map<String, String> environment = Map.of(GlusterDefaults.SERVERS_VARIABLE, "e1", GlusterDefaults.VOLUME_VARIABLE, "ev");
        assertThat(GlusterDefaults.load(dataDir, environment)).isEqualTo(new GlusterDefaults(List.of("e1"), "ev"));

        GlusterDefaults.saveFlags(dataDir, "h1,h2", null);
        assertThat(GlusterDefaults.load(dataDir, environment)).isEqualTo(new GlusterDefaults(List.of("h1", "h2"), "ev"));
        GlusterDefaults.saveFlags(dataDir, null, "gv0"); // a restart with one flag keeps the other
        assertThat(GlusterDefaults.load(dataDir, Map.of())).isEqualTo(new GlusterDefaults(List.of("h1", "h2"), "gv0"));

        assertThatThrownBy(() -> GlusterDefaults.saveFlags(dataDir, "h1 h2", "other"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--gluster-servers: not host[:port]");
        assertThatThrownBy(() -> GlusterDefaults.saveFlags(dataDir, " , ", null))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("at least one host");
        assertThatThrownBy(() -> GlusterDefaults.saveFlags(dataDir, null, "a/b"))
                .isInstanceOf(IllegalArgumentException.class).hasMessageContaining("--gluster-volume");
        assertThat(GlusterDefaults.load(dataDir, Map.of())).isEqualTo(new GlusterDefaults(List.of("h1", "h2"), "gv0"));
    }

    @Test
    void withoutServersOrVolumeTheErrorSaysWhatToSet() {
        GlusterVolumeDriver driver = new GlusterVolumeDriver(dataDir, GlusterDefaults.NONE);

        assertThatThrownBy(() -> driver.acquire(new VolumeRequest("shop_data", gluster(Map.of("volume", "gv0")), "t1")))
                .isInstanceOf(VolumeException.class)
                .hasMessage("no GlusterFS servers: set driver_opts.servers on the volume, or start the node with"
                        + " --gluster-servers (or FLOTILLA_GLUSTER_SERVERS)");
        assertThatThrownBy(() -> driver.acquire(new VolumeRequest("shop_data", gluster(Map.of("servers", "h1")), "t1")))
                .isInstanceOf(VolumeException.class).hasMessageContaining("--gluster-volume");
        assertThatThrownBy(() -> driver.source(gluster(Map.of("servers", "h1", "volume", "../x"))))
                .isInstanceOf(VolumeException.class).hasMessageContaining("not a GlusterFS volume name");
    }

    @Test
    void mountsWithTheBackupServersAndItsOwnLogFile() throws Exception {
        List<String> command = GlusterVolumeDriver.mountCommand(
                new GlusterVolumeDriver.Source(List.of("h1", "h2", "h3"), "gv0"), Path.of("/d/m/gv0"), Path.of("/d/m/gv0.log"));

        assertThat(command).containsExactly("mount", "-t", "glusterfs", "-o",
                "backup-volfile-servers=h2:h3,log-file=/d/m/gv0.log", "h1:/gv0", "/d/m/gv0");
        assertThat(GlusterVolumeDriver.mountCommand(new GlusterVolumeDriver.Source(List.of("h1"), "gv0"),
                Path.of("/m"), Path.of("/l"))).contains("log-file=/l");
        assertThat(GlusterVolumeDriver.mountCommand(new GlusterVolumeDriver.Source(List.of("h1:24008", "h2"), "gv0"),
                Path.of("/m"), Path.of("/l"))).contains("backup-volfile-servers=h2,volfile-server-port=24008,log-file=/l", "h1:/gv0");
        assertThatThrownBy(() -> GlusterVolumeDriver.mountCommand(new GlusterVolumeDriver.Source(List.of("h1:1", "h2:2"), "gv0"),
                Path.of("/m"), Path.of("/l"))).isInstanceOf(VolumeException.class).hasMessageContaining("one port");
    }

    @Test
    void anUnreachableServerFailsTheMountWithTheReason() {
        // Nothing listens on 127.0.0.9: the FUSE client cannot fetch the volume file.
        GlusterVolumeDriver driver = new GlusterVolumeDriver(dataDir, new GlusterDefaults(List.of("127.0.0.9"), "gv0"));
        long started = System.nanoTime();

        assertThatThrownBy(() -> driver.acquire(new VolumeRequest("shop_data", gluster(Map.of()), "t1")))
                .isInstanceOf(VolumeException.class)
                .hasMessageContaining("Mounting glusterfs on " + driver.mountPoint("gv0") + " failed")
                .hasMessageContaining("gv0.log: ").hasMessageContaining("127.0.0.9");
        assertThat(Duration.ofNanos(System.nanoTime() - started)).isLessThan(GlusterVolumeDriver.MOUNT_TIMEOUT.plusSeconds(5));
        assertThat(MountTable.isMounted(driver.mountPoint("gv0"))).isFalse();
    }

    @Test
    void readsMountPointsFromMountinfoWithEscapes() {
        List<String> mountinfo = List.of(
                "36 35 98:0 /mnt1 /mnt/parent rw,noatime master:1 - ext3 /dev/root rw,errors=continue",
                "40 35 0:52 / /data/mounts/glusterfs/my\\040volume rw,relatime - fuse.glusterfs h1:/gv0 rw");

        assertThat(MountTable.isMounted(mountinfo, Path.of("/data/mounts/glusterfs/my volume"))).isTrue();
        assertThat(MountTable.isMounted(mountinfo, Path.of("/mnt/parent"))).isTrue();
        assertThat(MountTable.isMounted(mountinfo, Path.of("/mnt"))).isFalse();
    }
}
