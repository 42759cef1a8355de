package io.flotilla.model;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.core.type.WritableTypeId;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import com.fasterxml.jackson.databind.jsontype.TypeSerializer;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;

/**
 * The log encoding of {@link Command.CreateTasks}: tasks grouped by service, version and template,
 * the template written once per group instead of once per task. A task made by the orchestrator
 * differs from its neighbours only in id and slot, and carried its whole template (~930 bytes of
 * JSON): a deploy of a million replicas wrote ~900 MB of log. Now a task is ~50 bytes.
 *
 * <pre>{@code
 * {"type":"CreateTasks","format":2,"groups":[{"serviceId":…,"serviceName":…,"serviceVersion":3,
 *   "spec":{template},"desiredState":"RUNNING","createdAt":…,"status":{…},
 *   "tasks":[{"id":"…","slot":1},{"id":"…","slot":2,"nodeId":"n1","restartCount":2,"notBefore":…}]}]}
 * }</pre>
 *
 * A group holds a run of consecutive tasks with the same service id, name, version and template,
 * so decoding gives back the same tasks in the same order. In a group, {@code desiredState},
 * {@code createdAt} and {@code status} are the first task's; a task names its own only where it
 * differs. A task made already assigned names its {@code allocation} ({@link TaskAllocation}); an
 * entry written before that was typed names an {@code injectedEnv} instead, read as the same
 * decision. Entries written before this encoding ({@code "tasks":[full tasks]}, format 1) are still
 * read; an entry of a newer format is refused with an error that says so, rather than misread.
 */
final class CreateTasksJson {
    /** The format written: 2 (grouped). Format 1 was a plain list of full tasks. */
    static final int FORMAT = 2;

    private CreateTasksJson() {}

    static final class Serializer extends JsonSerializer<Command.CreateTasks> {
        @Override
        public void serialize(Command.CreateTasks value, JsonGenerator gen, SerializerProvider provider) throws IOException {
            gen.writeStartObject(value);
            writeFields(value, gen, provider);
            gen.writeEndObject();
        }

        /** Called with the command's type id (the {@code type} property of every {@link Command}). */
        @Override
        public void serializeWithType(Command.CreateTasks value, JsonGenerator gen, SerializerProvider provider,
                                      TypeSerializer typeSer) throws IOException {
            WritableTypeId typeId = typeSer.writeTypePrefix(gen, typeSer.typeId(value, JsonToken.START_OBJECT));
            writeFields(value, gen, provider);
            typeSer.writeTypeSuffix(gen, typeId);
        }

        private static void writeFields(Command.CreateTasks value, JsonGenerator gen, SerializerProvider provider)
                throws IOException {
            gen.writeNumberField("format", FORMAT);
            gen.writeArrayFieldStart("groups");
            Task head = null;
            for (Task task : value.tasks()) {
                if (head == null || !sameGroup(head, task)) {
                    if (head != null) {
                        gen.writeEndArray();
                        gen.writeEndObject();
                    }
                    head = task;
                    gen.writeStartObject();
                    gen.writeStringField("serviceId", task.serviceId());
                    if (task.serviceName() != null) {
                        gen.writeStringField("serviceName", task.serviceName());
                    }
                    gen.writeNumberField("serviceVersion", task.serviceVersion());
                    provider.defaultSerializeField("spec", task.spec(), gen);
                    gen.writeStringField("desiredState", task.desiredState().name());
                    if (task.createdAt() != null) {
                        gen.writeStringField("createdAt", task.createdAt().toString());
                    }
                    provider.defaultSerializeField("status", task.status(), gen);
                    gen.writeArrayFieldStart("tasks");
                }
                gen.writeStartObject();
                gen.writeStringField("id", task.id());
                gen.writeNumberField("slot", task.slot());
                if (task.nodeId() != null) {
                    gen.writeStringField("nodeId", task.nodeId());
                }
                if (task.desiredState() != head.desiredState()) {
                    gen.writeStringField("desiredState", task.desiredState().name());
                }
                if (!Objects.equals(task.createdAt(), head.createdAt())) {
                    gen.writeStringField("createdAt", task.createdAt() == null ? null : task.createdAt().toString());
                }
                if (!task.status().equals(head.status())) {
                    provider.defaultSerializeField("status", task.status(), gen);
                }
                if (task.notBefore() != null) {
                    gen.writeStringField("notBefore", task.notBefore().toString());
                }
                if (task.restartCount() != 0) {
                    gen.writeNumberField("restartCount", task.restartCount());
                }
                if (!task.allocation().equals(TaskAllocation.NONE)) {
                    provider.defaultSerializeField("allocation", task.allocation(), gen);
                }
                gen.writeEndObject();
            }
            if (head != null) {
                gen.writeEndArray();
                gen.writeEndObject();
            }
            gen.writeEndArray();
        }

