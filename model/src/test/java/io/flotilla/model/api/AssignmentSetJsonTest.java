package io.flotilla.model.api;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.HealthcheckSpec;
import io.flotilla.model.Json;
import io.flotilla.model.PlacementSpec;
import io.flotilla.model.Resources;
import io.flotilla.model.ResourcesSpec;
import io.flotilla.model.RestartPolicy;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.TaskTemplate;
import io.flotilla.model.Ulimit;
import io.flotilla.model.VolumeMount;
import io.flotilla.model.VolumeOptions;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The assignment set's wire form: exact round trips, each template written once, older and newer formats. */
class AssignmentSetJsonTest {
    private static final Instant T0 = Instant.parse("2026-11-21T12:00:00.123456Z");

    static TaskTemplate web(String image) {
        return new TaskTemplate("docker", image, List.of("nginx", "-g", "daemon off;"), List.of("/entry.sh"),
                Map.of("MODE", "prod", "EMPTY", ""), "/srv", "1000:1000", "web-host", Map.of("tier", "front"),
                new HealthcheckSpec(List.of("CMD", "curl", "-f", "http://localhost/"), Duration.ofSeconds(5),
                        Duration.ofSeconds(2), 3, Duration.ofSeconds(10), Duration.ofSeconds(1)),
                List.of(new VolumeMount(VolumeMount.VOLUME, "shop_data", "/data", false,
                                new VolumeOptions("glusterfs", Map.of("servers", "g1:24007"), Map.of("k", "v"), false)),
                        new VolumeMount(VolumeMount.BIND, "/etc/ssl", "/ssl", true, null)),
                new ResourcesSpec(new Resources(500_000_000, 256L << 20, 100), new Resources(100_000_000, 64L << 20, 0)),
                new RestartPolicy(RestartPolicy.ON_FAILURE, Duration.ofSeconds(3), 5, Duration.ofMinutes(1)),
                new PlacementSpec(List.of("node.labels.zone==a"), List.of("node.labels.rack"), 2),
                "SIGQUIT", Duration.ofSeconds(20), true, true, List.of("NET_ADMIN"), List.of("MKNOD"),
                List.of("/tmp"), Map.of("nofile", new Ulimit(1024, 4096)), "always", List.of(new io.flotilla.model.NetworkAttachment("shop_default")),
                new DiscoverySpec(List.of("billing_api"), new DiscoverySpec.OnDependencyChange.Signal("SIGHUP")));
    }

    static Task task(String id, String service, long version, TaskTemplate spec, int slot, TaskStatus status,
                     TaskAllocation allocation) {
        return new Task(id, service + "-id", "shop_" + service, slot, version, "n1", TaskState.RUNNING, status, spec,
                T0, null, 0, allocation);
    }

    /** A stateful service's task: fenced, its slot's volumes, the address the scheduler chose of its dependency. */
    static final TaskAllocation DB_ALLOCATION = new TaskAllocation(true, true, Map.of("CACHE_HOST", "10.0.0.9"));
    static final Assignment DB_WIRED = new Assignment(List.of(), true, Map.of("CACHE", "shop_cache"), true, 1,
            "db-1.db.shop.flotilla");

    static final Assignment WIRED = new Assignment(
            List.of(new Assignment.Port("http", 80, 8080), new Assignment.Port("9090", 9090)), false,
            Map.of("BILLING_API", "billing_api"), false);

    /** The tasks of {@link #realisticSet()} as a manager of format 2 sent them: the assignment as variables. */
    static final Map<String, String> WIRED_AS_VARIABLES = Map.of("FLOTILLA_PORTS", "http:80:8080:host,9090:9090",
            "FLOTILLA_DEPENDENCIES", "BILLING_API=billing_api");

