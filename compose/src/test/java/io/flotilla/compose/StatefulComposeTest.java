package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import io.flotilla.model.ServiceSpec;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Named volumes resolved to their cluster-wide names with their driver options, tmpfs, and the
 * stateful {@code x-flotilla} keys; every mistake names the file, line and field.
 */
class StatefulComposeTest {
    private final ComposeLoader loader = new ComposeLoader(Map.of());
    @TempDir
    Path dir;

    private Path file(String yaml) throws IOException {
        Path file = dir.resolve("compose.yaml");
        Files.writeString(file, yaml);
        return file;
    }

    private LoadedStack load(String yaml) throws Exception {
        return loader.load(file(yaml), "shop");
    }

    private ComposeException refused(String yaml) throws IOException {
        Path file = file(yaml);
        ComposeException error = catchThrowableOfType(ComposeException.class, () -> loader.load(file, "shop"));
        assertThat(error).as("refused").isNotNull();
        assertThat(error.file()).isEqualTo(file);
        assertThat(error.getMessage()).startsWith(file + ":" + error.line() + ":");
        return error;
    }

    /** Loading the normalized output again gives the same stack (names, options, labels). */
    private void roundTrips(LoadedStack loaded) throws Exception {
        Path normalized = dir.resolve("normalized.yaml");
        Files.writeString(normalized, loaded.normalizedYaml());
        LoadedStack again = loader.load(normalized, "shop");
        assertThat(again.stack()).isEqualTo(loaded.stack());
        assertThat(again.warnings()).isEmpty();
    }

    private static final String VOLUMES = """
            services:
              db:
                image: postgres
                volumes:
                  - data:/var/lib/postgresql/data
                  - type: volume
                    source: shared
                    target: /shared
                    read_only: true
                  - legacy:/legacy
                  - old:/old
                  - named:/named
                  - type: tmpfs
                    target: /scratch
                  - /anonymous
                tmpfs:
                  - /run
            volumes:
              data:
              shared:
                driver: glusterfs
                driver_opts:
                  servers: "gl1,gl2:24007,10.0.0.3"
                  volume: gv0
                labels:
                  - tier=gold
              legacy:
                external: true
              old:
                external:
                  name: kept-from-before
              named:
                name: exactly-this
                labels: {team: a}
            """;

    @Test
    void namedVolumesCarryTheirClusterNameAndOptions() throws Exception {
        LoadedStack loaded = load(VOLUMES);

        assertThat(loaded.stack().services().getFirst().task().volumes()).containsExactly(
                new VolumeMount("volume", "shop_data", "/var/lib/postgresql/data", false, VolumeOptions.DEFAULT),
                new VolumeMount("volume", "shop_shared", "/shared", true, new VolumeOptions("glusterfs",
                        Map.of("servers", "gl1,gl2:24007,10.0.0.3", "volume", "gv0"), Map.of("tier", "gold"), false)),
                new VolumeMount("volume", "legacy", "/legacy", false, new VolumeOptions("local", Map.of(), Map.of(), true)),
                new VolumeMount("volume", "kept-from-before", "/old", false,
                        new VolumeOptions("local", Map.of(), Map.of(), true)),
                new VolumeMount("volume", "exactly-this", "/named", false,
                        new VolumeOptions("local", Map.of(), Map.of("team", "a"), false)),
                new VolumeMount("tmpfs", null, "/scratch", false),
                new VolumeMount("volume", null, "/anonymous", false));
        assertThat(loaded.stack().services().getFirst().task().tmpfs()).containsExactly("/run");
        assertThat(loaded.warnings()).isEmpty();
        roundTrips(loaded);
    }

    @Test
    void glusterfsOptionsMayComeFromTheNodes() throws Exception {
        LoadedStack loaded = load("""
                services:
                  db:
                    image: postgres
                    volumes: [data:/data]
                volumes:
                  data:
                    driver: glusterfs
                """);
        assertThat(loaded.stack().services().getFirst().task().volumes().getFirst().options())
                .isEqualTo(new VolumeOptions("glusterfs", Map.of(), Map.of(), false));
    }

    @Test
    void refusesAnUnknownDriver() throws IOException {
        ComposeException error = refused("""
                services:
                  db:
                    image: postgres
                    volumes: [data:/data]
                volumes:
                  data:
                    driver: nfs
                """);
        assertThat(error.line()).isEqualTo(7);
        assertThat(error.key()).isEqualTo("volumes.data.driver");
        assertThat(error.getMessage()).contains("volume data: unknown driver nfs; Flotilla has local and glusterfs");
    }

