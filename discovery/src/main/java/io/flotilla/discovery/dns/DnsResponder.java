package io.flotilla.discovery.dns;

import io.flotilla.discovery.EndpointSource;
import io.flotilla.model.Endpoint;
import java.net.InetAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.HexFormat;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.xbill.DNS.AAAARecord;
import org.xbill.DNS.ARecord;
import org.xbill.DNS.Address;
import org.xbill.DNS.DClass;
import org.xbill.DNS.Flags;
import org.xbill.DNS.Message;
import org.xbill.DNS.NSRecord;
import org.xbill.DNS.Name;
import org.xbill.DNS.OPTRecord;
import org.xbill.DNS.Rcode;
import org.xbill.DNS.Record;
import org.xbill.DNS.SOARecord;
import org.xbill.DNS.SRVRecord;
import org.xbill.DNS.Section;
import org.xbill.DNS.TextParseException;
import org.xbill.DNS.Type;

/**
 * Answers questions about the cluster domain from the local registry (no network hop). Names, for
 * domain {@code flotilla}:
 * <ul>
 *   <li>{@code <service>.<stack>.flotilla} (and {@code <name>.flotilla} for a service outside a
 *       stack) A/AAAA: the addresses of its healthy endpoints;</li>
 *       For a service with a virtual address ({@code endpoint_mode: vip}, served by this node's
 *       routing mesh: {@link EndpointSource#virtualAddress}) the answer is that one address,
 *       whether or not it has endpoints right now;</li>
 *   <li>{@code tasks.<service>.<stack>.flotilla}: always the endpoints' addresses;</li>
 *   <li>{@code _<port>._tcp.<service>.<stack>.flotilla} SRV: one record per endpoint with that
 *       named port, target {@code <hex address>.addr.flotilla} (its A/AAAA in the additional section);</li>
 *   <li>{@code <service>-<slot>.<service>.<stack>.flotilla} ({@code db-1.db.shop.flotilla}; outside a
 *       stack {@code db-1.db.flotilla}), for a stateful service: the address of that slot's endpoint
 *       (its running, healthy task) only, and its SRV under {@code _<port>._tcp.db-1.db.shop.flotilla}.
 *       While the slot has no such task the name is NODATA (not cached longer than the negative
 *       TTL); for a service that is not stateful, NXDOMAIN;</li>
 *   <li>anything else in the domain: NXDOMAIN; a known name without records of the type: NODATA.
 *       Both carry the SOA in the authority section, whose minimum is the negative TTL.</li>
 * </ul>
 */
public final class DnsResponder {
    /** Without EDNS, a UDP answer must fit 512 bytes (RFC 1035); more: truncated, the client retries over TCP. */
    public static final int UDP_DEFAULT_SIZE = 512;
    /** The largest UDP answer, whatever size a client's EDNS offers. */
    static final int MAX_UDP_SIZE = 4096;

    private final EndpointSource registry;
    private final Name domain;
    private final String domainSuffix;
    private final long ttl;
    private final SOARecord soa;

    public DnsResponder(EndpointSource registry, DnsConfig config) {
        this.registry = registry;
        try {
            this.domain = Name.fromString(config.domain() + ".");
            Name host = Name.fromString("ns." + config.domain() + ".");
            Name admin = Name.fromString("hostmaster." + config.domain() + ".");
            long negative = config.negativeTtl().toSeconds();
            this.soa = new SOARecord(domain, DClass.IN, negative, host, admin, 1, 60, 10, 600, negative);
        } catch (TextParseException e) {
            throw new IllegalArgumentException("invalid DNS domain '" + config.domain() + "': " + e.getMessage());
        }
        this.domainSuffix = "." + config.domain() + ".";
        this.ttl = config.ttl().toSeconds();
    }

    /** True if {@code name} is the cluster domain or under it (answered here, not forwarded). */
    public boolean isLocal(Name name) {
        return name.subdomain(domain);
    }