    static List<Task> realisticTasks() {
        TaskTemplate v1 = web("nginx:1.27");
        TaskTemplate v2 = web("nginx:1.28");
        TaskStatus assigned = new TaskStatus(TaskState.ASSIGNED, T0, "assigned to n1", null, null, null, null, Map.of(), null);
        TaskStatus running = new TaskStatus(TaskState.RUNNING, T0.plusSeconds(2), "started", null, null, 4242L,
                "c0ffee", Map.of("http", 8080), "healthy");
        List<Task> tasks = new ArrayList<>();
        tasks.add(task("a1", "web", 1, v1, 1, assigned, TaskAllocation.NONE));
        tasks.add(task("a2", "web", 1, web("nginx:1.27"), 2, running, TaskAllocation.NONE)); // equal template, another object
        tasks.add(task("a3", "web", 2, v2, 3, running, TaskAllocation.NONE).withDesiredState(TaskState.SHUTDOWN));
        tasks.add(new Task("a4", "web-id", "shop_web", 4, 1, "n1", TaskState.RUNNING,
                new TaskStatus(TaskState.FAILED, T0, "exit 1", "boom", 1, null, null, Map.of(), null), v1,
                T0.plusMillis(7), T0.plusSeconds(30), 3, TaskAllocation.NONE));
        tasks.add(new Task("a5", "web-id", "shop_web", 5, 1, null, TaskState.RUNNING, assigned, v1, null, null, 0,
                TaskAllocation.NONE));
        tasks.add(task("b1", "db", 7, web("postgres:17"), 1, running, DB_ALLOCATION));
        return tasks;
    }

    static AssignmentSet realisticSet() {
        Map<String, Assignment> assignments = Map.of("a1", WIRED, "a2", WIRED, "a4", WIRED,
                "a5", WIRED.withPorts(List.of()), "b1", DB_WIRED);
        return new AssignmentSet(99, "n1", realisticTasks(), assignments,
                Map.of("shop_db", List.of("127.0.0.1:5432"), "billing_api", List.of()));
    }

    @Test
    void aRealisticSetRoundTripsToEqualTasks() throws Exception {
        AssignmentSet set = realisticSet();
        AssignmentSet back = Json.read(Json.writeBytes(set), AssignmentSet.class);
        assertThat(back).isEqualTo(set);
        assertThat(back.tasks()).containsExactlyElementsOf(set.tasks()); // same order
        assertThat(back.assignment("a1")).isEqualTo(WIRED);
        assertThat(back.assignment("a3")).isEqualTo(Assignment.NONE);
        assertThat(back.assignment("b1")).isEqualTo(DB_WIRED);
        assertThat(back.tasks().getLast().allocation()).isEqualTo(DB_ALLOCATION);
    }

