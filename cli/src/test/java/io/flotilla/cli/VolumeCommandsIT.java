package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.flotilla.client.ApiClient;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The volume commands through the {@code ./flotilla} launcher against a real {@code flotilla dev}:
 * a deployed stack's named volumes (per slot for the stateful service) show in {@code volume ls}, {@code volume inspect} and
 * {@code volume rm} report unknown names with exit 1, and {@code stack rm --volumes} forgets the
 * stack's own volumes but not an external one.
 */
class VolumeCommandsIT {
    @TempDir Path tmp;
    private DevNodeProcess node;

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            run("stack", "rm", "shop");
            Thread.sleep(1_000); // let the agent stop the tasks before the node goes
            node.close();
        }
    }

    private Cli.Launched run(String... args) throws IOException, InterruptedException {
        return Cli.launched(node.host(), node.data.resolve("tls"), args);
    }

    @Test
    void listInspectRemove() throws Exception {
        node = new DevNodeProcess(tmp.resolve("data")).start("--no-dns");
        ApiClient client = node.api();
        Path file = tmp.resolve("shop.yaml");
        Files.writeString(file, """
                services:
                  db:
                    command: ["/bin/sh", "-c", "exec sleep 600"]
                    volumes: [data:/data]
                    x-flotilla: {stateful: true}
                    deploy: {replicas: 2}
                  tool:
                    command: ["/bin/sh", "-c", "exec sleep 600"]
                    volumes: [legacy:/legacy]
                volumes:
                  data:
                  legacy:
                    external: true
                """);
        Cli.Launched deployed = run("stack", "deploy", "-d", "-c", file.toString(), "shop");
        assertThat(deployed.exitCode()).as(deployed.output()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> client.volumes().size() == 3);

        Cli.Launched ls = run("volume", "ls");
        assertThat(ls.exitCode()).as(ls.output()).isZero();
        List<String> lines = ls.output().lines().toList();
        assertThat(lines.getFirst()).matches("DRIVER +VOLUME NAME +NODE +STACK +USED BY");
        assertThat(lines).anyMatch(l -> l.matches("local +shop_data-1 +\\S+ +shop +shop_db *"))
                .anyMatch(l -> l.matches("local +shop_data-2 +\\S+ +shop +shop_db *"))
                .anyMatch(l -> l.matches("local +legacy +\\S+ +- +shop_tool *"));
        assertThat(run("volume", "ls", "-q").output().lines().toList())
                .containsExactly("legacy", "shop_data-1", "shop_data-2");

        Cli.Launched inspect = run("volume", "inspect", "shop_data-2", "nope");
        assertThat(inspect.exitCode()).as(inspect.output()).isEqualTo(1);
        assertThat(inspect.output()).contains("\"name\" : \"shop_data-2\"").contains("\"usedBy\" : [ \"shop_db\" ]")
                .contains("Error: no such volume: nope");

        Cli.Launched refused = run("volume", "rm", "nope", "shop_data-1");
        assertThat(refused.exitCode()).as(refused.output()).isEqualTo(1);
        assertThat(refused.output()).contains("Error: no such volume: nope")
                .contains("Error: volume shop_data-1 is in use by service shop_db");

        Cli.Launched removed = run("stack", "rm", "--volumes", "shop");
        assertThat(removed.exitCode()).as(removed.output()).isZero();
        assertThat(removed.output()).contains("Removing service shop_db", "Removing service shop_tool", "Removing volume shop_data-1",
                "Removing volume shop_data-2").doesNotContain("Removing volume legacy");
        assertThat(run("volume", "ls", "-q").output().lines().toList()).containsExactly("legacy");

        Cli.Launched rm = run("volume", "rm", "legacy");
        assertThat(rm.exitCode()).as(rm.output()).isZero();
        assertThat(rm.output().lines().toList()).containsExactly("legacy");
        assertThat(client.volumes()).isEmpty();
    }
}
