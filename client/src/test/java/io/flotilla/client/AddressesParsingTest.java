package io.flotilla.client;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.core.type.TypeReference;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.model.Json;
import io.flotilla.model.Service;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.api.ServiceWithAddresses;
import io.flotilla.model.api.TaskWithAddresses;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/**
 * The client's side of the tasks' addresses and the services' VIPs: the manager writes them beside
 * the task's or service's own fields (flat, {@code @JsonUnwrapped}); the client reads both back.
 */
class AddressesParsingTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private static final Task TASK = new Task("t1", "svc-web", "shop_web", 1, 1, "node-a", TaskState.RUNNING,
            TaskStatus.of(TaskState.RUNNING, T0, "started"), TaskTemplate.process(List.of("true")), T0, null, 0,
            TaskAllocation.NONE);
    private static final Service SERVICE = new Service("svc-web", 2,
            ServiceSpec.process("shop_web", 2, List.of("true")), null, T0, T0, null, null);

    /** The manager's answer: the task's fields and {@code addresses} in one object, as TaskAnswer writes it. */
    private static String managerAnswer(Task task, String addresses) {
        ObjectNode node = Json.MAPPER.valueToTree(task);
        if (addresses != null) {
            node.set("addresses", Json.read(addresses, JsonNode.class));
        }
        return Json.write(List.of(node));
    }

    private static List<TaskWithAddresses> readTasks(String body) throws Exception {
        return Json.MAPPER.readValue(body, new TypeReference<List<TaskWithAddresses>>() {});
    }

    @Test
    void readsEachTaskWithItsAddresses() throws Exception {
        String body = managerAnswer(TASK, """
                [{"network": "shop_front", "address": "10.0.0.5"}, {"network": "shop_back", "address": "10.0.1.4"}]""");

        List<TaskWithAddresses> tasks = readTasks(body);

        assertThat(tasks).singleElement().satisfies(t -> {
            assertThat(t.task()).isEqualTo(TASK);
            assertThat(t.addresses()).containsExactly(new TaskAddress("shop_front", "10.0.0.5"),
                    new TaskAddress("shop_back", "10.0.1.4"));
        });
        // the callers that read plain tasks still can
        assertThat(Json.MAPPER.readValue(body, new TypeReference<List<Task>>() {})).containsExactly(TASK);
    }

    @Test
    void aTaskWithoutAddressesHasNoneAndIsWrittenWithoutTheField() throws Exception {
        assertThat(readTasks(managerAnswer(TASK, null))).singleElement()
                .satisfies(t -> assertThat(t.addresses()).isEmpty());

        JsonNode written = Json.MAPPER.valueToTree(new TaskWithAddresses(TASK, List.of()));
        assertThat(written.has("addresses")).isFalse();
        assertThat(written.get("id").asText()).isEqualTo("t1");
    }

    @Test
    void writesTheManagersFlatShapeAndReadsItBack() throws Exception {
        TaskWithAddresses task = new TaskWithAddresses(TASK, List.of(new TaskAddress("shop_front", "10.0.0.5")));
        JsonNode written = Json.MAPPER.valueToTree(task);
        assertThat(written.get("serviceName").asText()).isEqualTo("shop_web");
        assertThat(written.at("/addresses/0/address").asText()).isEqualTo("10.0.0.5");

        assertThat(readTasks(Json.write(List.of(task)))).containsExactly(task);
    }

    @Test
    void readsAServiceWithItsVirtualAddressesSortedByNetwork() {
        ObjectNode node = Json.MAPPER.valueToTree(SERVICE);
        node.set("virtualAddresses", Json.read("""
                {"shop_front": "10.0.0.2", "shop_back": "10.0.1.2"}""", JsonNode.class));

        ServiceWithAddresses service = Json.read(Json.write(node), ServiceWithAddresses.class);

        assertThat(service.service()).isEqualTo(SERVICE);
        assertThat(service.virtualAddresses()).containsExactly(Map.entry("shop_back", "10.0.1.2"),
                Map.entry("shop_front", "10.0.0.2"));
        assertThat(Json.read(Json.write(node), Service.class)).isEqualTo(SERVICE);
        assertThat(Json.read(Json.write(SERVICE), ServiceWithAddresses.class).virtualAddresses()).isEmpty();
    }
}
