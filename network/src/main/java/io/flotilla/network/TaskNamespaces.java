package io.flotilla.network;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Network namespaces of process tasks on overlay networks: made (or reused) with {@code ip netns
 * add}, joined to a network's bridge by a veth pair, and undone. Attaching is idempotent: an
 * interface in the namespace that already has the address is the attachment, whatever made it.
 * The first network attached gives the namespace its default route (via that network's gateway).
 */
final class TaskNamespaces {
    private static final Logger LOG = LoggerFactory.getLogger(TaskNamespaces.class);

    private final Commands commands;

    TaskNamespaces(Commands commands) {
        this.commands = commands;
    }

    TaskNamespace attach(String namespace, NetworkPlan network, String address) {
        address = Ipv4.canonical(address);
        if (!Cidr.parse(network.subnet()).contains(address) || address.equals(network.gateway())) {
            throw new IllegalArgumentException("network " + network.name() + ": " + address
                    + " is not a task address of " + network.subnet() + " (gateway " + network.gateway() + ")");
        }
        Map<String, JsonNode> hostLinks = links(commands.run("ip", "-j", "link", "show"));
        JsonNode bridge = hostLinks.get(network.bridge());
        if (bridge == null) {
            throw new IllegalStateException("network " + network.name() + " has no bridge " + network.bridge()
                    + " on this node: reconcile a plan with it before attaching tasks");
        }
        String mtu = Integer.toString(bridge.path("mtu").asInt());
        if (!exists(namespace)) {
            commands.run("ip", "netns", "add", namespace);
        }
        String host = OverlayNames.hostVeth(namespace, network.vni());
        String mac = OverlayNames.mac(address);
        String withPrefix = address + "/" + network.prefixLength();
        Map<String, JsonNode> inside = links(commands.run("ip", "-n", namespace, "-j", "addr", "show"));
        Optional<String> attached = inside.entrySet().stream()
                .filter(entry -> addresses(entry.getValue()).contains(withPrefix)).map(Map.Entry::getKey).findFirst();
        if (attached.isPresent() && hostLinks.containsKey(host)) {
            JsonNode veth = hostLinks.get(host);
            if (!network.bridge().equals(veth.path("master").asText()) || !isUp(veth)) {
                commands.run("ip", "link", "set", "dev", host, "master", network.bridge(), "up");
            }
            return new TaskNamespace(namespace, network.vni(), host, attached.get(), withPrefix, mac);
        }
        if (attached.isPresent()) {
            throw new IllegalStateException("namespace " + namespace + " already has " + withPrefix + " on "
                    + attached.get() + ", which is not Flotilla's veth of network " + network.name());
        }
        if (hostLinks.containsKey(host)) {   // half made by an attach that failed: start again
            commands.run("ip", "link", "del", "dev", host);
        }
        boolean first = inside.keySet().stream().allMatch(name -> name.equals("lo"));
        String name = freeName(inside.keySet());
        commands.run("ip", "link", "add", host, "mtu", mtu, "type", "veth",
                "peer", "name", name, "mtu", mtu, "address", mac, "netns", namespace);
        commands.run("ip", "link", "set", "dev", host, "master", network.bridge(), "up");
        commands.run("ip", "-n", namespace, "addr", "add", withPrefix, "dev", name);
        commands.run("ip", "-n", namespace, "link", "set", "dev", name, "up");
        commands.run("ip", "-n", namespace, "link", "set", "dev", "lo", "up");
        if (first) {
            commands.run("ip", "-n", namespace, "route", "replace", "default", "via", network.gateway(), "dev", name);
        }
        LOG.info("task namespace {}: {} on network {} ({} via {})", namespace, withPrefix, network.name(), name, host);
        return new TaskNamespace(namespace, network.vni(), host, name, withPrefix, mac);
    }

    /** Takes the namespace off the attachment's network (its veth pair goes; the namespace stays). */
    void detach(TaskNamespace attachment) {
        if (links(commands.run("ip", "-j", "link", "show")).containsKey(attachment.hostInterface())) {
            commands.run("ip", "link", "del", "dev", attachment.hostInterface());
        }
    }

    /** Removes the namespace, and with it the veth pairs of every network it was on. */
    void remove(String namespace) {
        if (exists(namespace)) {
            commands.run("ip", "netns", "del", namespace);
        }
    }

    boolean exists(String namespace) {
        for (JsonNode entry : parse(commands.run("ip", "-j", "netns", "list"))) {
            if (entry.path("name").asText().equals(namespace)) {
                return true;
            }
        }
        return false;
    }

    /** eth0, eth1, …: the first not in use. */
    static String freeName(Set<String> used) {
        for (int i = 0; ; i++) {
            if (!used.contains("eth" + i)) {
                return "eth" + i;
            }
        }
    }

    private static Map<String, JsonNode> links(String json) {
        Map<String, JsonNode> links = new LinkedHashMap<>();
        for (JsonNode link : parse(json)) {
            links.put(link.path("ifname").asText(), link);
        }
        return links;
    }

    private static Set<String> addresses(JsonNode link) {
        Set<String> addresses = new TreeSet<>();
        for (JsonNode address : link.path("addr_info")) {
            if (address.path("family").asText().equals("inet")) {
                addresses.add(address.path("local").asText() + "/" + address.path("prefixlen").asInt());
            }
        }
        return addresses;
    }

    private static boolean isUp(JsonNode link) {
        for (JsonNode flag : link.path("flags")) {
            if (flag.asText().equals("UP")) {
                return true;
            }
        }
        return false;
    }

    private static JsonNode parse(String json) {
        if (json.isBlank()) {
            return Json.MAPPER.createArrayNode();
        }
        try {
            return Json.MAPPER.readTree(json);
        } catch (IOException e) {
            throw new UncheckedIOException("cannot parse the kernel tool's JSON output", e);
        }
    }
}
