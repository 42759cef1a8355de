package io.flotilla.cli;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.github.dockerjava.api.command.ExecCreateCmdResponse;
import com.github.dockerjava.api.model.Container;
import io.flotilla.agent.driver.docker.ContainerLabels;
import io.flotilla.agent.driver.docker.DockerDaemon;
import io.flotilla.client.ApiClient;
import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The docker driver end to end: a real {@code flotilla dev} process, the real daemon, busybox
 * httpd replicas reached through their published ports on 127.0.0.1. One scenario, in order.
 */
class DockerEndToEndIT {
    private static final Duration CONVERGE = Duration.ofSeconds(60);
    private static final String STACK = """
            services:
              web:
                image: %1$s
                command: ["httpd", "-f", "-p", "8080", "-h", "/www"]
                init: true
                ports: ["8080"]
                deploy: {replicas: 3}
              sick:
                image: %1$s
                command: ["sh", "-c", "while :; do sleep 1; done"]
                init: true
                healthcheck:
                  test: ["CMD-SHELL", "test ! -e /tmp/sick || { echo feeling sick; exit 1; }"]
                  interval: 300ms
                  retries: 1
            """.formatted(DockerRequirement.IMAGE);

    @TempDir Path tmp;
    private DevNodeProcess node;
    private DockerDaemon docker;
    private String nodeId;

    @AfterEach
    void tearDown() throws Exception {
        if (node != null) {
            try {
                node.api().removeStack("dk");
            } catch (RuntimeException ignored) {
                // already removed, or the node is down
            }
            if (nodeId != null) {
                await().atMost(Duration.ofSeconds(30)).until(() -> containers().isEmpty());
            }
            node.close();
        }
        if (docker != null) {
            if (nodeId != null) {
                containers().forEach(c -> docker.client().removeContainerCmd(c.getId()).withForce(true).exec());
            }
            docker.close();
        }
    }

    @Test
    void replicasAnswerAreReplacedAdoptedAndRemoved() throws Exception {
        docker = DockerRequirement.require();
        Path compose = Files.writeString(tmp.resolve("compose.yaml"), STACK);
        node = new DevNodeProcess(tmp.resolve("data")).start();
        ApiClient api = node.api();
        nodeId = (String) api.info().get("nodeId");

        ShopEndToEndIT.CliResult deploy = Cli.run(node.host(), "stack", "deploy", "-c", compose.toString(), "dk");
        assertThat(deploy.exitCode()).as(deploy.toString()).isZero();
        assertThat(deploy.out()).contains("converged");
        List<Task> web = running(api, "dk_web");
        assertThat(web).hasSize(3).allSatisfy(t -> assertThat(t.status().containerId()).isNotBlank());
        for (Task task : web) {
            assertThat(ShopEndToEndIT.httpGet(task.status().hostPorts().values().iterator().next()))
                    .contains("flotilla test page");
        }
        List<Map<String, Object>> ps = ShopEndToEndIT.json(Cli.run(node.host(), "service", "ps", "dk_web", "--format", "json"));
        assertThat(ps).filteredOn(t -> "running".equals(t.get("state")))
                .allSatisfy(t -> assertThat(t.get("containerId")).isNotNull());

        // docker kill one: a new task takes its slot, in a new container.
        Task victim = web.getFirst();
        docker.client().killContainerCmd(victim.status().containerId()).exec();
        await().atMost(CONVERGE).until(() -> running(api, "dk_web").size() == 3
                && running(api, "dk_web").stream().noneMatch(t -> t.id().equals(victim.id())));
        assertThat(api.serviceTasks("dk_web")).filteredOn(t -> t.id().equals(victim.id())).singleElement()
                .satisfies(t -> assertThat(t.state()).isEqualTo(TaskState.FAILED));

        // A failing healthcheck: Docker's verdict fails the task, a new one replaces it.
        Task sick = running(api, "dk_sick").getFirst();
        ExecCreateCmdResponse exec = docker.client().execCreateCmd(sick.status().containerId())
                .withCmd("touch", "/tmp/sick").exec();
        docker.client().execStartCmd(exec.getId()).start().awaitCompletion();
        await().atMost(CONVERGE).until(() -> running(api, "dk_sick").stream().anyMatch(t -> !t.id().equals(sick.id())));
        assertThat(api.serviceTasks("dk_sick")).filteredOn(t -> t.id().equals(sick.id())).singleElement()
                .satisfies(t -> assertThat(t.status().error()).startsWith("unhealthy: feeling sick"));

        // SIGKILL the node and start it again: the same containers are adopted, none is added.
        await().atMost(Duration.ofSeconds(30)).until(() -> containers().size() == 4);
        Set<String> before = containerIds(running(api, "dk_web"), running(api, "dk_sick"));
        node.kill();
        node.start();
        await().atMost(CONVERGE).until(() -> running(api, "dk_web").size() == 3 && running(api, "dk_sick").size() == 1);
        assertThat(containerIds(running(api, "dk_web"), running(api, "dk_sick"))).isEqualTo(before);
        Thread.sleep(2500); // a maintenance pass: nothing more may appear or go
        assertThat(containers()).as(() -> "containers " + containers().stream().map(c -> c.getId().substring(0, 12)
                        + " " + c.getState() + " " + c.getLabels()).toList() + "\nnode log:\n" + node.output())
                .extracting(Container::getId).containsExactlyInAnyOrderElementsOf(before);

        // stack rm leaves no container behind.
        ShopEndToEndIT.CliResult rm = Cli.run(node.host(), "stack", "rm", "dk");
        assertThat(rm.exitCode()).as(rm.toString()).isZero();
        await().atMost(Duration.ofSeconds(30)).until(() -> containers().isEmpty());
    }

    private List<Container> containers() {
        return docker.client().listContainersCmd().withShowAll(true)
                .withLabelFilter(Map.of(ContainerLabels.NODE, nodeId)).exec();
    }

    private static List<Task> running(ApiClient api, String service) {
        return ShopEndToEndIT.runningTasks(api, service);
    }

    @SafeVarargs
    private static Set<String> containerIds(List<Task>... lists) {
        return java.util.Arrays.stream(lists).flatMap(List::stream).map(t -> t.status().containerId())
                .collect(Collectors.toSet());
    }
}
