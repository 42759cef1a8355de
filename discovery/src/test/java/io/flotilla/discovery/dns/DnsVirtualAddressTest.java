package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointSource;
import io.flotilla.model.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.SimpleResolver;
import org.xbill.DNS.Type;

/** A service with a virtual address (the node's mesh serves it) answers that address; tasks.* the endpoints. */
class DnsVirtualAddressTest {
    private static final Map<String, List<Endpoint>> ENDPOINTS = Map.of(
            "shop_backend", List.of(endpoint("b1", "10.0.0.1"), endpoint("b2", "10.0.0.2")),
            "shop_db", List.of(endpoint("d1", "10.0.0.3")));
    /** backend is vip (even with no endpoint it keeps its address), db dnsrr, idle vip without endpoints. */
    private static final Map<String, String> VIPS = Map.of("shop_backend", "127.241.2.3", "shop_idle", "127.242.0.9");

    private DnsServer server;

    private static Endpoint endpoint(String id, String address) {
        return new Endpoint(id, "shop_x", "shop", id, "n", address, Map.of("http", 31000), List.of(), Map.of(), null);
    }

    @BeforeEach
    void start() throws IOException {
        EndpointSource source = new EndpointSource() {
            @Override
            public boolean knows(String service) {
                return ENDPOINTS.containsKey(service);
            }

            @Override
            public Collection<Endpoint> endpointsUnordered(String service) {
                return ENDPOINTS.getOrDefault(service, List.of());
            }

            @Override
            public String virtualAddress(String service) {
                return VIPS.get(service);
            }
        };
        server = DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", Duration.ofSeconds(5),
                Duration.ofSeconds(5), List.of()), source);
    }

    @AfterEach
    void stop() {
        server.close();
    }

    private List<String> a(String name) throws IOException {
        SimpleResolver resolver = new SimpleResolver(server.address());
        resolver.setTimeout(Duration.ofSeconds(3));
        Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString(name), Type.A, DClass.IN)));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        return answer.getSection(Section.ANSWER).stream().map(r -> ((ARecord) r).getAddress().getHostAddress()).toList();
    }

    @Test
    void theServiceNameAnswersItsVirtualAddressAndTasksTheEndpoints() throws IOException {
        assertThat(a("backend.shop.flotilla.")).containsExactly("127.241.2.3");
        assertThat(a("BACKEND.shop.flotilla.")).containsExactly("127.241.2.3");
        assertThat(a("tasks.backend.shop.flotilla.")).containsExactlyInAnyOrder("10.0.0.1", "10.0.0.2");
        assertThat(a("idle.shop.flotilla.")).containsExactly("127.242.0.9");
        assertThat(a("db.shop.flotilla.")).containsExactly("10.0.0.3");
    }

    @Test
    void aQueryForAnotherTypeIsNodata() throws IOException {
        SimpleResolver resolver = new SimpleResolver(server.address());
        Message answer = resolver.send(Message.newQuery(Record.newRecord(Name.fromString("backend.shop.flotilla."),
                Type.AAAA, DClass.IN)));
        assertThat(answer.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(answer.getSection(Section.ANSWER)).isEmpty();
        assertThat(answer.getSection(Section.AUTHORITY)).hasSize(1);
    }
}
