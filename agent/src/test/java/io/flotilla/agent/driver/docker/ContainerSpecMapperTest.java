package io.flotilla.agent.driver.docker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.github.dockerjava.api.model.Capability;
import com.github.dockerjava.api.model.ExposedPort;
import com.github.dockerjava.api.model.HostConfig;
import com.github.dockerjava.api.model.Mount;
import io.flotilla.agent.driver.HostMount;
import io.flotilla.agent.driver.TaskDirectory;
import io.flotilla.agent.volume.GlusterDefaults;
import io.flotilla.agent.volume.TaskVolumes;
import io.flotilla.agent.volume.VolumeDrivers;
import java.nio.file.Path;
import org.junit.jupiter.api.io.TempDir;
import com.github.dockerjava.api.model.MountType;
import com.github.dockerjava.api.model.Ports;
import com.github.dockerjava.api.model.Ulimit;
import io.flotilla.model.Task;
import io.flotilla.model.api.Assignment;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** TaskTemplate → container, without a daemon. */
class ContainerSpecMapperTest {
    private final Task task = DockerTasks.task("t1", DockerTasks.full(), Map.of("DB_HOST", "10.0.0.5"));
    private final Assignment ports = new Assignment(List.of(new Assignment.Port("http", 80),
            new Assignment.Port("admin", 9000, 19000)), false, Map.of(), false);

    @Test
    void mapsTheComposeServiceOntoTheContainer() {
        ContainerSpec spec = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of("http", 31000, "admin", 19000), List.of());

        assertThat(spec.name()).isEqualTo("teststack_web.2.t1");
        assertThat(spec.image()).isEqualTo(DockerTasks.IMAGE);
        assertThat(spec.entrypoint()).containsExactly("/bin/sh", "-c");
        assertThat(spec.command()).containsExactly("httpd", "-f");
        assertThat(spec.workingDir()).isEqualTo("/www");
        assertThat(spec.user()).isEqualTo("nobody");
        assertThat(spec.hostname()).isEqualTo("web-host");
        assertThat(spec.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(spec.stopTimeout()).isEqualTo(3);
        assertThat(spec.healthcheck().getTest()).containsExactly("CMD-SHELL", "true");
        assertThat(spec.healthcheck().getInterval()).isEqualTo(2_000_000_000L);
        assertThat(spec.healthcheck().getTimeout()).isEqualTo(1_000_000_000L);
        assertThat(spec.healthcheck().getRetries()).isEqualTo(2);
        assertThat(spec.healthcheck().getStartPeriod()).isEqualTo(5_000_000_000L);
    }

    @Test
    void labelsTieTheContainerToItsTaskAndCannotBeSpoofed() {
        ContainerSpec spec = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of(), List.of());

