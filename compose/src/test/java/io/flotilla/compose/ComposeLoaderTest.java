package io.flotilla.compose;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.flotilla.model.DependencySpec;
import io.flotilla.model.PortSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.ServiceMode;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.Ulimit;
import io.flotilla.model.VolumeMount;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ComposeLoaderTest {
    private static final Map<String, String> ENVIRONMENT = Map.of("FROM_SHELL", "shell-value",
            "OVERRIDDEN", "from-environment", "INHERITED", "inherited-value", "HOME", "/home/tester");

    private final ComposeLoader loader = new ComposeLoader(ENVIRONMENT);

    private static ServiceSpec service(LoadedStack loaded, String shortName) {
        return loaded.stack().services().stream().filter(s -> s.shortName().equals(shortName)).findFirst()
                .orElseThrow();
    }

    @Test
    void loadsTheShopExample() throws ComposeException {
        LoadedStack loaded = loader.load(Fixtures.path("shop.yaml"), "shop");

        assertThat(loaded.stack().name()).isEqualTo("shop");
        assertThat(loaded.warnings()).isEmpty();
        ServiceSpec web = service(loaded, "web");
        assertThat(web.name()).isEqualTo("shop_web");
        assertThat(web.stack()).isEqualTo("shop");
        assertThat(web.replicas()).isEqualTo(3);
        assertThat(web.task().driver()).isEqualTo(TaskTemplate.PROCESS);
        assertThat(web.task().command()).containsExactly("./flotilla", "demo-app", "web");
        assertThat(web.task().environment()).containsEntry("GREETING", "hello from flotilla");
        assertThat(web.ports()).containsExactly(new PortSpec("http", 8080, 8080, "tcp", "ingress"));
        assertThat(web.dependsOn()).containsExactly(new DependencySpec("backend", DependencySpec.HEALTHY, true));
        assertThat(web.task().healthcheck().test())
                .containsExactly("CMD", "./flotilla", "demo-app", "probe", "http://127.0.0.1:${PORT}/health");
        assertThat(web.task().healthcheck().interval()).isEqualTo(Duration.ofSeconds(2));
        assertThat(web.task().healthcheck().retries()).isEqualTo(3);
        assertThat(web.task().resources().reservations()).isEqualTo(new Resources(100_000_000L, 64L << 20, 0));
        assertThat(web.task().restartPolicy()).isEqualTo(new RestartPolicy("any", Duration.ofSeconds(1), null, null));
        ServiceSpec backend = service(loaded, "backend");
        assertThat(backend.replicas()).isEqualTo(2);
        assertThat(backend.ports()).containsExactly(new PortSpec("9090", 9090, null, "tcp", "ingress"));
    }

    @Test
    void theEnvironmentOverridesTheDefault() throws ComposeException {
        LoadedStack loaded = new ComposeLoader(Map.of("GREETING", "hi")).load(Fixtures.path("shop.yaml"), "shop");
        assertThat(service(loaded, "web").task().environment()).containsEntry("GREETING", "hi");
    }

    @Test
    void theStackNameDefaultsToTheFileName() throws ComposeException {
        assertThat(loader.load(Fixtures.path("shop.yaml"), null).stack().name()).isEqualTo("shop");
    }

    @Test
    void loadsWordpress() throws ComposeException {
        LoadedStack loaded = loader.load(Fixtures.path("wordpress.yaml"), "wp");

        assertThat(loaded.warnings()).contains("version is obsolete: the attribute `version` is ignored, please remove it");
        ServiceSpec db = service(loaded, "db");
        assertThat(db.task().driver()).isEqualTo(TaskTemplate.DOCKER);
        assertThat(db.task().image()).isEqualTo("mysql:8.0");
        assertThat(db.task().command()).containsExactly("--default-authentication-plugin=mysql_native_password");
        assertThat(db.task().volumes()).containsExactly(new VolumeMount("volume", "wp_db_data", "/var/lib/mysql", false));
        assertThat(db.task().restartPolicy().condition()).isEqualTo(RestartPolicy.ANY);
        assertThat(db.task().environment()).containsEntry("MYSQL_DATABASE", "wordpress").hasSize(4);
        assertThat(db.ports()).extracting(PortSpec::name).containsExactly("3306", "33060");
        ServiceSpec wordpress = service(loaded, "wordpress");
        assertThat(wordpress.ports()).containsExactly(new PortSpec("80", 80, 80, "tcp", "ingress"));
        assertThat(wordpress.dependsOn()).containsExactly(new DependencySpec("db", DependencySpec.STARTED, true));
    }

    @Test
    void loadsTheVotingApp() throws ComposeException {
        LoadedStack loaded = loader.load(Fixtures.path("voting-app.yaml"), "vote");

        assertThat(loaded.stack().services()).hasSize(6);
        assertThat(loaded.warnings()).contains("Ignoring unsupported options: logging");
        ServiceSpec worker = service(loaded, "worker");
        assertThat(worker.labels()).containsEntry("APP", "VOTING");
        assertThat(worker.task().placement().constraints()).containsExactly("node.role == manager");
        assertThat(worker.task().placement().spreadPreferences()).containsExactly("node.labels.zone");
        assertThat(worker.task().placement().maxReplicasPerNode()).isEqualTo(1);
        assertThat(worker.task().restartPolicy())
                .isEqualTo(new RestartPolicy("on-failure", Duration.ofSeconds(10), 3, Duration.ofSeconds(120)));
        assertThat(worker.task().networkNames()).containsExactly("vote_frontend", "vote_backend");
        ServiceSpec redis = service(loaded, "redis");
        assertThat(redis.updateConfig().parallelism()).isEqualTo(2);
        assertThat(redis.updateConfig().delay()).isEqualTo(Duration.ofSeconds(10));
        ServiceSpec visualizer = service(loaded, "visualizer");
        assertThat(visualizer.task().stopGracePeriod()).isEqualTo(Duration.ofSeconds(90));
        assertThat(visualizer.task().volumes())
                .containsExactly(new VolumeMount("bind", "/var/run/docker.sock", "/var/run/docker.sock", false));
    }

    @Test
    void loadsAFileUsingManyFeatures() throws ComposeException {
        Path file = Fixtures.path("features/compose.yaml");
        Path directory = file.getParent();
        LoadedStack loaded = loader.load(file, "features");

        ServiceSpec web = service(loaded, "web");
        TaskTemplate task = web.task();
        assertThat(task.image()).isEqualTo("nginx:1.25");
        assertThat(task.command()).containsExactly("nginx", "-g", "daemon off;");
        assertThat(task.entrypoint()).containsExactly("/docker-entrypoint.sh");
        assertThat(task.environment())
                .containsEntry("APP_MODE", "production")
                .containsEntry("QUOTED", "a b # not a comment")
                .containsEntry("SINGLE", "literal $HOME")
                .containsEntry("INHERITED", "inherited-value")
                .containsEntry("SHARED", "from-environment")
                .containsEntry("FROM_SHELL", "shell-value")
                .containsEntry("OVERRIDDEN", "from-environment")
                .containsEntry("PRICE", "$5")
                .containsEntry("UNSET_VAR", "");
        assertThat(task.workingDir()).isEqualTo("/srv");
        assertThat(task.user()).isEqualTo("1000:1000");
        assertThat(task.hostname()).isEqualTo("web-host");
        assertThat(task.labels()).containsEntry("team", "platform");
        assertThat(task.restartPolicy()).isEqualTo(new RestartPolicy("on-failure", null, 5, null));
        assertThat(web.ports()).containsExactly(
                new PortSpec("80", 80, null, "tcp", null),
                new PortSpec("80-tcp", 80, 8088, "tcp", null),
                new PortSpec("443", 443, 8443, "tcp", null),
                new PortSpec("53", 53, 53, "udp", null),
                new PortSpec("3000", 3000, 3000, "tcp", null),
                new PortSpec("3001", 3001, 3001, "tcp", null),
                new PortSpec("3002", 3002, 3002, "tcp", null),
                new PortSpec("metrics", 9000, 9001, "tcp", "host", "http"),
                new PortSpec("7000", 7000, null, "tcp", null));
        assertThat(task.healthcheck().test()).containsExactly("CMD-SHELL", "curl -f http://localhost/ || exit 1");
        assertThat(task.healthcheck().interval()).isEqualTo(Duration.ofSeconds(90));
        assertThat(task.healthcheck().timeout()).isEqualTo(Duration.ofSeconds(10));
        assertThat(task.healthcheck().retries()).isEqualTo(5);
        assertThat(task.healthcheck().startPeriod()).isEqualTo(Duration.ofSeconds(40));
        assertThat(task.healthcheck().startInterval()).isEqualTo(Duration.ofMillis(500));
        assertThat(web.dependsOn()).containsExactly(new DependencySpec("cache", DependencySpec.STARTED, true),
                new DependencySpec("db", DependencySpec.HEALTHY, true));
        assertThat(task.volumes()).containsExactly(
                new VolumeMount("volume", "features_data", "/var/lib/data", true),
                new VolumeMount("bind", directory.resolve("html").toString(), "/usr/share/nginx/html", false),
                new VolumeMount("volume", null, "/var/log", false),
                new VolumeMount("bind", directory.resolve("conf").toString(), "/etc/nginx/conf.d", true),
                new VolumeMount("tmpfs", null, "/cache", false));
        assertThat(task.networkNames()).containsExactly("features_front", "features_back");
        assertThat(task.stopSignal()).isEqualTo("SIGQUIT");
        assertThat(task.stopGracePeriod()).isEqualTo(Duration.ofSeconds(20));
        assertThat(task.init()).isTrue();
        assertThat(task.readOnly()).isTrue();
        assertThat(task.capAdd()).containsExactly("NET_ADMIN");
        assertThat(task.capDrop()).containsExactly("ALL");
        assertThat(task.tmpfs()).containsExactly("/run");
        assertThat(task.ulimits()).containsEntry("nproc", new Ulimit(65535, 65535))
                .containsEntry("nofile", new Ulimit(20000, 40000));
        assertThat(task.pullPolicy()).isEqualTo("always");
        assertThat(web.replicas()).isEqualTo(4);
        assertThat(web.labels()).containsEntry("com.example.description", "web tier");
        assertThat(task.placement().constraints()).containsExactly("node.labels.zone != c");
        assertThat(task.placement().maxReplicasPerNode()).isEqualTo(2);
        assertThat(task.resources().limits()).isEqualTo(new Resources(1_500_000_000L, 1L << 30, 100));
        assertThat(task.resources().reservations()).isEqualTo(new Resources(250_000_000L, 512L << 20, 0));
        assertThat(web.updateConfig().parallelism()).isEqualTo(2);
        assertThat(web.updateConfig().failureAction()).isEqualTo("rollback");
        assertThat(web.updateConfig().monitor()).isEqualTo(Duration.ofMinutes(1));
        assertThat(web.updateConfig().maxFailureRatio()).isEqualTo(0.1);
        assertThat(web.updateConfig().order()).isEqualTo("start-first");
        assertThat(web.rollbackConfig().parallelism()).isZero();

        ServiceSpec cache = service(loaded, "cache");
        assertThat(cache.mode()).isEqualTo(ServiceMode.GLOBAL);
        assertThat(cache.task().restartPolicy().condition()).isEqualTo(RestartPolicy.NONE);
        assertThat(cache.task().command()).containsExactly("redis-server", "--appendonly", "yes");
        ServiceSpec db = service(loaded, "db");
        assertThat(db.task().environment()).containsEntry("FROM_SHELL", "shell-value");
        assertThat(db.task().healthcheck().test()).containsExactly("CMD-SHELL", "pg_isready -U postgres");
        ServiceSpec worker = service(loaded, "worker");
        assertThat(worker.task().driver()).isEqualTo(TaskTemplate.PROCESS);
        assertThat(worker.task().command()).containsExactly("./worker", "--queue", "high priority", "--verbose");
        assertThat(worker.task().healthcheck().disabled()).isTrue();

        assertThat(loaded.warnings()).containsExactly(
                "The \"NOT_DEFINED\" variable is not set. Defaulting to a blank string.",
                "services.worker.deploy.mode: replicated-job is not supported; the service runs as replicated"
                        + " (restarted when it exits)",
                "configs.nginx_conf is declared but no service uses it: not created",
                "Ignoring unsupported options: ports.host_ip, privileged");
        assertThat(loaded.normalizedYaml()).contains("name: features", "image: nginx:1.25", "replicas: 4",
                "interval: 1m30s", "PRICE: $$5");
    }

    @Test
    void theNormalizedYamlLoadsAgainToTheSameStack(@TempDir Path directory) throws Exception {
        for (String fixture : List.of("voting-app.yaml", "shop.yaml", "wordpress.yaml")) {
            LoadedStack first = loader.load(Fixtures.path(fixture), "again");
            Path normalized = directory.resolve("compose.yaml");
            Files.writeString(normalized, first.normalizedYaml());
            LoadedStack second = loader.load(normalized, "again");
            assertThat(second.stack()).as(fixture).isEqualTo(first.stack());
            assertThat(second.warnings()).as(fixture).isEmpty();
        }
    }

    @Test
    void yamlOneOneBooleansStayStrings(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("compose.yaml");
        Files.writeString(file, "services:\n  a:\n    image: x\n    restart: no\n    environment: {A: yes, B: on}\n");
        ServiceSpec service = loader.load(file, "t").stack().services().getFirst();
        assertThat(service.task().restartPolicy().condition()).isEqualTo(RestartPolicy.NONE);
        assertThat(service.task().environment()).isEqualTo(Map.of("A", "yes", "B", "on"));
    }

    @Test
    void laterFilesOverrideEarlierOnes(@TempDir Path directory) throws Exception {
        Path base = directory.resolve("compose.yaml");
        Files.writeString(base, """
                services:
                  web:
                    image: nginx:1
                    environment: [A=1, B=2]
                    ports: ["80:80"]
                    deploy: {replicas: 2}
                """);
        Path override = directory.resolve("compose.prod.yaml");
        Files.writeString(override, """
                services:
                  web:
                    image: nginx:2
                    environment: {B: 3, C: 4}
                    ports: ["443:443"]
                    deploy: {replicas: lots}
                """);
        Files.writeString(override, Files.readString(override).replace("lots", "5"));
        LoadedStack loaded = loader.load(List.of(base, override), "site");
        ServiceSpec web = service(loaded, "web");
        assertThat(web.task().image()).isEqualTo("nginx:2");
        assertThat(web.task().environment()).isEqualTo(Map.of("A", "1", "B", "3", "C", "4"));
        assertThat(web.ports()).extracting(PortSpec::target).containsExactly(80, 443);
        assertThat(web.replicas()).isEqualTo(5);

        Files.writeString(override, "services:\n  web:\n    deploy: {replicas: lots}\n");
        assertThatThrownBy(() -> loader.load(List.of(base, override), "site"))
                .isInstanceOfSatisfying(ComposeException.class, e -> {
                    assertThat(e.file()).isEqualTo(override);
                    assertThat(e.line()).isEqualTo(3);
                    assertThat(e.key()).isEqualTo("services.web.deploy.replicas");
                });
    }

    @Test
    void interpolatedNumbersAreCast(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("compose.yaml");
        Files.writeString(file, """
                services:
                  web:
                    image: "nginx:${N}"
                    deploy: {replicas: "${N}"}
                    depends_on:
                      db: {condition: service_started, required: "${REQUIRED}"}
                  db:
                    image: postgres
                """);
        LoadedStack loaded = new ComposeLoader(Map.of("N", "3", "REQUIRED", "false")).load(file, "app");
        assertThat(service(loaded, "web").replicas()).isEqualTo(3);
        assertThat(service(loaded, "web").task().image()).isEqualTo("nginx:3");
        assertThat(service(loaded, "web").dependsOn().getFirst().required()).isFalse();
    }

    @Test
    void rejectsAnInvalidStackName() {
        assertThatThrownBy(() -> loader.load(Fixtures.path("shop.yaml"), "Shop!"))
                .isInstanceOf(ComposeException.class)
                .hasMessageContaining("invalid stack name \"Shop!\"");
    }
}