    @Test
    void tasksWithEqualStatusesAndTimesShareOneDecodedCopyOfEach() throws Exception {
        TaskTemplate template = web("nginx:1.27");
        TaskStatus assigned = new TaskStatus(TaskState.ASSIGNED, T0, "assigned to n1", null, null, null, null, Map.of(), null);
        List<Task> tasks = new ArrayList<>();
        tasks.add(task("t0", "web", 1, template, 1, assigned, TaskAllocation.NONE)); // the group's head
        for (int i = 1; i <= 4; i++) { // reported together: equal statuses, each its own object
            tasks.add(new Task("t" + i, "web-id", "shop_web", i + 1, 1, "n1", TaskState.RUNNING,
                    TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(5), "started"), template,
                    Instant.parse("2026-01-01T00:00:01Z"), null, 0, TaskAllocation.NONE));
        }
        tasks.add(task("t5", "web", 1, template, 6, TaskStatus.of(TaskState.RUNNING, T0.plusSeconds(6), "started"),
                TaskAllocation.NONE));
        AssignmentSet set = new AssignmentSet(7, "n1", tasks, Map.of(), Map.of());
        AssignmentSet back = Json.read(Json.writeBytes(set), AssignmentSet.class);
        assertThat(back.tasks()).containsExactlyElementsOf(tasks);
        List<Task> decoded = back.tasks();
        assertThat(decoded.get(2).status()).isSameAs(decoded.get(1).status());
        assertThat(decoded.get(4).status()).isSameAs(decoded.get(1).status());
        assertThat(decoded.get(3).createdAt()).isSameAs(decoded.get(1).createdAt());
        assertThat(decoded.get(5).status()).isNotEqualTo(decoded.get(1).status());
    }

    @Test
    void format4CarriesTheSlotInTheAssignmentAndTheTaskTypedWithoutVariables() throws Exception {
        JsonNode json = Json.MAPPER.readTree(Json.writeBytes(realisticSet()));
        assertThat(json.get("format").asInt()).isEqualTo(4);
        JsonNode db = json.get("groups").get(2);
        assertThat(db.get("assignment").get("slot").asInt()).isEqualTo(1);
        assertThat(db.get("assignment").get("slotName").asText()).isEqualTo("db-1.db.shop.flotilla");
        assertThat(db.get("allocation").get("fenced").asBoolean()).isTrue();
        assertThat(db.get("allocation").get("dependencyAddresses").get("CACHE_HOST").asText()).isEqualTo("10.0.0.9");
        assertThat(json.get("groups").get(0).get("allocation").isEmpty()).isTrue(); // NONE: {}
        assertThat(json.get("groups").get(0).get("assignment").has("slot")).isFalse();
        assertThat(json.toString()).doesNotContain("injectedEnv").doesNotContain("FLOTILLA_");
    }

    @Test
    void theSessionPartRoundTripsWithoutRaisingTheFormat() throws Exception {
        io.flotilla.model.ServiceSpec web = new io.flotilla.model.ServiceSpec("web", "shop", null, 2, web("nginx:1.27"),
                List.of(new io.flotilla.model.PortSpec("http", 80, 8080, "tcp", "ingress", "http")), List.of(),
                Map.of("flotilla.lb", "p2c"), null, null, "vip");
        NodeSession session = new NodeSession(new io.flotilla.model.NodeSpec(io.flotilla.model.NodeRole.MANAGER, null,
                Map.of("zone", "a")), List.of(new ManagerPeer("m1", "10.0.0.1:4780", "10.0.0.1:4781")),
                new MeshServices(98, List.of(web)), new NodeSession.CaIdentity("ab12", true, false));
        AssignmentSet set = realisticSet().withSession(session);
        JsonNode json = Json.MAPPER.readTree(Json.writeBytes(set));
        assertThat(json.get("format").asInt()).isEqualTo(4);
        assertThat(json.get("session").get("ca").get("rootDigest").asText()).isEqualTo("ab12");
        AssignmentSet back = Json.read(Json.writeBytes(set), AssignmentSet.class);
        assertThat(back).isEqualTo(set);
        assertThat(back.session().node().labels()).containsEntry("zone", "a");
        assertThat(Json.read(Json.writeBytes(realisticSet()), AssignmentSet.class).session()).isNull();
        NodeSession removed = new NodeSession(null, List.of(), new MeshServices(1, List.of()), null);
        assertThat(Json.read(Json.writeBytes(removed), NodeSession.class).removed()).isTrue();
    }

    @Test
    void anAssignmentRoundTripsAndSaysWhatItIs() throws Exception {
        Assignment assignment = new Assignment(List.of(new Assignment.Port("http", 80, 8080), new Assignment.Port("9090", 9090)),
                true, Map.of("DB", "shop_db"), true);
        JsonNode json = Json.MAPPER.readTree(Json.writeBytes(assignment));
        assertThat(json.get("ports").get(0).get("hostPort").asInt()).isEqualTo(8080);
        assertThat(json.get("fenced").asBoolean()).isTrue();
        assertThat(json.get("dependencies").get("DB").asText()).isEqualTo("shop_db");
        assertThat(Json.read(Json.writeBytes(assignment), Assignment.class)).isEqualTo(assignment);
    }

    @Test
    void aGroupWritesItsFirstTasksAssignmentAndATaskOnlyWhereItsDiffers() throws Exception {
        JsonNode json = Json.MAPPER.readTree(Json.writeBytes(realisticSet()));
        assertThat(json.get("groups").get(0).get("assignment").get("ports")).hasSize(2);
        assertThat(json.get("tasks").get(1).has("assignment")).isFalse(); // a2: as a1
        assertThat(json.get("tasks").get(4).get("assignment").get("ports")).isEmpty(); // a5
    }

    @Test
    void eachTemplateIsWrittenOncePerServiceVersionAndTasksShareIt() throws Exception {
        AssignmentSet set = realisticSet();
        JsonNode json = Json.MAPPER.readTree(Json.writeBytes(set));
        assertThat(json.get("format").asInt()).isEqualTo(4);
        assertThat(json.get("groups")).hasSize(3); // web v1 (twice the equal template), web v2, db v7
        for (JsonNode task : json.get("tasks")) {
            assertThat(task.has("spec")).isFalse();
        }
        AssignmentSet back = Json.read(Json.writeBytes(set), AssignmentSet.class);
        assertThat(back.tasks().get(0).spec()).isSameAs(back.tasks().get(1).spec());

        List<Task> many = new ArrayList<>();
        for (int i = 1; i <= 200; i++) {
            many.add(task("t" + i, "web", 1, web("nginx:1.27"), i, set.tasks().get(1).status(), DB_ALLOCATION));
        }
        int compact = Json.writeBytes(new AssignmentSet(1, "n1", many)).length;
        int full = Json.MAPPER.writeValueAsBytes(Map.of("tasks", many)).length;
        assertThat(compact).isLessThan(full / 10);
    }

    @Test
    void theFirstFormatOfFullTasksIsStillReadItsVariablesLifted() throws Exception {
        AssignmentSet set = realisticSet();
        ObjectNode old = Json.MAPPER.createObjectNode();
        old.put("index", set.index());
        old.put("nodeId", set.nodeId());
        JsonNode tasks = Json.MAPPER.valueToTree(realisticTasks());
        for (JsonNode task : tasks) { // as that manager wrote them: everything in injectedEnv
            ((ObjectNode) task).remove("allocation");
            String id = task.get("id").asText();
            ((ObjectNode) task).set("injectedEnv", Json.MAPPER.valueToTree(id.equals("b1") ? DB_AS_VARIABLES
                    : id.equals("a3") ? Map.of() : WIRED_AS_VARIABLES));
        }
        old.set("tasks", tasks);
        old.set("dependencies", Json.MAPPER.valueToTree(set.dependencies()));
        AssignmentSet back = Json.read(Json.MAPPER.writeValueAsBytes(old), AssignmentSet.class);
        assertThat(back.tasks()).isEqualTo(set.tasks());
        assertThat(back.assignment("a1")).isEqualTo(WIRED);
        assertThat(back.assignment("a3")).isEqualTo(Assignment.NONE);
        assertThat(back.assignment("b1")).isEqualTo(DB_WIRED);
    }

    /** The task b1 of {@link #realisticSet()} as a manager of format 1 or 2 sent it. */
    static final Map<String, String> DB_AS_VARIABLES = Map.of("FLOTILLA_FENCING", "lease", "FLOTILLA_SLOT", "1",
            "FLOTILLA_SLOT_NAME", "db-1.db.shop.flotilla", "FLOTILLA_DEPENDENCIES", "CACHE=shop_cache",
            "CACHE_HOST", "10.0.0.9");

    /** A set as a manager of format 2 wrote it (from the tests of that version), fencing and slot stored as variables. */
    private static final String FORMAT_2 = """
            {"format":2,"index":7,"nodeId":"n1",
             "groups":[{"serviceId":"db-id","serviceName":"shop_db","serviceVersion":1,
                        "spec":{"driver":"process","command":["/bin/sh","-c","sleep 60"]},
                        "desiredState":"RUNNING","status":{"state":"ASSIGNED","timestamp":"2026-11-21T12:00:00Z","message":"assigned"},
                        "createdAt":"2026-11-21T12:00:00Z",
                        "injectedEnv":{"FLOTILLA_FENCING":"lease","FLOTILLA_SLOT":"1","FLOTILLA_SLOT_NAME":"db-1.db.shop.flotilla",
                                       "FLOTILLA_PORTS":"pg:5432,admin:9000:19000:host,bad:x",
                                       "FLOTILLA_DEPENDENCIES":"CACHE=shop_cache,BILLING_API=billing_api","CACHE_HOST":"10.0.0.9"}}],
             "tasks":[{"group":0,"id":"d1","slot":1},{"group":0,"id":"d2","slot":2,"injectedEnv":{"X":"y"}}],
             "dependencies":{"shop_cache":["10.0.0.9:6379"]}}
            """;

    @Test
    void aSetOfFormat2IsReadItsVariablesLiftedIntoTheAssignment() throws Exception {
        AssignmentSet set = Json.read(FORMAT_2.getBytes(java.nio.charset.StandardCharsets.UTF_8), AssignmentSet.class);
        Assignment d1 = set.assignment("d1");
        assertThat(d1.ports()).containsExactly(new Assignment.Port("pg", 5432), new Assignment.Port("admin", 9000, 19000));
        assertThat(d1.fenced()).isTrue();
        assertThat(d1.slotVolumes()).isTrue();
        assertThat(d1.slot()).isEqualTo(1);
        assertThat(d1.slotName()).isEqualTo("db-1.db.shop.flotilla");
        assertThat(d1.dependencies()).containsExactly(Map.entry("CACHE", "shop_cache"), Map.entry("BILLING_API", "billing_api"));
        assertThat(set.tasks().getFirst().allocation()).isEqualTo(DB_ALLOCATION);
        assertThat(set.assignment("d2")).isEqualTo(Assignment.NONE);
        assertThat(set.tasks().get(1).allocation()).isEqualTo(new TaskAllocation(false, false, Map.of("X", "y")));
        assertThat(set.dependencies()).containsEntry("shop_cache", List.of("10.0.0.9:6379"));
    }

    /** A set as a manager of format 3 wrote it: the assignment typed, the slot's number and name still variables. */
    private static final String FORMAT_3 = """
            {"format":3,"index":7,"nodeId":"n1",
             "groups":[{"serviceId":"db-id","serviceName":"shop_db","serviceVersion":1,
                        "spec":{"driver":"process","command":["/bin/sh","-c","sleep 60"]},
                        "desiredState":"RUNNING","status":{"state":"ASSIGNED","timestamp":"2026-11-21T12:00:00Z","message":"assigned"},
                        "createdAt":"2026-11-21T12:00:00Z",
                        "injectedEnv":{"FLOTILLA_SLOT":"1","FLOTILLA_SLOT_NAME":"db-1.db.shop.flotilla","CACHE_HOST":"10.0.0.9"},
                        "assignment":{"ports":[],"fenced":true,"dependencies":{"CACHE":"shop_cache"},"slotVolumes":true}}],
             "tasks":[{"group":0,"id":"d1","slot":1},
                      {"group":0,"id":"d2","slot":2,"injectedEnv":{"X":"y"},
                       "assignment":{"ports":[],"fenced":false,"dependencies":{},"slotVolumes":false}}],
             "dependencies":{"shop_cache":["10.0.0.9:6379"]}}
            """;

    @Test
    void aSetOfFormat3IsReadTheSlotLiftedIntoTheAssignmentTheRestTheTasksAllocation() throws Exception {
        AssignmentSet set = Json.read(FORMAT_3.getBytes(java.nio.charset.StandardCharsets.UTF_8), AssignmentSet.class);
        assertThat(set.assignment("d1")).isEqualTo(DB_WIRED);
        assertThat(set.tasks().getFirst().allocation()).isEqualTo(DB_ALLOCATION);
        assertThat(set.assignment("d2")).isEqualTo(Assignment.NONE);
        assertThat(set.tasks().get(1).allocation()).isEqualTo(new TaskAllocation(false, false, Map.of("X", "y")));
    }

    @Test
    void aNewerFormatOrABadGroupIsRefusedSayingSo() throws Exception {
        ObjectNode json = (ObjectNode) Json.MAPPER.readTree(Json.writeBytes(realisticSet()));
        json.put("format", 7);
        assertThatThrownBy(() -> Json.read(Json.MAPPER.writeValueAsBytes(json), AssignmentSet.class))
                .hasStackTraceContaining("an assignment set of format 7 is newer than this agent reads (format 6): upgrade this agent");
        json.put("format", 0);
        assertThatThrownBy(() -> Json.read(Json.MAPPER.writeValueAsBytes(json), AssignmentSet.class))
                .hasStackTraceContaining("format 0 is not one this agent knows");
        json.put("format", 4);
        ((ObjectNode) json.get("tasks").get(0)).put("group", 7);
        assertThatThrownBy(() -> Json.read(Json.MAPPER.writeValueAsBytes(json), AssignmentSet.class))
                .hasStackTraceContaining("names group 7 of 3");
    }

    static final TaskNetwork FRONT = new TaskNetwork("shop_front", 4096, "10.20.0.0/24", "10.20.0.1", false, "10.20.0.7");
    static final TaskNetwork BACK = new TaskNetwork("shop_back", 4097, "10.20.1.0/24", "10.20.1.1", true, "10.20.1.3");

    @Test
    void aSetWithATasksNetworksIsFormat5AndRoundTripsThemInOrder() throws Exception {
        AssignmentSet plain = realisticSet();
        Map<String, Assignment> assignments = new java.util.HashMap<>(plain.assignments());
        assignments.put("a2", WIRED.withNetworks(List.of(BACK, FRONT), "shop"));
        AssignmentSet set = new AssignmentSet(plain.index(), plain.nodeId(), plain.tasks(), assignments,
                plain.dependencies());
        byte[] bytes = Json.writeBytes(set);
        JsonNode json = Json.MAPPER.readTree(bytes);
        assertThat(json.get("format").asInt()).isEqualTo(5);
        JsonNode a2 = json.get("tasks").get(1).get("assignment");
        assertThat(a2.get("stack").asText()).isEqualTo("shop");
        assertThat(a2.get("networks").get(1).get("address").asText()).isEqualTo("10.20.0.7");
        assertThat(a2.get("networks").get(0).get("internal").asBoolean()).isTrue();
        AssignmentSet back = Json.read(bytes, AssignmentSet.class);
        assertThat(back).isEqualTo(set);
        assertThat(back.assignment("a2").networks()).containsExactly(BACK, FRONT);
        assertThat(back.assignment("a2").stack()).isEqualTo("shop");
        assertThat(back.assignment("a1").networks()).isEmpty();
    }

    @Test
    void aSetWithoutNetworksStaysFormat4WhichAnOlderAgentReadsWhole() throws Exception {
        AssignmentSet plain = realisticSet();
        Map<String, Assignment> assignments = new java.util.HashMap<>(plain.assignments());
        assignments.put("a2", WIRED.withNetworks(List.of(), "shop")); // a stack alone changes nothing an agent runs
        AssignmentSet set = new AssignmentSet(plain.index(), plain.nodeId(), plain.tasks(), assignments,
                plain.dependencies());
        JsonNode json = Json.MAPPER.readTree(Json.writeBytes(set));
        assertThat(json.get("format").asInt()).isEqualTo(4);
        assertThat(json.get("tasks").get(1).get("assignment").has("networks")).isFalse();
        assertThat(json.get("tasks").get(1).get("assignment").get("stack").asText()).isEqualTo("shop");
        assertThat(Json.read(Json.writeBytes(set), AssignmentSet.class)).isEqualTo(set);
    }

    @Test
    void anAgentOfFormat4WouldRefuseASetWithNetworks() throws Exception {
        // What an agent of format 4 checks: a set of format 5 is newer than it reads.
        Map<String, Assignment> assignments = Map.of("a1", Assignment.NONE.withNetworks(List.of(FRONT), "shop"));
        AssignmentSet set = new AssignmentSet(1, "n1", realisticTasks().subList(0, 1), assignments, Map.of());
        assertThat(AssignmentSetJson.Serializer.formatOf(set)).isGreaterThan(4);
        assertThat(Json.read(Json.writeBytes(set), AssignmentSet.class).assignment("a1").networks())
                .containsExactly(FRONT);
    }

    @Test
    void aSetWithSecretsIsFormat6AndCarriesTheirContentWhole() throws Exception {
        io.flotilla.model.FileMount mount = new io.flotilla.model.FileMount(io.flotilla.model.FileKind.SECRET,
                "shop_db-password", "db-password", "0", "0", 0400);
        TaskFile file = new TaskFile(mount, 3, "s3cr3t\n".getBytes(java.nio.charset.StandardCharsets.UTF_8));
        Map<String, Assignment> assignments = Map.of("a1",
                Assignment.NONE.withNetworks(List.of(FRONT), "shop").withFiles(List.of(file)));
        AssignmentSet set = new AssignmentSet(1, "n1", realisticTasks().subList(0, 1), assignments, Map.of());
        JsonNode json = Json.MAPPER.readTree(Json.writeBytes(set));
        assertThat(json.get("format").asInt()).isEqualTo(6);
        AssignmentSet back = Json.read(Json.writeBytes(set), AssignmentSet.class);
        assertThat(back).isEqualTo(set);
        assertThat(new String(back.assignment("a1").files().getFirst().data(), java.nio.charset.StandardCharsets.UTF_8))
                .isEqualTo("s3cr3t\n");
        assertThat(file.toString()).doesNotContain("s3cr3t").contains("shop_db-password", "v3");
    }
}
