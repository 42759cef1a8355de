package io.flotilla.discovery.dns;

import static org.assertj.core.api.Assertions.assertThat;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.flotilla.discovery.EndpointSource;
import io.flotilla.model.Endpoint;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;

/**
 * A DNS query is a datagram from anyone who can reach the port. From any bytes, the path the
 * server takes for a question in the cluster domain (parse, {@link DnsResponder#answer}, encode
 * within the client's UDP limit) either refuses to parse (dnsjava's WireParseException, an
 * {@link IOException}, or an IllegalArgumentException for a field out of range: the query is
 * dropped) or gives a message that parses back as a response
 * to the same id. A RuntimeException from the responder would be swallowed by the server loop and
 * the client left to time out: here it is a finding. Questions outside the domain are forwarded
 * (a network hop, not parsed further here) and are skipped.
 *
 * <p>Corpus: {@code DnsResponderFuzzTestInputs/answersOrRefuses/}, raw DNS messages.
 */
class DnsResponderFuzzTest {
    private static final long MAX_NANOS = 2_000_000_000L;
    private static final DnsResponder RESPONDER = new DnsResponder(new FixedEndpoints(),
            new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", Duration.ofSeconds(5),
                    Duration.ofSeconds(5), List.of()));

    @FuzzTest(maxDuration = "20s")
    void answersOrRefuses(byte[] request) throws IOException {
        long start = System.nanoTime();
        Message query;
        try {
            query = new Message(request);
        } catch (IOException | IllegalArgumentException unparsable) {
            // WireParseException, or dnsjava's InvalidTTLException and kin for a field out of range
            // (a TTL over 2^31-1): the server catches both and drops the query
            return;
        }
        Record question = query.getQuestion();
        if (question != null && !RESPONDER.isLocal(question.getName())) {
            return;
        }
        Message response = question == null || query.getHeader().getOpcode() != 0
                ? formatError(query) : RESPONDER.answer(query);
        int limit = DnsResponder.udpLimit(query);
        byte[] udp = response.toWire(limit);
        assertThat(udp.length).isLessThanOrEqualTo(limit);
        Message parsed = new Message(udp);
        assertThat(parsed.getHeader().getID()).isEqualTo(query.getHeader().getID());
        assertThat(parsed.getHeader().getFlag(Flags.QR)).isTrue();
        new Message(response.toWire(65_535)); // the TCP answer
        assertThat(System.nanoTime() - start).as("answer time in ns").isLessThan(MAX_NANOS);
    }

    /** What the server answers to a query without a question or with another opcode. */
    private static Message formatError(Message query) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setRcode(query.getQuestion() == null ? Rcode.FORMERR : Rcode.NOTIMP);
        if (query.getQuestion() != null) {
            response.addRecord(query.getQuestion(), Section.QUESTION);
        }
        return response;
    }

    /**
     * A small registry with each kind of name: a stack service with ports, a stateful service
     * with slots, a service with a virtual address, one outside a stack, an IPv6 endpoint and a
     * host-name address.
     */
    private static final class FixedEndpoints implements EndpointSource {
        private static final Map<String, List<Endpoint>> ENDPOINTS = Map.of(
                "shop_web", List.of(endpoint("w1", "shop_web", "10.0.0.1", null),
                        endpoint("w2", "shop_web", "fd00::2", null)),
                "shop_db", List.of(endpoint("d1", "shop_db", "10.0.0.3", 1), endpoint("d2", "shop_db", "10.0.0.4", 2)),
                "cache", List.of(endpoint("c1", "cache", "cache-host.example", null)),
                "shop_api", List.of());

        private static Endpoint endpoint(String id, String service, String address, Integer slot) {
            return new Endpoint(id, service, null, id, "n1", address, Map.of("http", 8080, "pg", 5432), List.of(),
                    Map.of(), Endpoint.TASK, slot);
        }

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
            return service.equals("shop_api") ? "10.255.0.7" : null;
        }
    }
}
