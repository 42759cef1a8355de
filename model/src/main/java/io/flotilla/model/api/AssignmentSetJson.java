package io.flotilla.model.api;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.ObjectCodec;
import com.fasterxml.jackson.databind.DeserializationContext;
import com.fasterxml.jackson.databind.JsonDeserializer;
import com.fasterxml.jackson.databind.JsonMappingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.JsonSerializer;
import com.fasterxml.jackson.databind.SerializerProvider;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import java.io.IOException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;

/**
 * The wire encoding of an {@link AssignmentSet}: each template once per (service, version,
 * template) in the set, the tasks without it. A task's template is ≈ 1 KB of JSON and the tasks
 * of a node mostly share one: at a million tasks on 5,000 nodes every long-poll answer was
 * ≈ 200 KB, and nearly every node's set changes on every pass, so the leader wrote on the order of
 * a gigabyte of JSON per pass (garbage that paused its JVM past the election timeout).
 *
 * <pre>{@code
 * {"format":4,"index":42,"nodeId":"n1",
 *  "groups":[{"serviceId":…,"serviceName":…,"serviceVersion":3,"spec":{template},
 *             "desiredState":"RUNNING","status":{…},"createdAt":…,
 *             "allocation":{"dependencyAddresses":{"DB_HOST":"10.0.0.2","DB_PORT":"5432"}},
 *             "assignment":{"ports":[{"name":"http","target":80,"hostPort":8080}],"fenced":false,
 *                           "dependencies":{"DB":"shop_db"},"slotVolumes":false}}],
 *  "tasks":[{"group":0,"id":"…","slot":1},{"group":0,"id":"…","slot":2,"status":{…},"restartCount":1}],
 *  "dependencies":{"shop_db":["10.0.0.2:5432"]},
 *  "session":{"node":{"role":"WORKER",…},"managers":[…],"mesh":{"index":42,"services":[…]},
 *             "ca":{"rootDigest":"…","rotating":false,"renewed":false}}}
 * }</pre>
 *
 * A group's {@code desiredState}, {@code status}, {@code createdAt}, {@code allocation} and
 * {@code assignment} are those of its first task; another task names its own only where it
 * differs, and its {@code nodeId} only where it is not the set's. Decoding gives back equal tasks
 * in the same order, sharing one template object per group.
 *
 * <p>{@code format} is the version of this protocol: 3 added the typed {@link Assignment}, 4 the
 * slot's number and name to it ({@code slot}, {@code slotName}) and the task's typed
 * {@code allocation} in place of its {@code injectedEnv}, 5 the task's overlay networks
 * ({@code networks}, {@code stack}): an agent that ignored them would run the task without its
 * addresses; 6 the task's secrets and configs ({@code files}), which it must not run without.
 * A set is written in the lowest format that says all of it: 5 only when a task of it
 * has a network, so an agent of format 4 keeps running the tasks of a cluster without networks
 * while the managers are upgraded, and refuses a set it would run half of. A set of format 1 (full tasks, no
 * {@code format}) or 2 carried the assignment as variables in each task's {@code injectedEnv}, one
 * of format 3 the slot's; those are still read, the variables lifted into the assignment
 * ({@link AssignmentVariables#lift}) and what remains read as the task's dependency addresses, so
 * an agent reads an older manager. A newer format is
 * refused with an error that says so: an agent never runs a task with half of what it was told.
 * {@code session} ({@link NodeSession}) does not raise the format: an agent that does not know it
 * runs its tasks right without it (it follows its role and the CA by its own polls).
 */
final class AssignmentSetJson {
    /**
     * The newest format written and read: 6 (the task's secrets and configs in the assignment).
     * Format 5 added the task's networks, 4 put
     * the slot in the assignment and typed the task's allocation, 3 added the typed assignment of
     * each task, 2 wrote templates once per group, 1 was the record's plain fields.
     */
    static final int FORMAT = 6;
    /** The format of a set with networks and no files: what an agent of format 5 reads whole. */
    static final int FORMAT_WITH_NETWORKS = 5;
    /** The format of a set none of whose tasks has a network: what an agent of format 4 reads whole. */
    static final int FORMAT_WITHOUT_NETWORKS = 4;

