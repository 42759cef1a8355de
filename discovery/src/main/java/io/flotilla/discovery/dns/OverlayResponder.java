package io.flotilla.discovery.dns;

import io.flotilla.discovery.dns.OverlayNames.Kind;
import io.flotilla.discovery.dns.OverlayNames.Result;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.function.Supplier;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Turns {@link OverlayNames}' decisions into DNS answers, for a question asked from a task on an
 * overlay network: A records of its answer, TTL 0 (a name follows its tasks as they move: no
 * resolver may keep an old address); a known name without addresses of the asked type is NODATA;
 * NXDOMAIN for what the asker's networks do not have, with the SOA in the authority section.
 * Questions it does not decide ({@link Kind#ELSEWHERE}) get null: the server goes on as for any
 * client (upstream).
 */
final class OverlayResponder {
    private final Supplier<OverlayNames> names;
    private final SOARecord soa;

    /** @param names the index of the node's networks now (null while it has none) */
    OverlayResponder(Supplier<OverlayNames> names, DnsConfig config) {
        this.names = names;
        try {
            Name domain = Name.fromString(config.domain() + ".");
            long negative = config.negativeTtl().toSeconds();
            this.soa = new SOARecord(domain, DClass.IN, negative, Name.fromString("ns." + config.domain() + "."),
                    Name.fromString("hostmaster." + config.domain() + "."), 1, 60, 10, 600, negative);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("invalid DNS domain '" + config.domain() + "': " + e.getMessage());
        }
    }

    /** The answer to {@code query} from {@code client}, or null when this is not an overlay task's question to decide. */
    Message answer(Message query, InetAddress client) {
        OverlayNames current = names.get();
        Record question = query.getQuestion();
        if (current == null || question == null || query.getHeader().getOpcode() != 0) {
            return null;
        }
        Result result = current.resolve(client.getHostAddress(), question.getName().toString());
        if (result.kind() == Kind.ELSEWHERE) {
            return null;
        }
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        response.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        response.addRecord(question, Section.QUESTION);
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(4096, 0, 0), Section.ADDITIONAL);
        }
        int type = question.getType();
        if (result.kind() == Kind.NXDOMAIN) {
            response.getHeader().setRcode(Rcode.NXDOMAIN);
            response.addRecord(soa, Section.AUTHORITY);
            return response;
        }
        if ((type == Type.A || type == Type.ANY) && !result.addresses().isEmpty()) {
            for (String address : result.addresses()) {
                try {
                    response.addRecord(new ARecord(question.getName(), DClass.IN, 0, InetAddress.getByName(address)),
                            Section.ANSWER);
                } catch (UnknownHostException e) {
                    // a literal address: cannot happen
                }
            }
        } else {
            response.addRecord(soa, Section.AUTHORITY); // NODATA
        }
        return response;
    }
}