    /** The largest UDP answer the query allows. */
    public static int udpLimit(Message query) {
        OPTRecord opt = query.getOPT();
        return opt == null ? UDP_DEFAULT_SIZE : Math.min(MAX_UDP_SIZE, Math.max(UDP_DEFAULT_SIZE, opt.getPayloadSize()));
    }

    /** The answer to {@code query}, whose question is in the cluster domain. */
    public Message answer(Message query) {
        Message response = new Message(query.getHeader().getID());
        response.getHeader().setFlag(Flags.QR);
        response.getHeader().setFlag(Flags.AA);
        response.getHeader().setFlag(Flags.RA);
        if (query.getHeader().getFlag(Flags.RD)) {
            response.getHeader().setFlag(Flags.RD);
        }
        Record question = query.getQuestion();
        response.addRecord(question, Section.QUESTION);
        if (query.getOPT() != null) {
            response.addRecord(new OPTRecord(MAX_UDP_SIZE, 0, 0), Section.ADDITIONAL);
        }
        Name name = question.getName();
        int type = question.getType();
        String lower = name.toString().toLowerCase(Locale.ROOT);
        String relative = lower.length() > domainSuffix.length() - 1 && lower.endsWith(domainSuffix)
                ? lower.substring(0, lower.length() - domainSuffix.length()) : "";
        if (relative.isEmpty()) { // the apex
            switch (type) {
                case Type.SOA -> response.addRecord(soa, Section.ANSWER);
                case Type.NS -> response.addRecord(new NSRecord(domain, DClass.IN, ttl, soa.getHost()), Section.ANSWER);
                default -> response.addRecord(soa, Section.AUTHORITY);
            }
            return response;
        }
        String[] labels = relative.split("\\.");
        if (labels.length == 2 && labels[1].equals("addr")) {
            return addressName(response, name, type, labels[0]);
        }
        int first = 0;
        String portName = null;
        if (labels[0].equals("tasks")) {
            first = 1;
        } else if (labels.length >= 3 && labels[0].startsWith("_") && (labels[1].equals("_tcp") || labels[1].equals("_udp"))) {
            portName = labels[0].substring(1);
            first = 2;
        }
        int rest = labels.length - first;
        String service = rest == 2 ? labels[first + 1] + "_" + labels[first] : rest == 1 ? labels[first] : null;
        int slot = 0;
        if (rest == 3 || (rest == 2 && !registry.knows(service) && registry.virtualAddress(service) == null)) {
            // <short>-<slot>.<short>.<stack> (or <name>-<slot>.<name> outside a stack): one slot of a stateful service
            slot = slotOf(labels[first], labels[first + 1]);
            service = rest == 3 ? labels[first + 2] + "_" + labels[first + 1] : labels[first + 1];
            if (slot == 0 || !registry.stateful(service)) {
                return nxdomain(response);
            }
        }
        String virtual = service == null || first != 0 || slot != 0 ? null : registry.virtualAddress(service);
        if (virtual != null) {
            Record record = addressRecord(name, virtual);
            if (record != null && (type == Type.ANY || record.getType() == type)) {
                response.addRecord(record, Section.ANSWER);
            } else {
                response.addRecord(soa, Section.AUTHORITY);
            }
            return response;
        }
        if (service == null || !registry.knows(service)) {
            return nxdomain(response);
        }
        Collection<Endpoint> endpoints = slot == 0 ? registry.endpointsUnordered(service) : ofSlot(service, slot);
        if (portName != null) {
            if (type != Type.SRV && type != Type.ANY) {
                response.addRecord(soa, Section.AUTHORITY);
                return response;
            }
            Set<String> targets = new LinkedHashSet<>();
            for (Endpoint endpoint : endpoints) {
                Integer port = endpoint.ports().get(portName);
                if (port == null) {
                    continue;
                }
                Name target = targetOf(endpoint.address());
                if (target == null) {
                    continue;
                }
                response.addRecord(new SRVRecord(name, DClass.IN, ttl, 0, 10, port, target), Section.ANSWER);
                if (targets.add(endpoint.address())) {
                    Record address = addressRecord(target, endpoint.address());
                    if (address != null) {
                        response.addRecord(address, Section.ADDITIONAL);
                    }
                }
            }
            if (response.getSection(Section.ANSWER).isEmpty()) {
                response.addRecord(soa, Section.AUTHORITY);
            }
            return response;
        }
        Set<String> seen = new LinkedHashSet<>();
        for (Endpoint endpoint : endpoints) {
            if (seen.add(endpoint.address())) {
                Record record = addressRecord(name, endpoint.address());
                if (record != null && (type == Type.ANY || record.getType() == type)) {
                    response.addRecord(record, Section.ANSWER);
                }
            }
        }
        if (response.getSection(Section.ANSWER).isEmpty()) {
            response.addRecord(soa, Section.AUTHORITY);
        }
        return response;
    }