        assertThat(spec.labels()).containsEntry("team", "a").containsEntry(ContainerLabels.TASK, "t1")
                .containsEntry(ContainerLabels.NODE, "node-1").containsEntry(ContainerLabels.SERVICE, "teststack_web")
                .containsEntry(ContainerLabels.STACK, "teststack").containsEntry(ContainerLabels.SLOT, "2");
    }

    @Test
    void environmentCarriesContainerPortsAndNothingOfTheAgent() {
        ContainerSpec spec = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of("http", 31000, "admin", 19000), List.of());

        assertThat(spec.environment()).contains("MODE=test", "DB_HOST=10.0.0.5", "FLOTILLA_TASK_ID=t1",
                "FLOTILLA_TASK_SLOT=2", "FLOTILLA_SERVICE=teststack_web", "FLOTILLA_NODE_ID=node-1", "PORT=80",
                "FLOTILLA_PORT_HTTP=80", "FLOTILLA_PORT_ADMIN=9000", "FLOTILLA_PORTS=http:80,admin:9000:19000:host");
        assertThat(spec.environment()).noneMatch(entry -> entry.startsWith("PATH=") || entry.startsWith("HOME="));
    }

    @Test
    void aStatefulContainerSeesItsFencingSlotAndSlotNameAsBefore() {
        Assignment stateful = new Assignment(List.of(), true, Map.of(), true, 2, "web-2.web.teststack.flotilla");
        assertThat(ContainerSpecMapper.map(task, stateful, "node-1", "127.0.0.1", Map.of(), List.of()).environment())
                .contains("FLOTILLA_FENCING=lease", "FLOTILLA_SLOT=2", "FLOTILLA_SLOT_NAME=web-2.web.teststack.flotilla",
                        "DB_HOST=10.0.0.5");
        assertThat(ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of(), List.of()).environment())
                .noneMatch(variable -> variable.startsWith("FLOTILLA_SLOT") || variable.startsWith("FLOTILLA_FENCING"));
    }

    @Test
    void aFencedTaskSeesTheNodesFencingDirectoryReadOnlyAndItsLeaseFileInItsEnvironment() {
        java.nio.file.Path lease = java.nio.file.Path.of("/var/lib/flotilla/fencing/lease");
        ContainerSpec spec = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of(), List.of(), lease);

        assertThat(spec.environment()).contains("FLOTILLA_LEASE_FILE=/run/flotilla/fencing/lease");
        assertThat(spec.hostConfig().getMounts()).anySatisfy(mount -> {
            assertThat(mount.getSource()).as("the directory: the lease file is replaced by a rename")
                    .isEqualTo("/var/lib/flotilla/fencing");
            assertThat(mount.getTarget()).isEqualTo("/run/flotilla/fencing");
            assertThat(mount.getReadOnly()).isTrue();
        });
        assertThat(ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of(), List.of()).environment())
                .noneMatch(variable -> variable.startsWith("FLOTILLA_LEASE_FILE="));
    }

    @Test
    void publishesEveryPortOnTheNodeAddressAndTheHostPortPicked() {
        ContainerSpec spec = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of("http", 31000, "admin", 19000), List.of());

        assertThat(spec.exposedPorts()).containsExactly(ExposedPort.tcp(80), ExposedPort.tcp(9000));
        Map<ExposedPort, Ports.Binding[]> bindings = spec.hostConfig().getPortBindings().getBindings();
        assertThat(bindings.get(ExposedPort.tcp(80))).containsExactly(Ports.Binding.bindIpAndPort("127.0.0.1", 31000));
        assertThat(bindings.get(ExposedPort.tcp(9000))).containsExactly(Ports.Binding.bindIpAndPort("127.0.0.1", 19000));
    }

    @Test
    void hostConfigCarriesLimitsCapabilitiesAndFilesystemOptions() {
        HostConfig host = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of(), List.of()).hostConfig();

        assertThat(host.getNanoCPUs()).isEqualTo(1_500_000_000L);
        assertThat(host.getMemory()).isEqualTo(64L << 20);
        assertThat(host.getMemoryReservation()).isEqualTo(32L << 20);
        assertThat(host.getPidsLimit()).isEqualTo(100L);
        assertThat(host.getCapAdd()).containsExactly(Capability.NET_ADMIN, Capability.SYS_TIME);
        assertThat(host.getCapDrop()).containsExactly(Capability.ALL);
        assertThat(host.getInit()).isTrue();
        assertThat(host.getReadonlyRootfs()).isTrue();
        assertThat(host.getTmpFs()).containsEntry("/run", "size=1m").containsEntry("/tmp", "");
        assertThat(host.getUlimits()).extracting(Ulimit::getName, Ulimit::getSoftLong, Ulimit::getHardLong)
                .containsExactly(org.assertj.core.groups.Tuple.tuple("nofile", 1024L, 2048L));
    }

    @Test
    void namedVolumesAreBindMountsOfTheirDriversDirectoryBindsKeepTheirPath(@TempDir Path dataDir) throws Exception {
        List<HostMount> resolved = new TaskVolumes(VolumeDrivers.standard(dataDir, GlusterDefaults.NONE))
                .acquire(task, Assignment.NONE, TaskDirectory.of(dataDir, task.id()));
        List<Mount> mounts = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of(), resolved).hostConfig().getMounts();

        String volume = dataDir.resolve("volumes/teststack_data/_data").toString();
        assertThat(Path.of(volume)).isDirectory();
        assertThat(mounts).extracting(Mount::getType, Mount::getSource, Mount::getTarget, Mount::getReadOnly)
                .containsExactly(
                        org.assertj.core.groups.Tuple.tuple(MountType.BIND, volume, "/data", false),
                        org.assertj.core.groups.Tuple.tuple(MountType.BIND, "/srv/x", "/x", true),
                        org.assertj.core.groups.Tuple.tuple(MountType.TMPFS, null, "/scratch", false),
                        org.assertj.core.groups.Tuple.tuple(MountType.VOLUME, null, "/anon", false));
    }

    @Test
    void aMinimalTaskLeavesTheImageDefaults() {
        ContainerSpec spec = ContainerSpecMapper.map(DockerTasks.task("t2", DockerTasks.template("img", List.of()), Map.of()),
                Assignment.NONE, "n", "10.0.0.1", Map.of(), List.of());

        assertThat(spec.entrypoint()).isNull();
        assertThat(spec.command()).isNull();
        assertThat(spec.user()).isNull();
        assertThat(spec.healthcheck()).isNull();
        assertThat(spec.hostConfig().getInit()).isNull();
        assertThat(spec.hostConfig().getMemory()).isNull();
        assertThat(spec.stopSignal()).isEqualTo("SIGTERM");
    }

    @Test
    void refusesAnUnknownCapability() {
        assertThatThrownBy(() -> ContainerSpecMapper.capabilities(List.of("FLY")))
                .hasMessage("unknown capability: FLY");
    }

    @Test
    void signalNamesAsDockerTakesThem() {
        assertThat(ContainerSpecMapper.signalName("TERM")).isEqualTo("SIGTERM");
        assertThat(ContainerSpecMapper.signalName("sigquit")).isEqualTo("SIGQUIT");
        assertThat(ContainerSpecMapper.signalName("9")).isEqualTo("9");
    }

    static final io.flotilla.model.api.TaskNetwork FRONT = new io.flotilla.model.api.TaskNetwork("shop_front", 9101,
            "198.18.201.0/24", "198.18.201.1", false, "198.18.201.7");
    static final io.flotilla.model.api.TaskNetwork BACK = new io.flotilla.model.api.TaskNetwork("shop_back", 9102,
            "198.18.202.0/24", "198.18.202.1", true, "198.18.202.9");

    @Test
    void aTaskOnNetworksIsCreatedOnTheFirstAtItsAddressWithTheNodesDnsAndItsStacksSearchDomain() {
        Assignment onNetworks = ports.withNetworks(List.of(FRONT, BACK), "shop");
        ContainerSpec spec = ContainerSpecMapper.map(task, onNetworks, "node-1", "127.0.0.1",
                Map.of("http", 31000, "admin", 19000), List.of(), null, "corp");

        assertThat(spec.hostConfig().getNetworkMode()).isEqualTo("flotilla-shop_front");
        assertThat(spec.networking().ipv4Address()).isEqualTo("198.18.201.7");
        assertThat(spec.networking().connectBeforeStart()).containsExactly(BACK);
        assertThat(spec.hostConfig().getDns()).containsExactly("198.18.201.1");
        assertThat(spec.hostConfig().getDnsSearch()).containsExactly("shop.corp");
        assertThat(spec.hostConfig().getPortBindings().getBindings()).as("ports are published as without networks")
                .containsKey(ExposedPort.tcp(80));
        assertThat(ContainerSpecMapper.map(task, onNetworks.withNetworks(List.of(FRONT), null), "node-1", "127.0.0.1",
                Map.of(), List.of(), null, "corp").hostConfig().getDnsSearch()).as("outside a stack").isNull();
    }

    @Test
    void networkModeHostOrNoneIsDockersOwnWithoutPublishedPortsAndATaskWithoutNetworksKeepsTheDefaultBridge() {
        for (String mode : List.of("host", "none")) {
            Task moded = DockerTasks.task("t1", DockerTasks.full().withNetworks(List.of(), mode), Map.of());
            ContainerSpec spec = ContainerSpecMapper.map(moded, ports, "node-1", "127.0.0.1",
                    Map.of("http", 31000), List.of(), null, "flotilla");
            assertThat(spec.hostConfig().getNetworkMode()).isEqualTo(mode);
            assertThat(spec.hostConfig().getPortBindings().getBindings().values()).allMatch(binding -> binding == null);
            assertThat(spec.hostConfig().getDns()).isNull();
        }
        ContainerSpec plain = ContainerSpecMapper.map(task, ports, "node-1", "127.0.0.1", Map.of("http", 31000), List.of());
        assertThat(plain.hostConfig().getNetworkMode()).isNull();
        assertThat(plain.networking()).isEqualTo(ContainerNetworking.DEFAULT_BRIDGE);
    }
}