        private static boolean sameGroup(Task head, Task task) {
            return head.serviceVersion() == task.serviceVersion() && head.serviceId().equals(task.serviceId())
                    && Objects.equals(head.serviceName(), task.serviceName())
                    && (head.spec() == task.spec() || head.spec().equals(task.spec()));
        }
    }

    static final class Deserializer extends JsonDeserializer<Command.CreateTasks> {
        @Override
        public Command.CreateTasks deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            ObjectCodec codec = p.getCodec();
            JsonNode node = ctxt.readTree(p);
            int format = node.path("format").asInt(1);
            if (format > FORMAT) {
                throw new JsonMappingException(p, "a CreateTasks log entry of format " + format
                        + " is newer than this manager reads (format " + FORMAT + "): upgrade this manager");
            }
            List<Task> tasks = new ArrayList<>();
            if (node.has("groups")) {
                for (JsonNode group : node.get("groups")) {
                    readGroup(group, codec, tasks);
                }
            } else if (node.has("tasks")) { // format 1: full tasks
                for (JsonNode task : node.get("tasks")) {
                    tasks.add(codec.treeToValue(task, Task.class));
                }
            }
            return new Command.CreateTasks(tasks);
        }

        private static void readGroup(JsonNode group, ObjectCodec codec, List<Task> out) throws IOException {
            String serviceId = text(group, "serviceId");
            String serviceName = text(group, "serviceName");
            long serviceVersion = group.path("serviceVersion").asLong();
            TaskTemplate spec = codec.treeToValue(group.get("spec"), TaskTemplate.class);
            TaskState desired = TaskState.valueOf(text(group, "desiredState"));
            Instant createdAt = instant(group, "createdAt");
            TaskStatus status = codec.treeToValue(group.get("status"), TaskStatus.class);
            for (JsonNode task : group.path("tasks")) {
                out.add(new Task(text(task, "id"), serviceId, serviceName, task.path("slot").asInt(), serviceVersion,
                        text(task, "nodeId"),
                        task.has("desiredState") ? TaskState.valueOf(task.get("desiredState").asText()) : desired,
                        task.has("status") ? codec.treeToValue(task.get("status"), TaskStatus.class) : status,
                        spec,
                        task.has("createdAt") ? instant(task, "createdAt") : createdAt,
                        instant(task, "notBefore"),
                        task.path("restartCount").asInt(0),
                        allocation(task, codec)));
            }
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }

        private static Instant instant(JsonNode node, String field) {
            String text = text(node, field);
            return text == null ? null : Instant.parse(text);
        }

        /** The task's {@code allocation}, or the {@code injectedEnv} an older leader wrote instead. */
        private static TaskAllocation allocation(JsonNode task, ObjectCodec codec) throws IOException {
            if (task.has("allocation")) {
                return codec.treeToValue(task.get("allocation"), TaskAllocation.class);
            }
            return task.has("injectedEnv") ? TaskAllocation.fromEnvironment(env(task.get("injectedEnv"))) : TaskAllocation.NONE;
        }

        private static Map<String, String> env(JsonNode node) {
            Map<String, String> env = new java.util.LinkedHashMap<>();
            node.properties().forEach(e -> env.put(e.getKey(), e.getValue().asText()));
            return env;
        }
    }
}