    /** {@code db-2} of {@code db} → 2; 0 if {@code label} is not {@code <name>-<slot>} (slots count from 1). */
    static int slotOf(String label, String name) {
        if (label.length() <= name.length() + 1 || label.length() > name.length() + 8 || !label.startsWith(name)
                || label.charAt(name.length()) != '-' || label.charAt(name.length() + 1) == '0') {
            return 0;
        }
        int slot = 0;
        for (int i = name.length() + 1; i < label.length(); i++) {
            char c = label.charAt(i);
            if (c < '0' || c > '9') {
                return 0;
            }
            slot = slot * 10 + (c - '0');
        }
        return slot;
    }

    /** The endpoints of {@code service} in {@code slot}: one while its task runs, none while it is replaced. */
    private Collection<Endpoint> ofSlot(String service, int slot) {
        List<Endpoint> result = new ArrayList<>(1);
        for (Endpoint endpoint : registry.endpointsUnordered(service)) {
            if (endpoint.slot() != null && endpoint.slot() == slot) {
                result.add(endpoint);
            }
        }
        return result;
    }

    private Message addressName(Message response, Name name, int type, String hex) {
        InetAddress address;
        try {
            address = InetAddress.getByAddress(HexFormat.of().parseHex(hex));
        } catch (Exception e) {
            return nxdomain(response);
        }
        Record record = addressRecord(name, address.getHostAddress());
        if (record != null && (type == Type.ANY || record.getType() == type)) {
            response.addRecord(record, Section.ANSWER);
        } else {
            response.addRecord(soa, Section.AUTHORITY);
        }
        return response;
    }

    private Message nxdomain(Message response) {
        response.getHeader().setRcode(Rcode.NXDOMAIN);
        response.addRecord(soa, Section.AUTHORITY);
        return response;
    }

    /** {@code 127.0.0.1} → {@code 7f000001.addr.<domain>}; a host name is its own target. */
    Name targetOf(String address) {
        try {
            byte[] bytes = Address.toByteArray(address, address.indexOf(':') >= 0 ? Address.IPv6 : Address.IPv4);
            if (bytes != null) {
                return Name.fromString(HexFormat.of().formatHex(bytes) + ".addr", domain);
            }
        } catch (IllegalArgumentException e) {
            // not a literal address
        } catch (TextParseException e) {
            return null;
        }
        try {
            return Name.fromString(address.endsWith(".") ? address : address + ".");
        } catch (TextParseException e) {
            return null;
        }
    }

    private Record addressRecord(Name name, String address) {
        try {
            if (Address.isDottedQuad(address)) {
                return new ARecord(name, DClass.IN, ttl, InetAddress.getByAddress(Address.toByteArray(address, Address.IPv4)));
            }
            byte[] v6 = Address.toByteArray(address, Address.IPv6);
            if (v6 != null) {
                return new AAAARecord(name, DClass.IN, ttl, InetAddress.getByAddress(v6));
            }
        } catch (java.io.IOException | IllegalArgumentException e) {
            return null;
        }
        return null; // a host name: no address record of ours
    }

    /** Every address the registry would answer for {@code service} (for tools and tests). */
    public List<String> addresses(String service) {
        List<String> result = new ArrayList<>();
        registry.endpointsUnordered(service).forEach(endpoint -> result.add(endpoint.address()));
        return result;
    }
}
