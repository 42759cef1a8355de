package io.flotilla.compose;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Compose port entries. Short syntax {@code [[HOST_IP:][PUBLISHED]:]TARGET[/PROTOCOL]} where
 * both ports may be ranges ({@code 3000-3002:3000-3002} gives three ports), a bare number, or
 * the long syntax mapping. Each entry becomes one or more {@link Entry}; names are given later
 * by the service mapper, which knows the other ports of the service.
 */
final class PortParser {
    private static final Set<String> PROTOCOLS = Set.of("tcp", "udp", "sctp");
    /** {@code app_protocol} values: http/https make the mesh route per request; tcp (as none) per connection. */
    private static final Set<String> APP_PROTOCOLS = Set.of("http", "https", "tcp");

    /** One port; {@code name} is null unless the long syntax names it. */
    record Entry(String name, int target, Integer published, String protocol, String mode, String hostIp,
                 String appProtocol) {
        Entry(String name, int target, Integer published, String protocol, String mode, String hostIp) {
            this(name, target, published, protocol, mode, hostIp, null);
        }
    }

    private record Range(int first, int last) {
        int size() {
            return last - first + 1;
        }
    }

    private PortParser() {}

    static List<Entry> parse(ComposeNode item) throws ComposeException {
        if (item.isObject()) {
            return List.of(parseLong(item));
        }
        String text = item.text();
        try {
            return parseShort(text);
        } catch (IllegalArgumentException e) {
            throw item.error("invalid port \"" + text + "\": " + e.getMessage());
        }
    }

    /** Parses the short syntax; throws {@link IllegalArgumentException} saying what is wrong. */
    static List<Entry> parseShort(String spec) {
        String rest = spec.strip();
        String protocol = "tcp";
        int slash = rest.lastIndexOf('/');
        if (slash >= 0) {
            protocol = protocol(rest.substring(slash + 1));
            rest = rest.substring(0, slash);
        }
        String hostIp = null;
        if (rest.startsWith("[")) {
            int close = rest.indexOf(']');
            if (close < 0 || close + 1 >= rest.length() || rest.charAt(close + 1) != ':') {
                throw new IllegalArgumentException("an IPv6 host address is written [addr]:published:target");
            }
            hostIp = rest.substring(1, close);
            rest = rest.substring(close + 2);
        }
        String[] parts = rest.split(":", -1);
        String publishedText;
        String targetText;
        switch (parts.length) {
            case 1 -> {
                publishedText = "";
                targetText = parts[0];
            }
            case 2 -> {
                publishedText = parts[0];
                targetText = parts[1];
            }
            case 3 -> {
                if (hostIp != null) {
                    throw new IllegalArgumentException("too many colons");
                }
                hostIp = parts[0];
                publishedText = parts[1];
                targetText = parts[2];
            }
            default -> throw new IllegalArgumentException("too many colons (write an IPv6 address in brackets)");
        }
        Range target = range(targetText, "target");
        List<Entry> entries = new ArrayList<>();
        if (publishedText.isEmpty()) {
            for (int port = target.first(); port <= target.last(); port++) {
                entries.add(new Entry(null, port, null, protocol, null, hostIp));
            }
            return entries;
        }
        Range published = range(publishedText, "published");
        if (target.size() == published.size()) {
            for (int i = 0; i < target.size(); i++) {
                entries.add(new Entry(null, target.first() + i, published.first() + i, protocol, null, hostIp));
            }
        } else if (target.size() == 1) {
            entries.add(new Entry(null, target.first(), published.first(), protocol, null, hostIp));
        } else {
            throw new IllegalArgumentException("the published range " + publishedText
                    + " does not match the target range " + targetText);
        }
        return entries;
    }

    private static Entry parseLong(ComposeNode item) throws ComposeException {
        ComposeNode targetNode = item.get("target");
        if (!targetNode.isPresent()) {
            throw item.error("a port needs a target");
        }
        int target = port(targetNode, "target");
        Integer published = null;
        ComposeNode publishedNode = item.get("published");
        if (publishedNode.isPresent()) {
            String text = publishedNode.text().strip();
            if (!text.isEmpty()) {
                try {
                    published = range(text, "published").first();
                } catch (IllegalArgumentException e) {
                    throw publishedNode.error("invalid published port \"" + text + "\": " + e.getMessage());
                }
            }
        }
        String protocol = "tcp";
        ComposeNode protocolNode = item.get("protocol");
        if (protocolNode.isPresent()) {
            try {
                protocol = protocol(protocolNode.text());
            } catch (IllegalArgumentException e) {
                throw protocolNode.error(e.getMessage());
            }
        }
        String mode = item.get("mode").textOrNull();
        if (mode != null && !mode.equals("host") && !mode.equals("ingress")) {
            throw item.get("mode").error("port mode must be host or ingress, not \"" + mode + "\"");
        }
        String name = item.get("name").textOrNull();
        String appProtocol = item.get("app_protocol").textOrNull();
        if (appProtocol != null) {
            appProtocol = appProtocol.strip().toLowerCase(Locale.ROOT);
            if (!APP_PROTOCOLS.contains(appProtocol)) {
                throw item.get("app_protocol").error("app_protocol must be http or https (the mesh routes per request) "
                        + "or tcp, not \"" + appProtocol + "\"");
            }
            if (appProtocol.equals("tcp")) {
                appProtocol = null;
            }
            if (appProtocol != null && !protocol.equals("tcp")) {
                throw item.get("app_protocol").error("app_protocol " + appProtocol + " needs protocol tcp, not " + protocol);
            }
        }
        return new Entry(name == null || name.isBlank() ? null : name, target, published, protocol, mode,
                item.get("host_ip").textOrNull(), appProtocol);
    }

    private static int port(ComposeNode node, String what) throws ComposeException {
        try {
            Range range = range(node.text(), what);
            if (range.size() != 1) {
                throw new IllegalArgumentException("a range is not allowed here");
            }
            return range.first();
        } catch (IllegalArgumentException e) {
            throw node.error("invalid " + what + " port " + node.describeValue() + ": " + e.getMessage());
        }
    }

    private static String protocol(String text) {
        String protocol = text.toLowerCase(Locale.ROOT);
        if (!PROTOCOLS.contains(protocol)) {
            throw new IllegalArgumentException("unknown protocol \"" + text + "\" (tcp, udp or sctp)");
        }
        return protocol;
    }

    private static Range range(String text, String what) {
        int dash = text.indexOf('-');
        if (dash > 0) {
            int first = number(text.substring(0, dash), what);
            int last = number(text.substring(dash + 1), what);
            if (last < first) {
                throw new IllegalArgumentException(what + " range " + text + " ends before it starts");
            }
            return new Range(first, last);
        }
        int port = number(text, what);
        return new Range(port, port);
    }

    private static int number(String text, String what) {
        String digits = text.strip();
        if (digits.isEmpty() || !digits.chars().allMatch(Character::isDigit) || digits.length() > 5) {
            throw new IllegalArgumentException(what + " \"" + text + "\" is not a port number");
        }
        int port = Integer.parseInt(digits);
        if (port < 1 || port > 65535) {
            throw new IllegalArgumentException(what + " " + port + " is out of range 1-65535");
        }
        return port;
    }
}
