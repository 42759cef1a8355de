package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.model.Command;
import io.flotilla.model.Registration;
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
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** A real DnsServer on 127.0.0.1 and a free port, asked by dnsjava's resolver and by dig. */
class DnsServerTest {
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final EndpointRegistry registry = new EndpointRegistry();
    private final EndpointRegistry upstreamRegistry = new EndpointRegistry();
    private ClusterState state = ClusterState.EMPTY;
    private DnsServer upstream;
    private DnsServer server;

    @BeforeEach
    void start() throws IOException {
        register(registry, "w1", "shop_web", "shop", "10.0.0.1", 31001);
        register(registry, "w2", "shop_web", "shop", "10.0.0.2", 31002);
        register(registry, "w3", "shop_web", "shop", "10.0.0.2", 31003); // same node, another port
        List<Registration> many = new ArrayList<>();
        for (int i = 0; i < 100; i++) {
            many.add(registration("b" + i, "big_api", "big", "10.1." + (i / 250) + "." + (i % 250 + 1), 8000 + i));
        }
        apply(registry, new Command.RegisterEndpoints(many));
        // The "upstream": another server, for a domain of its own.
        ClusterState before = ClusterState.EMPTY;
        ClusterState after = StateMachine.apply(before, 1, new Command.RegisterEndpoints(List.of(
                registration("u1", "www", null, "192.0.2.7", 80))));
        upstreamRegistry.applied(before, io.flotilla.state.Changes.NONE, after);
        upstreamRegistry.reset(after);
        upstream = DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "example", null, null, List.of()),
                upstreamRegistry);
        server = DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", Duration.ofSeconds(5),
                Duration.ofSeconds(7), List.of(upstream.address())), registry);
    }

    @AfterEach
    void stop() {
        server.close();
        upstream.close();
    }

    private void register(EndpointRegistry target, String id, String service, String stack, String address, int port) {
        apply(target, new Command.RegisterEndpoints(List.of(registration(id, service, stack, address, port))));
    }

    private static Registration registration(String id, String service, String stack, String address, int port) {
        return new Registration(id, service, stack, address, Map.of("http", port), List.of(), Map.of(),
                Duration.ofMinutes(1), T0, null);
    }

    private void apply(EndpointRegistry target, Command command) {
        ClusterState before = state;
        StateMachine.Applied applied = StateMachine.applyWithChanges(state, state.index() + 1, command);
        state = applied.state();
        target.applied(before, applied.changes(), state);
    }

    private Message ask(String name, int type, boolean tcp) throws IOException {
        SimpleResolver resolver = new SimpleResolver(server.address());
        resolver.setTCP(tcp);
        resolver.setTimeout(Duration.ofSeconds(3));
        return resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN)));
    }

    @Test
    void serviceNameAnswersTheDistinctAddressesOfItsEndpoints() throws IOException {
        Message answer = ask("web.shop.flotilla.", Type.A, false);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getHeader().getFlag(Flags.AA)).isTrue();
        assertThat(answer.getSection(Section.ANSWER)).extracting(r -> ((ARecord) r).getAddress().getHostAddress())
                .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        assertThat(answer.getSection(Section.ANSWER)).allMatch(r -> r.getTTL() == 5);
        Message tasks = ask("tasks.web.shop.flotilla.", Type.A, false);
        assertThat(tasks.getSection(Section.ANSWER)).hasSize(2);
        Message upper = ask("WEB.Shop.FLOTILLA.", Type.A, false);
        assertThat(upper.getSection(Section.ANSWER)).hasSize(2);
    }

    @Test
    void srvListsEveryEndpointWithTargetAndPort() throws IOException {
        Message answer = ask("_http._tcp.web.shop.flotilla.", Type.SRV, false);
        assertThat(answer.getSection(Section.ANSWER)).extracting(r -> ((SRVRecord) r).getPort())
                .containsExactlyInAnyOrder(31001, 31002, 31003);
        assertThat(answer.getSection(Section.ANSWER)).extracting(r -> ((SRVRecord) r).getTarget().toString())
                .contains("0a000001.addr.flotilla.", "0a000002.addr.flotilla.");
        assertThat(answer.getSection(Section.ADDITIONAL)).filteredOn(r -> r.getType() == Type.A).hasSize(2);
        Message target = ask("0a000002.addr.flotilla.", Type.A, false);
        assertThat(((ARecord) target.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress()).isEqualTo("10.0.0.2");
        Message unknownPort = ask("_grpc._tcp.web.shop.flotilla.", Type.SRV, false);
        assertThat(unknownPort.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(unknownPort.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void unknownNamesInTheDomainAreNxdomainWithTheNegativeTtlInTheSoa() throws IOException {
        Message answer = ask("nope.shop.flotilla.", Type.A, false);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NXDOMAIN);
        SOARecord soa = (SOARecord) answer.getSection(Section.AUTHORITY).getFirst();
        assertThat(soa.getMinimum()).isEqualTo(7);
        assertThat(soa.getTTL()).isEqualTo(7);
        assertThat(ask("a.b.c.d.flotilla.", Type.A, false).getRcode()).isEqualTo(Rcode.NXDOMAIN);
        Message noAaaa = ask("web.shop.flotilla.", Type.AAAA, false);
        assertThat(noAaaa.getRcode()).as("a known name without AAAA: NODATA").isEqualTo(Rcode.NOERROR);
        assertThat(noAaaa.getSection(Section.ANSWER)).isEmpty();
    }

    @Test
    void aLargeAnswerIsTruncatedOverUdpAndWholeOverTcp() throws IOException {
        SimpleResolver resolver = new SimpleResolver(server.address());
        resolver.setIgnoreTruncation(true);
        Message udp = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("_http._tcp.api.big.flotilla."),
                Type.SRV, DClass.IN)));
        assertThat(udp.getHeader().getFlag(Flags.TC)).isTrue();
        Message tcp = ask("_http._tcp.api.big.flotilla.", Type.SRV, true);
        assertThat(tcp.getHeader().getFlag(Flags.TC)).isFalse();
        assertThat(tcp.getSection(Section.ANSWER)).hasSize(100);
        Message fallback = ask("_http._tcp.api.big.flotilla.", Type.SRV, false); // retries over TCP on TC
        assertThat(fallback.getSection(Section.ANSWER)).hasSize(100);
    }

    @Test
    void otherNamesAreForwardedToTheUpstream() throws IOException {
        Message answer = ask("www.example.", Type.A, false);
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(((ARecord) answer.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress()).isEqualTo("192.0.2.7");
        Message overTcp = ask("www.example.", Type.A, true);
        assertThat(overTcp.getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void anEndpointThatLeavesLeavesTheAnswer() throws IOException {
        apply(registry, new Command.DeregisterEndpoints(List.of("w1"), "deregistered", T0));
        assertThat(ask("web.shop.flotilla.", Type.A, false).getSection(Section.ANSWER)).hasSize(1);
    }

    @Test
    void digAgreesOverUdpAndTcp() throws Exception {
        // Never skipped: a DNS server must answer the tool users query it with (.ci/run installs it).
        assertThat(new java.io.File("/usr/bin/dig").canExecute())
                .as("dig is needed for this test: apt-get install dnsutils").isTrue();
        int port = server.address().getPort();
        assertThat(dig("+short", "-p", "" + port, "web.shop.flotilla", "A")).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        assertThat(dig("+short", "-p", "" + port, "_http._tcp.web.shop.flotilla", "SRV"))
                .contains("0 10 31001 0a000001.addr.flotilla.");
        assertThat(String.join("\n", dig("-p", "" + port, "nope.shop.flotilla", "A"))).contains("status: NXDOMAIN");
        List<String> big = dig("+short", "-p", "" + port, "_http._tcp.api.big.flotilla", "SRV"); // dig retries over TCP
        assertThat(big).hasSize(100);
        assertThat(dig("+short", "+tcp", "-p", "" + port, "tasks.web.shop.flotilla")).hasSize(2);
        assertThat(dig("+short", "-p", "" + port, "www.example")).containsExactly("192.0.2.7");
    }

    private static List<String> dig(String... args) throws Exception {
        List<String> command = new ArrayList<>(List.of("dig", "@127.0.0.1", "+time=2", "+tries=1"));
        command.addAll(List.of(args));
        Process process = new ProcessBuilder(command).redirectErrorStream(true).start();
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertThat(process.waitFor(10, TimeUnit.SECONDS)).isTrue();
        return out.lines().filter(line -> !line.isBlank()).toList();
    }
}