    private AssignmentSetJson() {}

    /** What tasks of one group share; the template compared by identity first (tasks share it). */
    private record GroupKey(String serviceId, String serviceName, long serviceVersion, TaskTemplate spec) {
        static GroupKey of(Task task) {
            return new GroupKey(task.serviceId(), task.serviceName(), task.serviceVersion(), task.spec());
        }

        @Override
        public boolean equals(Object o) {
            return o instanceof GroupKey k && serviceVersion == k.serviceVersion && serviceId.equals(k.serviceId)
                    && Objects.equals(serviceName, k.serviceName) && (spec == k.spec || spec.equals(k.spec));
        }

        @Override
        public int hashCode() {
            // Not the template's hash: computing it walks the whole template for every task.
            return Objects.hash(serviceId, serviceName, serviceVersion);
        }
    }

    static final class Serializer extends JsonSerializer<AssignmentSet> {
        @Override
        public void serialize(AssignmentSet set, JsonGenerator gen, SerializerProvider provider) throws IOException {
            Map<GroupKey, Integer> groups = new HashMap<>();
            List<Task> heads = new ArrayList<>();
            int[] groupOf = new int[set.tasks().size()];
            for (int i = 0; i < groupOf.length; i++) {
                Task task = set.tasks().get(i);
                Integer group = groups.putIfAbsent(GroupKey.of(task), heads.size());
                if (group == null) {
                    group = heads.size();
                    heads.add(task);
                }
                groupOf[i] = group;
            }
            Written written = new Written();
            gen.writeStartObject(set);
            gen.writeNumberField("format", formatOf(set));
            gen.writeNumberField("index", set.index());
            gen.writeStringField("nodeId", set.nodeId());
            gen.writeArrayFieldStart("groups");
            for (Task head : heads) {
                gen.writeStartObject();
                gen.writeStringField("serviceId", head.serviceId());
                gen.writeStringField("serviceName", head.serviceName());
                gen.writeNumberField("serviceVersion", head.serviceVersion());
                provider.defaultSerializeField("spec", head.spec(), gen);
                gen.writeStringField("desiredState", head.desiredState().name());
                written.status(gen, head.status());
                written.instant(gen, "createdAt", head.createdAt());
                provider.defaultSerializeField("allocation", head.allocation(), gen);
                provider.defaultSerializeField("assignment", set.assignment(head.id()), gen);
                gen.writeEndObject();
            }
            gen.writeEndArray();
            gen.writeArrayFieldStart("tasks");
            for (int i = 0; i < groupOf.length; i++) {
                Task task = set.tasks().get(i);
                Task head = heads.get(groupOf[i]);
                gen.writeStartObject();
                gen.writeNumberField("group", groupOf[i]);
                gen.writeStringField("id", task.id());
                gen.writeNumberField("slot", task.slot());
                if (!Objects.equals(task.nodeId(), set.nodeId())) {
                    gen.writeStringField("nodeId", task.nodeId());
                }
                if (task.desiredState() != head.desiredState()) {
                    gen.writeStringField("desiredState", task.desiredState().name());
                }
                if (task != head && !task.status().equals(head.status())) {
                    written.status(gen, task.status());
                }
                if (!Objects.equals(task.createdAt(), head.createdAt())) {
                    written.instant(gen, "createdAt", task.createdAt());
                }
                if (task.notBefore() != null) {
                    written.instant(gen, "notBefore", task.notBefore());
                }
                if (task.restartCount() != 0) {
                    gen.writeNumberField("restartCount", task.restartCount());
                }
                if (task != head && !task.allocation().equals(head.allocation())) {
                    provider.defaultSerializeField("allocation", task.allocation(), gen);
                }
                Assignment assignment = set.assignment(task.id());
                if (task != head && !assignment.equals(set.assignment(head.id()))) {
                    provider.defaultSerializeField("assignment", assignment, gen);
                }
                gen.writeEndObject();
            }
            gen.writeEndArray();
            provider.defaultSerializeField("dependencies", set.dependencies(), gen);
            if (set.session() != null) {
                provider.defaultSerializeField("session", set.session(), gen);
            }
            gen.writeEndObject();
        }

