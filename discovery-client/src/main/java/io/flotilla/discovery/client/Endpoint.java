package io.flotilla.discovery.client;

import java.util.List;
import java.util.Map;

/** One healthy instance of a service, as the discovery API gives it. */
public record Endpoint(String id, String service, String address, Map<String, Integer> ports, List<String> tags,
                       Map<String, String> meta) {
    public Endpoint {
        ports = ports == null ? Map.of() : Map.copyOf(ports);
        tags = tags == null ? List.of() : List.copyOf(tags);
        meta = meta == null ? Map.of() : Map.copyOf(meta);
    }

    /** The port named {@code name}, or the only port if there is one and no name matches; -1 if none. */
    public int port(String name) {
        Integer port = ports.get(name);
        if (port != null) {
            return port;
        }
        return ports.size() == 1 ? ports.values().iterator().next() : -1;
    }

    /** {@code address:port} for the named port. */
    public String hostPort(String portName) {
        String host = address.indexOf(':') >= 0 ? "[" + address + "]" : address;
        return host + ":" + port(portName);
    }
}
