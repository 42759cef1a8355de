package io.flotilla.discovery.dns;

import static io.flotilla.discovery.dns.DnsClients.askUdp;
import static io.flotilla.discovery.dns.DnsClients.query;
import static org.assertj.core.api.Assertions.assertThat;

import io.flotilla.discovery.EndpointRegistry;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.time.Duration;
import java.util.List;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.Section;
import org.xbill.DNS.Type;

/**
 * Only the upstream's own answer to the question asked is passed on: a {@link FakeUpstream}
 * first sends replies a spoofer could (wrong id, wrong question, right id from another port),
 * then the real one 300 ms later. The client must get the real one.
 */
class DnsUpstreamReplyTest {
    private static final Duration WAIT = Duration.ofSeconds(3);
    private FakeUpstream upstream;
    private DnsServer server;

    private void start(FakeUpstream.Script script) throws IOException {
        upstream = new FakeUpstream(script);
        server = DnsServer.start(new DnsConfig(new InetSocketAddress("127.0.0.1", 0), "flotilla", null, null,
                List.of(upstream.address())), new EndpointRegistry());
    }

    @AfterEach
    void stop() throws InterruptedException {
        server.close();
        upstream.close();
    }

    private static String address(Message reply) {
        return ((ARecord) reply.getSection(Section.ANSWER).getFirst()).getAddress().getHostAddress();
    }

    @Test
    void aReplyWithAnotherIdOrAnotherQuestionIsIgnoredAndTheRealOneTaken() throws Exception {
        start((up, q, forwarder) -> {
            int id = q.getHeader().getID();
            up.send(FakeUpstream.answer(q, (id + 1) & 0xffff, q.getQuestion(), "198.51.100.1"), forwarder);
            Record other = Record.newRecord(Name.fromString("evil.example."), Type.A, DClass.IN);
            up.send(FakeUpstream.answer(q, id, other, "198.51.100.2"), forwarder);
            Thread.sleep(300);
            up.send(FakeUpstream.answer(q, id, q.getQuestion(), "192.0.2.1"), forwarder);
        });
        Message sent = query("www.example.");
        Message reply = askUdp(server.address(), "127.0.0.1", sent, WAIT);
        assertThat(reply.getHeader().getID()).as("the client's own id").isEqualTo(sent.getHeader().getID());
        assertThat(reply.getRcode()).isEqualTo(Rcode.NOERROR);
        assertThat(address(reply)).isEqualTo("192.0.2.1");
    }

    @Test
    void aReplyFromAnotherPortIsNotTaken() throws Exception {
        start((up, q, forwarder) -> {
            up.sendFromAnotherPort(FakeUpstream.answer(q, q.getHeader().getID(), q.getQuestion(), "198.51.100.3"), forwarder);
            Thread.sleep(300);
            up.send(FakeUpstream.answer(q, q.getHeader().getID(), q.getQuestion(), "192.0.2.1"), forwarder);
        });
        Message reply = askUdp(server.address(), "127.0.0.1", query("www.example."), WAIT);
        assertThat(address(reply)).isEqualTo("192.0.2.1");
    }
}
