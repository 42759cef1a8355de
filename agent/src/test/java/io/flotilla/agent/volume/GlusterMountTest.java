package io.flotilla.agent.volume;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.VolumeOptions;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The glusterfs driver against the real test bed ({@link GlusterTestEnvironment}): two "nodes" share a volume. */
class GlusterMountTest {
    @TempDir
    Path nodeA;
    @TempDir
    Path nodeB;

    private GlusterDefaults bed;
    private GlusterVolumeDriver driverA;
    private GlusterVolumeDriver driverB;
    private final String name = "h2test-" + UUID.randomUUID().toString().substring(0, 8);

    @BeforeEach
    void requireBed() {
        bed = GlusterTestEnvironment.require();
        driverA = new GlusterVolumeDriver(nodeA, bed);
        driverB = new GlusterVolumeDriver(nodeB, bed);
    }

    @AfterEach
    void unmount() throws Exception {
        if (bed == null) {
            return;
        }
        VolumeOptions options = new VolumeOptions(VolumeOptions.GLUSTERFS, Map.of(), Map.of(), false);
        try {
            driverA.remove(name, options);
        } finally {
            for (Path mountPoint : List.of(driverA.mountPoint(bed.volume()), driverB.mountPoint(bed.volume()))) {
                if (MountTable.isMounted(mountPoint)) {
                    GlusterVolumeDriver.run(List.of("umount", "-l", mountPoint.toString()), GlusterVolumeDriver.STAT_TIMEOUT);
                }
            }
        }
    }

    private static VolumeRequest request(String name) {
        return new VolumeRequest(name, new VolumeOptions(VolumeOptions.GLUSTERFS, Map.of(), Map.of(), false), "t1");
    }

    private static long mountsAt(Path mountPoint) throws Exception {
        String wanted = " " + mountPoint + " ";
        return Files.readAllLines(Path.of("/proc/self/mountinfo")).stream().filter(line -> line.contains(wanted)).count();
    }

    @Test
    void twoNodesMountTheGlusterVolumeOnceAndShareTheFlotillaVolumesDirectory() throws Exception {
        Path onA = driverA.acquire(request(name));
        Files.writeString(onA.resolve("ledger.log"), "1 t1\n");
        Path again = driverA.acquire(request(name));

        Path onB = driverB.acquire(request(name));

        assertThat(onA).isEqualTo(nodeA.resolve("mounts/glusterfs").resolve(bed.volume()).resolve(name)).isEqualTo(again);
        assertThat(mountsAt(driverA.mountPoint(bed.volume()))).isEqualTo(1);
        assertThat(onB.resolve("ledger.log")).hasContent("1 t1");
        assertThat(nodeA.resolve("mounts/glusterfs").resolve(bed.volume() + ".log")).exists();
    }

    @Test
    void aMountWhoseClientDiedIsMountedAgain() throws Exception {
        Path onA = driverA.acquire(request(name));
        Path mountPoint = driverA.mountPoint(bed.volume());
        // Kill this mount's FUSE client: the mount stays in the table but answers "Transport endpoint is not connected".
        ProcessHandle.allProcesses()
                .filter(process -> process.info().commandLine().orElse("").contains(mountPoint.toString()))
                .filter(process -> process.info().command().orElse("").matches(".*/glusterfsd?"))
                .forEach(ProcessHandle::destroyForcibly);
        org.awaitility.Awaitility.await().atMost(java.time.Duration.ofSeconds(5))
                .until(() -> !Files.isDirectory(onA));

        Path remounted = driverA.acquire(request(name));

        assertThat(remounted).isEqualTo(onA).isDirectory();
        Files.writeString(remounted.resolve("after"), "ok");
        assertThat(mountsAt(mountPoint)).isEqualTo(1);
    }
}
