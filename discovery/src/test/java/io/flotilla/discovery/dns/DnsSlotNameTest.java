package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.discovery.RegistryMirror;
import io.flotilla.model.Command;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Json;
import io.flotilla.model.Node;
import io.flotilla.model.NodeSpec;
import io.flotilla.model.NodeState;
import io.flotilla.model.NodeStatus;
import io.flotilla.model.PortSpec;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAllocation;
import io.flotilla.model.TaskState;
import io.flotilla.model.TaskStatus;
import io.flotilla.model.api.EndpointEvent;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/**
 * The per-slot names of a stateful service ({@code db-1.db.shop.flotilla}), from real tasks in a
 * real state, asked of a real DnsServer on loopback (dnsjava's resolver and dig): a manager's
 * registry and a worker's mirror of it.
 */
class DnsSlotNameTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final EndpointRegistry registry = new EndpointRegistry();
    private ClusterState state = ClusterState.EMPTY;
    private final List<DnsServer> servers = new ArrayList<>();
    private DnsServer server;

    @BeforeEach
    void start() throws IOException {
        node("n1", "10.0.0.1");
        node("n2", "10.0.0.2");
        node("n3", "10.0.0.3");
        service("s-db", "shop_db", "shop", true);
        service("s-web", "shop_web", "shop", false);
        service("s-cache", "cache", null, true);
        run("db1", "s-db", "shop_db", 1, "n1", 31001);
        run("db2", "s-db", "shop_db", 2, "n2", 31002);
        run("web1", "s-web", "shop_web", 1, "n3", 31003);
        run("cache1", "s-cache", "cache", 1, "n3", 31004);
        server = serve(registry);
    }

    @AfterEach
    void stop() {
        servers.forEach(DnsServer::close);
    }

    private DnsServer serve(io.flotilla.discovery.EndpointSource source) throws IOException {
        DnsServer started = DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla",
                Duration.ofSeconds(5), Duration.ofSeconds(5), List.of()), source);
        servers.add(started);
        return started;
    }

    private void apply(Command command) {
        ClusterState before = state;
        StateMachine.Applied applied = StateMachine.applyWithChanges(state, state.index() + 1, command);
        state = applied.state();
        registry.applied(before, applied.changes(), state);
    }

    private void node(String id, String address) {
        apply(new Command.UpsertNode(new Node(id, new NodeSpec(null, null, Map.of()),
                new NodeStatus(NodeState.READY, id, address, null, Set.of("process"), T0, null))));
    }

    private void service(String id, String name, String stack, boolean stateful) {
        ServiceSpec spec = ServiceSpec.process(name, 2, List.of("sleep", "1"));
        spec = new ServiceSpec(name, stack, null, 2, spec.task(), List.of(new PortSpec("pg", 5432, null, null, null)),
                List.of(), stateful ? Map.of(ServiceSpec.STATEFUL_LABEL, "true") : Map.of(), null, null);
        assertThat(spec.stateful()).isEqualTo(stateful);
        apply(new Command.CreateService(id, spec, T0));
    }

    private void run(String taskId, String serviceId, String serviceName, int slot, String nodeId, int port) {
        Task task = new Task(taskId, serviceId, serviceName, slot, 1, null, TaskState.RUNNING,
                TaskStatus.of(TaskState.PENDING, T0, "pending"), state.service(serviceId).orElseThrow().spec().task(),
                T0, null, 0, TaskAllocation.NONE);
        apply(new Command.CreateTasks(List.of(task)));
        apply(new Command.AssignTasks(List.of(new Command.Assignment(taskId, nodeId)), T0));
        TaskStatus running = new TaskStatus(TaskState.RUNNING, T0.plusSeconds(1), "started", null, null, 42L, null,
                Map.of("pg", port), null);
        apply(new Command.UpdateTaskStatuses(nodeId, List.of(new Command.TaskStatusUpdate(taskId, running))));
    }

    private Message ask(DnsServer target, String name, int type) throws IOException {
        SimpleResolver resolver = new SimpleResolver(target.address());
        resolver.setTimeout(Duration.ofSeconds(3));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    private List<String> addresses(DnsServer target, String name) throws IOException {
        Message answer = ask(target, name, Type.A);
        assertThat(answer.getRcode()).as(name).isEqualTo(Rcode.NOERROR);
        return answer.getSection(Section.ANSWER).stream().map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    @Test
    void aSlotNameAnswersThatSlotsTaskOnly() throws IOException {
        assertThat(addresses(server, "db-1.db.shop.flotilla.")).containsExactly("10.0.0.1");
        assertThat(addresses(server, "db-2.db.shop.flotilla.")).containsExactly("10.0.0.2");
        assertThat(addresses(server, "DB-2.Db.shop.flotilla.")).containsExactly("10.0.0.2");
        assertThat(addresses(server, "tasks.db.shop.flotilla.")).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        assertThat(addresses(server, "cache-1.cache.flotilla.")).as("outside a stack").containsExactly("10.0.0.3");
    }

    @Test
    void aSlotWithoutARunningTaskIsNodataAndOtherSlotShapedNamesAreNxdomain() throws IOException {
        Message noTask = ask(server, "db-3.db.shop.flotilla.", Type.A);
        assertThat(noTask.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(noTask.getSection(Section.ANSWER)).isEmpty();
        assertThat(noTask.getSection(Section.AUTHORITY)).as("the SOA, for the negative TTL").hasSize(1);
        for (String name : List.of("web-1.web.shop.flotilla.", "db-01.db.shop.flotilla.", "db-0.db.shop.flotilla.",
                "db-x.db.shop.flotilla.", "db.db.shop.flotilla.", "api-1.db.shop.flotilla.", "db-1.db.other.flotilla.",
                "db-1.db.flotilla.", "cache-1.cache.shop.flotilla.")) {
            assertThat(ask(server, name, Type.A).getRcode()).as(name).isEqualTo(Rcode.NXDOMAIN);
        }
    }

    @Test
    void srvUnderTheSlotNameGivesThatTasksPort() throws IOException {
        Message answer = ask(server, "_pg._tcp.db-2.db.shop.flotilla.", Type.SRV);
        assertThat(answer.getSection(Section.ANSWER)).singleElement().satisfies(record -> {
            assertThat(((SRVRecord) record).getPort()).isEqualTo(31002);
            assertThat(((SRVRecord) record).getTarget().toString()).isEqualTo("0a000002.addr.flotilla.");
        });
        assertThat(answer.getSection(Section.ADDITIONAL)).filteredOn(r -> r.getType() == Type.A).hasSize(1);
    }

    @Test
    void theNameFollowsTheSlotsTaskOnlyWhileItRuns() throws IOException {
        apply(new Command.SetDesiredStates(List.of(new Command.DesiredStateChange("db1", TaskState.SHUTDOWN)), T0));
        assertThat(addresses(server, "db-1.db.shop.flotilla.")).as("its task is stopping").isEmpty();
        assertThat(addresses(server, "db-2.db.shop.flotilla.")).containsExactly("10.0.0.2");
        run("db1b", "s-db", "shop_db", 1, "n3", 31005); // the slot's replacement, on another node
        assertThat(addresses(server, "db-1.db.shop.flotilla.")).containsExactly("10.0.0.3");
        apply(new Command.SetNodeStates(List.of(new Command.NodeStateChange("n3", NodeState.DOWN, "silent")), T0));
        assertThat(addresses(server, "db-1.db.shop.flotilla.")).as("its node is down").isEmpty();
    }

    @Test
    void aWorkersMirrorAnswersTheSameFromTheEndpointsOnTheWire() throws IOException {
        List<Endpoint> all = registry.allEndpoints();
        assertThat(all).filteredOn(e -> e.service().equals("shop_db")).extracting(Endpoint::slot).containsExactlyInAnyOrder(1, 2);
        assertThat(all).filteredOn(e -> e.service().equals("shop_web")).extracting(Endpoint::slot).containsOnlyNulls();
        String json = Json.write(EndpointEvent.snapshot(null, state.index(), false, all));
        assertThat(json).contains("\"slot\":1");
        RegistryMirror mirror = new RegistryMirror();
        mirror.apply(Json.read(json, EndpointEvent.class));
        DnsServer worker = serve(mirror);
        assertThat(addresses(worker, "db-1.db.shop.flotilla.")).containsExactly("10.0.0.1");
        assertThat(addresses(worker, "db-2.db.shop.flotilla.")).containsExactly("10.0.0.2");
        assertThat(ask(worker, "web-1.web.shop.flotilla.", Type.A).getRcode()).isEqualTo(Rcode.NXDOMAIN);
    }

    @Test
    void digResolvesTheSlotNames() throws Exception {
        // Never skipped: a DNS server must answer the tool users query it with (.ci/run installs it).
        assertThat(new java.io.File("/usr/bin/dig").canExecute())
                .as("dig is needed for this test: apt-get install dnsutils").isTrue();
        String port = Integer.toString(server.address().getPort());
        assertThat(dig("+short", "-p", port, "db-1.db.shop.flotilla", "A")).containsExactly("10.0.0.1");
        assertThat(dig("+short", "+tcp", "-p", port, "db-2.db.shop.flotilla", "A")).containsExactly("10.0.0.2");
        assertThat(dig("+short", "-p", port, "_pg._tcp.db-1.db.shop.flotilla", "SRV"))
                .containsExactly("0 10 31001 0a000001.addr.flotilla.");
        assertThat(String.join("\n", dig("-p", port, "web-1.web.shop.flotilla", "A"))).contains("status: NXDOMAIN");
    }

    private static List<String> dig(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("dig", "@127.0.0.1", "+time=2", "+tries=1"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out.lines().filter(line -> !line.isBlank()).toList();
    }

    @Test
    void slotLabelsParseStrictly() {
        assertThat(DnsResponder.slotOf("db-1", "db")).isEqualTo(1);
        assertThat(DnsResponder.slotOf("my-db-12", "my-db")).isEqualTo(12);
        assertThat(DnsResponder.slotOf("db-", "db")).isZero();
        assertThat(DnsResponder.slotOf("db-0", "db")).isZero();
        assertThat(DnsResponder.slotOf("db-007", "db")).isZero();
        assertThat(DnsResponder.slotOf("db1", "db")).isZero();
        assertThat(DnsResponder.slotOf("dbx-1", "db")).isZero();
        assertThat(DnsResponder.slotOf("db-123456789", "db")).as("beyond any slot count").isZero();
    }
}
