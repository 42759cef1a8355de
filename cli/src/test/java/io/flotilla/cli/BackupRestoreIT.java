package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import io.flotilla.client.ClientTls;
import io.flotilla.model.FileKind;
import io.flotilla.model.api.FileInfo;
import io.flotilla.node.NodeConfig;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Backup and restore with real node processes: a one-manager cluster runs a stack whose process
 * task reads a secret; {@code cluster backup} is taken while it runs; the node and its tasks are
 * gone (SIGKILL, as a lost machine); {@code cluster restore} into a fresh dir and {@code init} on it
 * bring back the same stack, service and secret (same ids), answer the old admin credential (same
 * CA), and a new task reads the same secret's content (same data key). A damaged backup and a used
 * data dir are refused. Only 127.0.14.1.
 */
class BackupRestoreIT {
    private static final String ADDRESS = "127.0.14.1";
    private static final Duration UP = Duration.ofSeconds(90);
    private static final String STACK = "bk";
    private static final String SECRET = "bk-token";
    private static final String MARKER = "it-backup-" + UUID.randomUUID();

    @TempDir Path tmp;
    private final List<ClusterNodeProcess> nodes = new ArrayList<>();
    private final List<String> nodeIds = new ArrayList<>();

    @AfterEach
    void tearDown() throws Exception {
        for (ClusterNodeProcess node : nodes) {
            if (node.alive()) {
                try {
                    Cli.run(node.api(), "stack", "rm", STACK);
                    await().atMost(Duration.ofSeconds(20)).until(() -> tasksOf(node).isEmpty());
                } catch (RuntimeException | AssertionError e) {
                    // killed below
                }
            }
            HostProcesses.kill(node, NodeConfig.load(node.data).map(NodeConfig::nodeId).orElse(null));
            HostProcesses.unmountUnder(node.data);
        }
        ProcessHandle.allProcesses().filter(p -> HostProcesses.read(p.pid(), "cmdline").contains(tmp.resolve("out").toString()))
                .forEach(ProcessHandle::destroyForcibly);
        System.clearProperty(ClientTls.TLS_DIR_PROPERTY);
    }

    private static List<ProcessHandle> tasksOf(ClusterNodeProcess node) throws java.io.IOException {
        return HostProcesses.of(node, NodeConfig.load(node.data).map(NodeConfig::nodeId).orElse(null));
    }

