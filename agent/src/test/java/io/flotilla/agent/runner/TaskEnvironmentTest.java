package io.flotilla.agent.runner;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.Assignment;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class TaskEnvironmentTest {
    private static Task task(Map<String, String> templateEnv, Map<String, String> dependencyAddresses) {
        return task(templateEnv, TaskAllocation.NONE.withDependencyAddresses(dependencyAddresses));
    }

    private static Task task(Map<String, String> templateEnv, TaskAllocation allocation) {
        return new Task("t1", "svc-1", "shop_web", 2, 1, "n1", TaskState.RUNNING,
                TaskStatus.of(TaskState.ASSIGNED, Instant.now(), "assigned"),
                TaskTemplate.process(List.of("x")).withEnvironment(templateEnv), Instant.now(), null, 0, allocation);
    }

    @Test
    void hostModePortsGetTheirFixedHostPort() throws Exception {
        List<Assignment.Port> requests = List.of(new Assignment.Port("web", 80, 8080), new Assignment.Port("http", 8081),
                new Assignment.Port("odd", 81));
        Map<String, Integer> ports = new PortAllocator("127.0.0.1").allocateFor(requests);
        assertThat(ports).containsEntry("web", 8080).containsKeys("http", "odd");
        assertThat(ports.get("odd")).isNotEqualTo(81);
    }

    @Test
    void layersHostBasicsTemplateInjectedAndFlotillaVariables() {
        Task task = task(Map.of("A", "template", "B", "template", "FLOTILLA_NODE_ID", "spoofed"),
                Map.of("B", "injected"));
        Map<String, Integer> ports = new LinkedHashMap<>();
        ports.put("http", 31000);
        ports.put("admin", 31001);

        Assignment assignment = new Assignment(List.of(new Assignment.Port("http", 8080), new Assignment.Port("admin", 9000)),
                true, Map.of("DB", "shop_db"), false);

        Map<String, String> env = TaskEnvironment.build(task, assignment, "n1", "127.0.0.9", ports,
                Map.of("PATH", "/bin", "HOME", "/root", "SECRET", "x", "TZ", "UTC"));

        assertThat(env).containsEntry("PATH", "/bin").containsEntry("HOME", "/root").containsEntry("TZ", "UTC")
                .doesNotContainKey("SECRET")
                .containsEntry("A", "template").containsEntry("B", "injected")
                .containsEntry("FLOTILLA_NODE_ID", "n1").containsEntry("FLOTILLA_TASK_ID", "t1")
                .containsEntry("FLOTILLA_TASK_SLOT", "2").containsEntry("FLOTILLA_SERVICE", "shop_web")
                .containsEntry("PORT", "31000").containsEntry("FLOTILLA_PORT_HTTP", "31000")
                .containsEntry("FLOTILLA_PORT_ADMIN", "31001").containsEntry("FLOTILLA_ADDRESS", "127.0.0.9")
                .containsEntry("FLOTILLA_PORTS", "http:8080,admin:9000").containsEntry("FLOTILLA_FENCING", "lease")
                .containsEntry("FLOTILLA_DEPENDENCIES", "DB=shop_db");
    }

    /**
     * A stateful service's task, as the log stored it before its decision was typed (fencing and
     * slot as variables in {@code injectedEnv}) and as it is stored and sent now: its process sees
     * exactly the same variables.
     */
    @Test
    void aStatefulTaskSeesTheSameFencingAndSlotVariablesAsBeforeTheDecisionWasTyped() {
        Map<String, String> before = new LinkedHashMap<>();
        before.put("PATH", "/bin");
        before.put("A", "template");
        before.put("CACHE_HOST", "10.0.0.9");
        before.put("FLOTILLA_SLOT", "2");
        before.put("FLOTILLA_SLOT_NAME", "db-2.db.shop.flotilla");
        before.put("FLOTILLA_FENCING", "lease");
        before.put("FLOTILLA_TASK_ID", "t1");
        before.put("FLOTILLA_TASK_SLOT", "2");
        before.put("FLOTILLA_SERVICE", "shop_web");
        before.put("FLOTILLA_NODE_ID", "n1");

        Task task = task(Map.of("A", "template"), new TaskAllocation(true, true, Map.of("CACHE_HOST", "10.0.0.9")));
        Assignment assignment = new Assignment(List.of(), true, Map.of(), true, 2, "db-2.db.shop.flotilla");
        Map<String, String> now = TaskEnvironment.build(task, assignment, "n1", null, Map.of(), Map.of("PATH", "/bin"));

        assertThat(now).isEqualTo(before);
        Assignment notStateful = new Assignment(List.of(), true, Map.of(), false);
        assertThat(TaskEnvironment.build(task, notStateful, "n1", null, Map.of(), Map.of()))
                .containsEntry("FLOTILLA_FENCING", "lease").doesNotContainKeys("FLOTILLA_SLOT", "FLOTILLA_SLOT_NAME");
    }

    @Test
    void providesAPathWhenTheHostHasNone() {
        assertThat(TaskEnvironment.build(task(Map.of(), Map.<String, String>of()), Assignment.NONE, "n1", null, Map.of(), Map.of()))
                .containsEntry("PATH", TaskEnvironment.DEFAULT_PATH).doesNotContainKey("PORT");
    }
}
