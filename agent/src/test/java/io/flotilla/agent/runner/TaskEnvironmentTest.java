package io.flotilla.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.constraints.NotBlank;
import org.junit.jupiter.api.Test;

class TaskEnvironmentTest {
    private static Task task(Map<String, String> templateEnv, Map<String, String> injected) {
        return new Task("t1", "svc-1", "shop_web", 2, 1, "n1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"),
                TaskTemplate.process(List.of("x")).withEnvironment(templateEnv), Instant.now(), null, 0, injected);
    }

    @Test
    void parsesThePortList() {
        Task task = task(Map.of(), Map.of("FLOTILLA_PORTS", "http:8080, 9090:9090,,bad:x,8081,http:1"));

        assertThat(TaskEnvironment.portRequests(task)).containsExactly(
                new TaskEnvironment.PortRequest("http", 8080), new TaskEnvironment.PortRequest("9090", 9090),
                new TaskEnvironment.PortRequest("8081", 8081));
    }

    @Test
    void hostModePortsCarryTheirFixedHostPort() throws Exception {
        Task task = task(Map.of(), Map.of("FLOTILLA_PORTS", "web:80:8080:host,http:8081,odd:81:9000:ingress"));

        List<TaskEnvironment.PortRequest> requests = TaskEnvironment.portRequests(task);
        assertThat(requests).containsExactly(new TaskEnvironment.PortRequest("web", 80, 8080, "host"),
                new TaskEnvironment.PortRequest("http", 8081), new TaskEnvironment.PortRequest("odd", 81, 9000, "ingress"));
        assertThat(requests).extracting(TaskEnvironment.PortRequest::fixedHostPort).containsExactly(8080, null, null);
        Map<String, Integer> ports = new PortAllocator("127.0.0.1").allocateFor(requests);
        assertThat(ports).containsEntry("web", 8080).containsKeys("http", "odd");
        assertThat(ports.get("odd")).isNotEqualTo(9000);
    }

    @Test
    void layersHostBasicsTemplateInjectedAndFlotillaVariables() {
        Task task = task(Map.of("A", "template", "B", "template", "FLOTILLA_NODE_ID", "spoofed"),
                Map.of("B", "injected"));
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("http", 31000);
        ports.put("admin", 31001);

        Map<String, String> env = TaskEnvironment.build(task, "n1", "127.0.0.9", ports,
                Map.of("PATH", "/bin", "HOME", "/root", "SECRET", "x", "TZ", "UTC"));

        assertThat(env).containsEntry("PATH", "/bin").containsEntry("HOME", "/root").containsEntry("TZ", "UTC")
                .doesNotContainKey("SECRET")
                .containsEntry("A", "template").containsEntry("B", "injected")
                .containsEntry("FLOTILLA_NODE_ID", "n1").containsEntry("FLOTILLA_TASK_ID", "t1")
                .containsEntry("FLOTILLA_TASK_SLOT", "2").containsEntry("FLOTILLA_SERVICE", "shop_web")
                .containsEntry("PORT", "31000").containsEntry("FLOTILLA_PORT_HTTP", "31000")
                .containsEntry("FLOTILLA_PORT_ADMIN", "31001").containsEntry("FLOTILLA_ADDRESS", "127.0.0.9");
    }

    @Test
    void providesAPathWhenTheHostHasNone() {
        assertThat(TaskEnvironment.build(task(Map.of(), Map.of()), "n1", null, Map.of(), Map.of()))
                .containsEntry("PATH", TaskEnvironment.DEFAULT_PATH).doesNotContainKey("PORT");
    }

    @Property
    void portVariablesAreValidShellNames(@ForAll @NotBlank String portName) {
        assertThat(TaskEnvironment.portVariable(portName)).matches("FLOTILLA_PORT_[A-Z0-9_]+");
    }
}