    @Test
    void aRestoredClusterHasTheSameStacksSecretsAndKeys() throws Exception {
        Path out = Files.createDirectories(tmp.resolve("out"));
        ClusterNodeProcess first = start(tmp.resolve("a"), "init", "--data", tmp.resolve("a").toString(), "--advertise",
                ADDRESS);
        Path oldAdmin = first.data.resolve("tls");
        System.setProperty(ClientTls.TLS_DIR_PROPERTY, oldAdmin.toString());
        ClusterNodeProcess.awaitApi(first.api(), UP);
        String api = first.api();
        ok(Cli.run(api, "secret", "create", SECRET, Files.writeString(tmp.resolve("token.txt"), MARKER).toString()));
        Path compose = Files.writeString(tmp.resolve("compose.yaml"), """
                services:
                  reader:
                    command: ["/bin/sh", "-c", "while :; do cat $$FLOTILLA_SECRETS_DIR/token > %1$s/$$FLOTILLA_TASK_ID.tmp; mv %1$s/$$FLOTILLA_TASK_ID.tmp %1$s/$$FLOTILLA_TASK_ID.txt; sleep 1; done"]
                    secrets:
                      - {source: %2$s, target: token}
                    deploy: {replicas: 1}
                    x-flotilla: {driver: process}
                secrets:
                  %2$s: {external: true}
                """.formatted(out, SECRET));
        ok(Cli.run(api, "stack", "deploy", "-c", compose.toString(), STACK));
        String firstTask = awaitMarker(out, List.of());

        ApiClient before = new ApiClient(api);
        List<Map<String, Object>> stacks = before.stacks();
        String serviceId = before.services(STACK).getFirst().service().id();
        FileInfo secret = before.files(FileKind.SECRET).getFirst();
        Path backup = tmp.resolve("cluster.backup");
        ShopEndToEndIT.CliResult taken = Cli.run(api, "cluster", "backup", backup.toString());
        ok(taken);
        assertThat(taken.out()).contains("at log index");
        assertThat(PosixFilePermissions.toString(Files.getPosixFilePermissions(backup))).isEqualTo("rw-------");
        assertThat(Files.readString(backup, java.nio.charset.StandardCharsets.ISO_8859_1)).doesNotContain(MARKER);

        // The machine is lost: the node and its task, at once.
        HostProcesses.kill(first, NodeConfig.load(first.data).orElseThrow().nodeId());
        HostProcesses.unmountUnder(first.data);
        await("the first task is gone").atMost(Duration.ofSeconds(10)).until(() -> tasksOf(first).isEmpty());

        // Refusals: a used data dir, a damaged file. Nothing is written.
        ShopEndToEndIT.CliResult used = Cli.run(null, "cluster", "restore", backup.toString(), "--data",
                first.data.toString(), "--advertise", ADDRESS);
        assertThat(used.exitCode()).isEqualTo(1);
        assertThat(used.err()).contains("is not empty");
        byte[] bytes = Files.readAllBytes(backup);
        bytes[bytes.length / 2] ^= 1;
        Path damaged = Files.write(tmp.resolve("damaged.backup"), bytes);
        ShopEndToEndIT.CliResult refused = Cli.run(null, "cluster", "restore", damaged.toString(), "--data",
                tmp.resolve("never").toString(), "--advertise", ADDRESS);
        assertThat(refused.exitCode()).isEqualTo(1);
        assertThat(refused.err()).contains("damaged backup");
        assertThat(tmp.resolve("never")).doesNotExist();

        Path restoredDir = tmp.resolve("b");
        ShopEndToEndIT.CliResult restored = Cli.run(null, "cluster", "restore", backup.toString(), "--data",
                restoredDir.toString(), "--advertise", ADDRESS);
        ok(restored);
        ClusterNodeProcess second = start(restoredDir, "init", "--data", restoredDir.toString());
        ClusterNodeProcess.awaitApi(second.api(), UP);

        // The old admin credential works: the same CA.
        ApiClient after = new ApiClient(second.api());
        assertThat(after.stacks()).isEqualTo(stacks);
        assertThat(after.services(STACK)).extracting(s -> s.service().id()).containsExactly(serviceId);
        FileInfo secretAfter = after.files(FileKind.SECRET).getFirst();
        assertThat(secretAfter.id()).isEqualTo(secret.id());
        assertThat(secretAfter.name()).isEqualTo(SECRET);
        assertThat(secretAfter.version()).isEqualTo(secret.version());
        assertThat(secretAfter.createdAt()).isEqualTo(secret.createdAt());
        // The lost node's task is replaced on the restored manager's node, and reads the same content.
        String newTask = awaitMarker(out, List.of(firstTask));
        assertThat(newTask).isNotEqualTo(firstTask);
        assertThat(restoredDir.resolve("manager").resolve("restore.backup")).doesNotExist();
    }

    /** Waits for a task other than {@code known} to write the secret's content; returns its id. */
    private static String awaitMarker(Path out, List<String> known) {
        String[] found = new String[1];
        await("a task reads the secret").atMost(UP).pollInterval(Duration.ofMillis(250)).until(() -> {
            try (var files = Files.list(out)) {
                for (Path file : files.filter(f -> f.toString().endsWith(".txt")).toList()) {
                    String task = file.getFileName().toString().replace(".txt", "");
                    if (!known.contains(task) && Files.readString(file).strip().equals(MARKER)) {
                        found[0] = task;
                        return true;
                    }
                }
            }
            return false;
        });
        return found[0];
    }

    private static void ok(ShopEndToEndIT.CliResult result) {
        assertThat(result.exitCode()).as(result.toString()).isZero();
    }

    private ClusterNodeProcess start(Path data, String... args) throws Exception {
        List<String> all = new ArrayList<>(List.of(args));
        all.addAll(List.of("--no-dns", "--no-mesh", "--overlay=off"));
        ClusterNodeProcess node = new ClusterNodeProcess(ADDRESS, data, all.toArray(String[]::new)).start();
        nodes.add(node);
        return node;
    }
}
