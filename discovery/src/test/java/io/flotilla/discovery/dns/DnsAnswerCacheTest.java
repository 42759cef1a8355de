package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import io.flotilla.discovery.EndpointSource;
import io.flotilla.discovery.RegistryMirror;
import io.flotilla.model.Command;
import io.flotilla.model.Endpoint;
import io.flotilla.model.Registration;
import io.flotilla.model.ServiceSpec;
import io.flotilla.model.api.EndpointEvent;
import io.flotilla.state.ClusterState;
import io.flotilla.state.StateMachine;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Opcode;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * The DNS server's answer cache ({@link AnswerCache}), seen from a client on loopback: a cached
 * answer is the one the server would build, byte for byte but the ID; a change is answered at
 * once; the answer's size follows each query's (512, EDNS, TCP); queries the cache does not read
 * are answered as before. Where an answer must come from the cache, the source changes without
 * telling (its generation stays): only a kept answer still shows the old data.
 */
class DnsAnswerCacheTest {
    private static final Duration WAIT = Duration.ofSeconds(3);
    private static final Instant T0 = Instant.parse("2026-01-01T00:00:00Z");
    private final List<DnsServer> servers = new ArrayList<>();
    private ClusterState state = ClusterState.EMPTY;

    /** Endpoints by service, changed by the test; its generation moves only when the test says. */
    private static final class Source implements EndpointSource {
        final Map<String, List<Endpoint>> endpoints = new ConcurrentHashMap<>();
        final boolean versioned;
        volatile long generation;

        Source(boolean versioned) {
            this.versioned = versioned;
        }

        @Override
        public boolean knows(String service) {
            return endpoints.containsKey(service);
        }

        @Override
        public Collection<Endpoint> endpointsUnordered(String service) {
            return endpoints.getOrDefault(service, List.of());
        }

        @Override
        public long generation() {
            return versioned ? generation : UNVERSIONED;
        }
    }

    @AfterEach
    void stop() {
        servers.forEach(DnsServer::close);
    }

