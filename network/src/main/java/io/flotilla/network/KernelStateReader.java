package io.flotilla.network;

import com.fasterxml.jackson.databind.JsonNode;
import io.flotilla.model.Json;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;

/**
 * Reads a {@link KernelState} with five commands ({@code ip -d -j addr}, {@code bridge -j fdb},
 * {@code ip -j neigh}, {@code iptables -S} for filter and nat), and parses their output. The
 * parsers are static and pure, so they are tested on captured output.
 *
 * <p>The five run at once: a reconcile is mostly these reads (a new remote endpoint is five reads
 * and two writes), and the time from a cluster change to its name answering counts them.
 */
final class KernelStateReader {
    private static final ExecutorService READERS = Executors.newVirtualThreadPerTaskExecutor();

    private KernelStateReader() {}

    static KernelState read(Commands commands) {
        CompletableFuture<String> links = run(commands, "ip", "-d", "-j", "addr", "show");
        CompletableFuture<String> fdb = run(commands, "bridge", "-j", "fdb", "show");
        CompletableFuture<String> neighbours = run(commands, "ip", "-j", "neigh", "show");
        CompletableFuture<String> filter = run(commands, "iptables", "-w", "-S");
        CompletableFuture<String> nat = run(commands, "iptables", "-w", "-t", "nat", "-S");
        return new KernelState(parseLinks(join(links)), parseFdb(join(fdb)), parseNeighbours(join(neighbours)),
                parseIptables(join(filter)), parseIptables(join(nat)));
    }

    private static CompletableFuture<String> run(Commands commands, String... argv) {
        return CompletableFuture.supplyAsync(() -> commands.run(argv), READERS);
    }

    /** The read's output, or the read's own failure (not the future's wrapper). */
    private static String join(CompletableFuture<String> read) {
        try {
            return read.join();
        } catch (CompletionException e) {
            if (e.getCause() instanceof RuntimeException cause) {
                throw cause;
            }
            throw e;
        }
    }

    /** Flotilla's overlay devices only ({@link OverlayNames#overlayDeviceVni}); every other device is left out. */
    static Map<String, KernelState.Link> parseLinks(String json) {
        Map<String, KernelState.Link> links = new LinkedHashMap<>();
        for (JsonNode link : array(json)) {
            String name = link.path("ifname").asText();
            if (OverlayNames.overlayDeviceVni(name).isEmpty()) {
                continue;
            }
            boolean up = false;
            for (JsonNode flag : link.path("flags")) {
                up |= flag.asText().equals("UP");
            }
            Set<String> addresses = new HashSet<>();
            for (JsonNode address : link.path("addr_info")) {
                if (address.path("family").asText().equals("inet")) {
                    addresses.add(address.path("local").asText() + "/" + address.path("prefixlen").asInt());
                }
            }
            JsonNode info = link.path("linkinfo");
            String kind = info.path("info_kind").asText("");
            KernelState.Vxlan vxlan = null;
            if (kind.equals("vxlan")) {
                JsonNode data = info.path("info_data");
                vxlan = new KernelState.Vxlan(data.path("id").asInt(), data.hasNonNull("local") ? data.path("local").asText() : null,
                        data.path("port").asInt(), data.path("learning").asBoolean(), data.path("proxy").asBoolean());
            }
            links.put(name, new KernelState.Link(name, kind, link.hasNonNull("master") ? link.path("master").asText() : null,
                    link.path("mtu").asInt(), up, link.path("address").asText("").toLowerCase(Locale.ROOT), addresses, vxlan));
        }
        return links;
    }

    /** The static tunnel entries ({@code dst} set) of Flotilla's VXLAN devices. */
    static Set<KernelState.FdbEntry> parseFdb(String json) {
        Set<KernelState.FdbEntry> entries = new LinkedHashSet<>();
        for (JsonNode entry : array(json)) {
            String device = entry.path("ifname").asText();
            if (OverlayNames.isVxlan(device) && entry.hasNonNull("dst")) {
                entries.add(new KernelState.FdbEntry(device, entry.path("mac").asText().toLowerCase(Locale.ROOT),
                        entry.path("dst").asText()));
            }
        }
        return entries;
    }

    /** The permanent neighbour entries of Flotilla's VXLAN devices (others are the kernel's own, and age out). */
    static Set<KernelState.NeighbourEntry> parseNeighbours(String json) {
        Set<KernelState.NeighbourEntry> entries = new LinkedHashSet<>();
        for (JsonNode entry : array(json)) {
            String device = entry.path("dev").asText();
            boolean permanent = false;
            for (JsonNode state : entry.path("state")) {
                permanent |= state.asText().equals("PERMANENT");
            }
            if (OverlayNames.isVxlan(device) && permanent && entry.hasNonNull("lladdr")) {
                entries.add(new KernelState.NeighbourEntry(device, entry.path("dst").asText(),
                        entry.path("lladdr").asText().toLowerCase(Locale.ROOT)));
            }
        }
        return entries;
    }

    /** {@code iptables -S} of one table: {@code -N} lines name chains, {@code -A} lines are rules in order. */
    static KernelState.IptablesTable parseIptables(String text) {
        Set<String> chains = new HashSet<>();
        Map<String, List<String>> rules = new HashMap<>();
        for (String line : text.split("\n")) {
            String[] words = line.strip().split(" ", 3);
            if (words.length < 2) {
                continue;
            }
            switch (words[0]) {
                case "-P", "-N" -> chains.add(words[1]);
                case "-A" -> rules.computeIfAbsent(words[1], chain -> new ArrayList<>()).add(line.strip());
                default -> { }
            }
        }
        return new KernelState.IptablesTable(chains, rules);
    }

    private static JsonNode array(String json) {
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