    @Test
    void refusesGlusterfsOptionsThatCannotBeRight() throws IOException {
        String head = """
                services:
                  db:
                    image: postgres
                    volumes: [data:/data]
                volumes:
                  data:
                    driver: glusterfs
                    driver_opts:
                """;
        ComposeException servers = refused(head + "      servers: \"gl1,,gl2\"\n");
        assertThat(servers.line()).isEqualTo(9);
        assertThat(servers.key()).isEqualTo("volumes.data.driver_opts.servers");
        assertThat(servers.getMessage()).contains("comma-separated list of host[:port], not \"gl1,,gl2\"");

        ComposeException port = refused(head + "      servers: \"gl1:http\"\n");
        assertThat(port.key()).isEqualTo("volumes.data.driver_opts.servers");

        ComposeException volume = refused(head + "      volume: \"gv 0\"\n");
        assertThat(volume.line()).isEqualTo(9);
        assertThat(volume.key()).isEqualTo("volumes.data.driver_opts.volume");
        assertThat(volume.getMessage()).contains("must be a Gluster volume name");

        ComposeException unknown = refused(head + "      transport: rdma\n");
        assertThat(unknown.key()).isEqualTo("volumes.data.driver_opts.transport");
        assertThat(unknown.getMessage()).contains("unknown glusterfs option transport");
    }

    @Test
    void refusesDriverOptionsForTheLocalDriver() throws IOException {
        ComposeException error = refused("""
                services:
                  db:
                    image: postgres
                    volumes: [data:/data]
                volumes:
                  data:
                    driver_opts: {type: nfs}
                """);
        assertThat(error.line()).isEqualTo(7);
        assertThat(error.key()).isEqualTo("volumes.data.driver_opts");
        assertThat(error.getMessage()).contains("the local driver takes no driver_opts (got type)");
    }

    @Test
    void statefulKeysBecomeServiceLabels() throws Exception {
        LoadedStack loaded = load("""
                services:
                  db:
                    image: postgres
                    x-flotilla: {stateful: true, on_node_loss: recreate}
                    deploy: {replicas: 3}
                    volumes: [data:/data]
                  web:
                    image: nginx
                volumes:
                  data:
                """);
        ServiceSpec db = loaded.stack().services().getFirst();
        assertThat(db.labels()).containsEntry(ServiceSpec.STATEFUL_LABEL, "true")
                .containsEntry(ServiceSpec.ON_NODE_LOSS_LABEL, "recreate");
        assertThat(db.stateful()).isTrue();
        assertThat(db.onNodeLoss()).isEqualTo("recreate");
        ServiceSpec web = loaded.stack().services().get(1);
        assertThat(web.stateful()).isFalse();
        assertThat(web.onNodeLoss()).isEqualTo("wait");
        assertThat(loaded.warnings()).isEmpty();
        roundTrips(loaded);
    }

    @Test
    void refusesAStatefulGlobalService() throws IOException {
        ComposeException error = refused("""
                services:
                  db:
                    image: postgres
                    x-flotilla:
                      stateful: true
                    deploy:
                      mode: global
                """);
        assertThat(error.line()).isEqualTo(5);
        assertThat(error.key()).isEqualTo("services.db.x-flotilla.stateful");
        assertThat(error.getMessage()).contains("a stateful service cannot have deploy.mode global");
    }

    @Test
    void refusesAnUnknownOnNodeLossValue() throws IOException {
        ComposeException error = refused("""
                services:
                  db:
                    image: postgres
                    x-flotilla:
                      stateful: true
                      on_node_loss: migrate
                """);
        assertThat(error.line()).isEqualTo(6);
        assertThat(error.key()).isEqualTo("services.db.x-flotilla.on_node_loss");
        assertThat(error.getMessage()).contains("on_node_loss must be wait or recreate, not \"migrate\"");
    }

    @Test
    void refusesANonBooleanStateful() throws IOException {
        ComposeException error = refused("""
                services:
                  db:
                    image: postgres
                    x-flotilla: {stateful: maybe}
                """);
        assertThat(error.line()).isEqualTo(4);
        assertThat(error.key()).isEqualTo("services.db.x-flotilla.stateful");
        assertThat(error.getMessage()).contains("must be true or false");
    }

    @Test
    void refusesAnUnknownFlotillaKey() throws IOException {
        ComposeException error = refused("""
                services:
                  db:
                    image: postgres
                    x-flotilla:
                      statefull: true
                """);
        assertThat(error.line()).isEqualTo(5);
        assertThat(error.key()).isEqualTo("services.db.x-flotilla.statefull");
        assertThat(error.getMessage()).contains("unknown x-flotilla key statefull (known: driver, on_node_loss, stateful,"
                + " requires, on_dependency_change)");
    }
}