        /** 6 when an assignment of the set has files, 5 when one has a network (an older agent must refuse either), else 4. */
        static int formatOf(AssignmentSet set) {
            int format = FORMAT_WITHOUT_NETWORKS;
            for (Assignment assignment : set.assignments().values()) {
                if (!assignment.files().isEmpty()) {
                    return FORMAT;
                }
                if (!assignment.networks().isEmpty()) {
                    format = FORMAT_WITH_NETWORKS;
                }
            }
            return format;
        }

    }

    /**
     * Statuses and instants encoded once per set, as the decoder decodes them once ({@code Decoded}):
     * a node's tasks reported together carry equal statuses and times, and the leader encoded each
     * task's on its own, on every answered long poll (at a million tasks, a sixth of the
     * leader's samples in the assignment sets' encoding). The bytes are what the mapper writes.
     */
    private static final class Written {
        private final Map<TaskStatus, String> statuses = new HashMap<>();
        private final Map<Instant, String> instants = new HashMap<>();

        void status(JsonGenerator gen, TaskStatus status) throws IOException {
            gen.writeFieldName("status");
            if (status == null) {
                gen.writeNull();
                return;
            }
            String json = statuses.get(status);
            if (json == null) {
                json = io.flotilla.model.Json.MAPPER.writeValueAsString(status);
                statuses.put(status, json);
            }
            gen.writeRawValue(json);
        }

        void instant(JsonGenerator gen, String field, Instant instant) throws IOException {
            if (instant == null) {
                gen.writeNullField(field);
            } else {
                gen.writeStringField(field, instants.computeIfAbsent(instant, Instant::toString));
            }
        }
    }

    static final class Deserializer extends JsonDeserializer<AssignmentSet> {
        @Override
        public AssignmentSet deserialize(JsonParser p, DeserializationContext ctxt) throws IOException {
            ObjectCodec codec = p.getCodec();
            JsonNode node = ctxt.readTree(p);
            int format = node.path("format").asInt(1);
            if (format < 1) {
                throw new JsonMappingException(p, "an assignment set of format " + format + " is not one this agent knows");
            }
            if (format > FORMAT) {
                throw new JsonMappingException(p, "an assignment set of format " + format
                        + " is newer than this agent reads (format " + FORMAT + "): upgrade this agent");
            }
            String nodeId = text(node, "nodeId");
            List<Task> tasks = new ArrayList<>();
            List<Map<String, String>> variables = new ArrayList<>(); // formats 1 to 3: each task's injectedEnv
            Map<String, Assignment> assignments = new HashMap<>();
            if (format == 1) {
                for (JsonNode task : node.path("tasks")) {
                    tasks.add(codec.treeToValue(task, Task.class));
                    variables.add(env(task.get("injectedEnv")));
                }
            } else {
                List<Task> heads = new ArrayList<>();
                List<Map<String, String>> headVariables = new ArrayList<>();
                List<Assignment> headAssignments = new ArrayList<>();
                Decoded statuses = new Decoded();
                for (JsonNode group : node.path("groups")) {
                    heads.add(new Task("group", text(group, "serviceId"), text(group, "serviceName"), 0,
                            group.path("serviceVersion").asLong(), nodeId,
                            TaskState.valueOf(text(group, "desiredState")),
                            codec.treeToValue(group.get("status"), TaskStatus.class),
                            codec.treeToValue(group.get("spec"), TaskTemplate.class),
                            instant(group, "createdAt"), null, 0, allocation(codec, group.get("allocation"))));
                    headVariables.add(env(group.get("injectedEnv")));
                    headAssignments.add(assignment(codec, group.get("assignment")));
                }
                for (JsonNode task : node.path("tasks")) {
                    int index = task.path("group").asInt(-1);
                    if (index < 0 || index >= heads.size()) {
                        throw new JsonMappingException(p, "assignment set: task " + text(task, "id")
                                + " names group " + task.path("group") + " of " + heads.size());
                    }
                    Task head = heads.get(index);
                    tasks.add(new Task(text(task, "id"), head.serviceId(), head.serviceName(), task.path("slot").asInt(),
                            head.serviceVersion(), task.has("nodeId") ? text(task, "nodeId") : nodeId,
                            task.has("desiredState") ? TaskState.valueOf(text(task, "desiredState")) : head.desiredState(),
                            task.has("status") ? statuses.of(codec, task.get("status")) : head.status(),
                            head.spec(),
                            task.has("createdAt") ? statuses.instant(text(task, "createdAt")) : head.createdAt(),
                            statuses.instant(text(task, "notBefore")),
                            task.path("restartCount").asInt(0),
                            task.has("allocation") ? allocation(codec, task.get("allocation")) : head.allocation()));
                    variables.add(task.has("injectedEnv") ? env(task.get("injectedEnv")) : headVariables.get(index));
                    assignments.put(text(task, "id"), task.has("assignment")
                            ? assignment(codec, task.get("assignment")) : headAssignments.get(index));
                }
            }
            if (format < 4) {
                for (int i = 0; i < tasks.size(); i++) {
                    Task task = tasks.get(i);
                    AssignmentVariables.Lifted lifted = AssignmentVariables.lift(variables.get(i));
                    Assignment assignment = format < 3 ? lifted.assignment() : assignments.get(task.id())
                            .withSlot(lifted.assignment().slot(), lifted.assignment().slotName());
                    tasks.set(i, task.withAssignment(task.nodeId(), new TaskAllocation(assignment.fenced(),
                            assignment.slotVolumes(), lifted.environment()), task.status()));
                    assignments.put(task.id(), assignment);
                }
            }
            Map<String, List<String>> dependencies = new TreeMap<>();
            node.path("dependencies").properties().forEach(e -> {
                List<String> endpoints = new ArrayList<>();
                e.getValue().forEach(endpoint -> endpoints.add(endpoint.asText()));
                dependencies.put(e.getKey(), endpoints);
            });
            JsonNode session = node.get("session");
            return new AssignmentSet(node.path("index").asLong(), nodeId, tasks, assignments, dependencies,
                    session == null || session.isNull() ? null : codec.treeToValue(session, NodeSession.class));
        }