    private DnsServer serve(EndpointSource source) throws IOException {
        DnsServer server = DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla",
                Duration.ofSeconds(5), Duration.ofSeconds(7), List.of()), source);
        servers.add(server);
        return server;
    }

    private static Endpoint endpoint(String id, String service, String address) {
        return new Endpoint(id, service, "shop", id, "n", address, Map.of("http", 31000), List.of(), Map.of(), null, null);
    }

    private static List<Endpoint> endpoints(String service, int count, String prefix) {
        List<Endpoint> result = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            result.add(endpoint(service + i, service, prefix + (i + 1)));
        }
        return result;
    }

    /** Two servers on the same data: one keeps answers, the other (unversioned source) builds each. */
    private record Pair(Source cached, DnsServer caching, DnsServer building) {}

    private Pair pair() throws IOException {
        Source cached = new Source(true);
        Source reference = new Source(false);
        for (Source source : List.of(cached, reference)) {
            source.endpoints.put("shop_web", endpoints("shop_web", 3, "10.0.0."));
            source.endpoints.put("shop_big", endpoints("shop_big", 40, "10.0.1."));
        }
        return new Pair(cached, serve(cached), serve(reference));
    }

    @Test
    void aCachedAnswerIsTheBuiltOneButForItsId() throws IOException {
        Pair pair = pair();
        List<Object[]> questions = List.of(
                new Object[] {"web.shop.flotilla.", Type.A}, new Object[] {"tasks.web.shop.flotilla.", Type.A},
                new Object[] {"web.shop.flotilla.", Type.AAAA}, new Object[] {"nope.shop.flotilla.", Type.A},
                new Object[] {"_http._tcp.web.shop.flotilla.", Type.SRV}, new Object[] {"flotilla.", Type.SOA},
                new Object[] {"big.shop.flotilla.", Type.A});
        for (Object[] question : questions) {
            String name = (String) question[0];
            int type = (int) question[1];
            for (int edns : new int[] {0, 1232}) {
                String spelled = name.toUpperCase(java.util.Locale.ROOT).replace("FLOTILLA", "FloTilla");
                udp(pair.caching(), query(name, type, 1, true, edns)); // fills
                byte[] asked = query(spelled, type, 4242, false, edns); // another ID, RD and spelling
                byte[] hit = udp(pair.caching(), asked);
                assertThat(hit).as("%s %s, EDNS %d", spelled, Type.string(type), edns)
                        .isEqualTo(udp(pair.building(), asked));
                assertThat(tcp(pair.caching(), asked)).isEqualTo(tcp(pair.building(), asked));
                assertThat(tcp(pair.caching(), asked)).isEqualTo(tcp(pair.building(), asked)); // the kept one
            }
        }
        // And these came from the cache: changed data, same generation, the old answer.
        pair.cached().endpoints.put("shop_web", endpoints("shop_web", 1, "10.9.9."));
        assertThat(addresses(udp(pair.caching(), query("web.shop.flotilla.", Type.A, 7, true, 0))))
                .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2", "10.0.0.3");
        pair.cached().generation++;
        assertThat(addresses(udp(pair.caching(), query("web.shop.flotilla.", Type.A, 8, true, 0))))
                .containsExactly("10.9.9.1");
    }

    @Test
    void eachQueryGetsTheSizeItAllows() throws IOException {
        Pair pair = pair();
        for (int round = 0; round < 2; round++) { // the second round from the cache
            Message plain = new Message(udp(pair.caching(), query("big.shop.flotilla.", Type.A, 1, true, 0)));
            assertThat(plain.getHeader().getFlag(Flags.TC)).as("40 A records do not fit 512 bytes").isTrue();
            assertThat(plain.getOPT()).isNull();
            byte[] wide = udp(pair.caching(), query("big.shop.flotilla.", Type.A, 2, true, 4096));
            assertThat(new Message(wide).getHeader().getFlag(Flags.TC)).isFalse();
            assertThat(addresses(wide)).hasSize(40);
            assertThat(new Message(wide).getOPT()).isNotNull();
            assertThat(addresses(tcp(pair.caching(), query("big.shop.flotilla.", Type.A, 3, true, 0)))).hasSize(40);
            Message small = new Message(udp(pair.caching(), query("web.shop.flotilla.", Type.A, 4, true, 1232)));
            assertThat(small.getOPT()).as("an EDNS query's answer carries OPT").isNotNull();
            assertThat(new Message(udp(pair.caching(), query("web.shop.flotilla.", Type.A, 5, true, 0))).getOPT())
                    .as("a plain query's does not").isNull();
        }
    }

    @Test
    void aRegistryChangeIsAnsweredAtOnce() throws IOException {
        EndpointRegistry registry = new EndpointRegistry();
        apply(registry, new Command.RegisterEndpoints(List.of(registration("w1", "10.0.0.1"))));
        DnsServer server = serve(registry);
        for (int i = 0; i < 20; i++) {
            String address = "10.0.2." + (i + 1);
            assertThat(addresses(udp(server, query("web.shop.flotilla.", Type.A, i, true, 0)))).doesNotContain(address);
            apply(registry, new Command.RegisterEndpoints(List.of(registration("x" + i, address))));
            assertThat(addresses(udp(server, query("web.shop.flotilla.", Type.A, i, true, 0)))).contains(address);
            apply(registry, new Command.DeregisterEndpoints(List.of("x" + i), "gone", T0));
            assertThat(addresses(udp(server, query("web.shop.flotilla.", Type.A, i, true, 0)))).containsExactly("10.0.0.1");
            assertThat(addresses(tcp(server, query("web.shop.flotilla.", Type.A, i, true, 0)))).containsExactly("10.0.0.1");
        }
        // A service without endpoints changes no endpoint, but its name: NXDOMAIN, then NODATA.
        assertThat(new Message(udp(server, query("db.shop.flotilla.", Type.A, 1, true, 0))).getRcode())
                .isEqualTo(Rcode.NXDOMAIN);
        apply(registry, new Command.CreateService("s-db", ServiceSpec.process("shop_db", 1, List.of("sleep", "1")), T0));
        assertThat(new Message(udp(server, query("db.shop.flotilla.", Type.A, 2, true, 0))).getRcode())
                .isEqualTo(Rcode.NOERROR);
    }

    @Test
    void aMirrorChangeIsAnsweredAtOnce() throws IOException {
        RegistryMirror mirror = new RegistryMirror();
        mirror.apply(EndpointEvent.snapshot(null, 1, false, List.of(endpoint("w1", "shop_web", "10.0.0.1"))));
        DnsServer server = serve(mirror);
        assertThat(addresses(udp(server, query("web.shop.flotilla.", Type.A, 1, true, 0)))).containsExactly("10.0.0.1");
        mirror.apply(EndpointEvent.change("shop_web", 2, List.of(endpoint("w2", "shop_web", "10.0.0.2")), List.of()));
        assertThat(addresses(udp(server, query("web.shop.flotilla.", Type.A, 2, true, 0))))
                .containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        mirror.apply(EndpointEvent.snapshot(null, 3, true, List.of(endpoint("w3", "shop_web", "10.0.0.3"))));
        assertThat(addresses(udp(server, query("web.shop.flotilla.", Type.A, 3, true, 0)))).containsExactly("10.0.0.3");
    }

    @Test
    void queriesTheCacheDoesNotReadAreAnsweredAsBefore() throws IOException {
        Pair pair = pair();
        udp(pair.caching(), query("web.shop.flotilla.", Type.A, 1, true, 0));
        Message notify = Message.newQuery(Record.newRecord(Name.fromString("web.shop.flotilla."), Type.A, DClass.IN));
        notify.getHeader().setOpcode(Opcode.NOTIFY);
        assertThat(new Message(udp(pair.caching(), notify.toWire())).getRcode()).isEqualTo(Rcode.NOTIMP);
        Message withCookie = Message.newQuery(Record.newRecord(Name.fromString("web.shop.flotilla."), Type.A, DClass.IN));
        withCookie.addRecord(new OPTRecord(1232, 0, 0, 0, List.of(new org.xbill.DNS.CookieOption(new byte[8]))),
                Section.ADDITIONAL);
        pair.cached().endpoints.put("shop_web", endpoints("shop_web", 1, "10.9.9."));
        assertThat(addresses(udp(pair.caching(), withCookie.toWire()))).as("built, not kept").containsExactly("10.9.9.1");
    }

    private Registration registration(String id, String address) {
        return new Registration(id, "shop_web", "shop", address, Map.of("http", 80), List.of(), Map.of(),
                Duration.ofMinutes(1), T0, null);
    }

    private void apply(EndpointRegistry registry, Command command) {
        ClusterState before = state;
        StateMachine.Applied applied = StateMachine.applyWithChanges(state, state.index() + 1, command);
        state = applied.state();
        registry.applied(before, applied.changes(), state);
    }

    static byte[] query(String name, int type, int id, boolean rd, int edns) throws IOException {
        Message query = Message.newQuery(Record.newRecord(Name.fromString(name), type, DClass.IN));
        query.getHeader().setID(id);
        if (!rd) {
            query.getHeader().unsetFlag(Flags.RD);
        }
        if (edns > 0) {
            query.addRecord(new OPTRecord(edns, 0, 0), Section.ADDITIONAL);
        }
        return query.toWire();
    }

    private static List<String> addresses(byte[] answer) throws IOException {
        return new Message(answer).getSection(Section.ANSWER).stream()
                .map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    private static byte[] udp(DnsServer server, byte[] query) throws IOException {
        return DnsClients.udp(server.address(), "127.0.0.1", query, WAIT);
    }

    private static byte[] tcp(DnsServer server, byte[] query) throws IOException {
        return DnsClients.tcp(server.address(), "127.0.0.1", query, WAIT);
    }
}