        /**
         * Statuses and instants decoded once per set: the tasks of a node reported together carry
         * equal statuses and times, and a set of 200 tasks decoded each on its own spent most of
         * an agent's (and the scale bench's simulated nodes') time in the tree-to-record mapping.
         */
        private static final class Decoded {
            private final Map<JsonNode, TaskStatus> statuses = new HashMap<>();
            private final Map<String, Instant> instants = new HashMap<>();

            TaskStatus of(ObjectCodec codec, JsonNode status) throws IOException {
                TaskStatus known = statuses.get(status);
                if (known == null) {
                    known = codec.treeToValue(status, TaskStatus.class);
                    statuses.put(status, known);
                }
                return known;
            }

            Instant instant(String text) {
                return text == null ? null : instants.computeIfAbsent(text, Instant::parse);
            }
        }

        private static Assignment assignment(ObjectCodec codec, JsonNode node) throws IOException {
            return node == null || node.isNull() ? Assignment.NONE : codec.treeToValue(node, Assignment.class);
        }

        private static TaskAllocation allocation(ObjectCodec codec, JsonNode node) throws IOException {
            return node == null || node.isNull() ? TaskAllocation.NONE : codec.treeToValue(node, TaskAllocation.class);
        }

        private static String text(JsonNode node, String field) {
            JsonNode value = node.get(field);
            return value == null || value.isNull() ? null : value.asText();
        }

        private static Instant instant(JsonNode node, String field) {
            String text = text(node, field);
            return text == null ? null : Instant.parse(text);
        }

        private static Map<String, String> env(JsonNode node) {
            Map<String, String> env = new LinkedHashMap<>();
            if (node != null) {
                node.properties().forEach(e -> env.put(e.getKey(), e.getValue().isNull() ? null : e.getValue().asText()));
            }
            return env;
        }
    }
}
