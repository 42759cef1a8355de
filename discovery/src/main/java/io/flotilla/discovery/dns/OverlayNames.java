package io.flotilla.discovery.dns;

import io.flotilla.model.api.NetworkDirectory;
import io.flotilla.model.api.NetworkDirectory.EndpointEntry;
import io.flotilla.model.api.NetworkDirectory.NetworkEntry;
import io.flotilla.model.api.NetworkDirectory.ServiceEntry;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Set;

/**
 * Names as a task on an overlay network sees them: only the services of the networks it shares,
 * each answering with its address on that network. Pure: an index built once per
 * {@link NetworkDirectory} (the node session brings a new one when something changes), then map
 * lookups per query.
 *
 * <p>The asker is known by the query's source address, one of its task's addresses (Docker's
 * embedded resolver, and a process task's resolver, send from the task's own namespace). For a
 * service {@code web} of stack {@code shop} on a network the asker shares, with domain
 * {@code flotilla}:
 * <ul>
 *   <li>{@code web.shop.flotilla} (what the search domain {@code shop.flotilla} makes of
 *       {@code web}), the bare {@code web} and {@code shop_web}, and each alias ({@code api},
 *       {@code api.shop.flotilla}): the service's VIP on that network, or with
 *       {@code endpoint_mode: dnsrr} its ready tasks' addresses;</li>
 *   <li>{@code tasks.web.shop.flotilla}, {@code tasks.web}, {@code tasks.shop_web}: the ready tasks'
 *       addresses;</li>
 *   <li>{@code web-2.web.shop.flotilla} for a stateful service: that slot's task.</li>
 * </ul>
 * A bare name that two stacks on a shared (external) network both use answers the asker's own
 * stack's service. A name of the cluster domain that none of the asker's networks has is
 * NXDOMAIN, whatever other networks hold (isolation), and so are a single-label name and
 * {@code tasks.<label>} nobody answers (no upstream knows them: asking would only leak the name). Other names, and questions from addresses that are no task's,
 * are not decided here ({@link Kind#ELSEWHERE}: upstream, or the node's own answers).
 */
public final class OverlayNames {
    public enum Kind { ANSWER, NXDOMAIN, ELSEWHERE }

    /** The decision for one question; {@code addresses} only for {@link Kind#ANSWER}. */
    public record Result(Kind kind, List<String> addresses) {
        static final Result ELSEWHERE = new Result(Kind.ELSEWHERE, List.of());
        static final Result NXDOMAIN = new Result(Kind.NXDOMAIN, List.of());
    }

    private final String suffix;
    private final Map<String, List<Integer>> networksOf = new HashMap<>();
    private final Map<String, String> stackOf = new HashMap<>();
    private final List<Map<String, Map<String, List<String>>>> names = new ArrayList<>();

    /** The index of {@code directory} for the cluster domain {@code domain} ({@code flotilla}). */
    public OverlayNames(NetworkDirectory directory, String domain) {
        this.suffix = "." + domain.toLowerCase(Locale.ROOT);
        Map<String, List<Integer>> networksOfTask = new HashMap<>();
        Map<String, String> taskOf = new HashMap<>();
        for (NetworkEntry network : directory.networks()) {
            int index = names.size();
            names.add(index(network));
            Map<String, String> stacks = new HashMap<>();
            network.services().forEach(service -> stacks.put(service.name(), service.stack()));
            for (EndpointEntry endpoint : network.endpoints()) {
                networksOfTask.computeIfAbsent(endpoint.taskId(), task -> new ArrayList<>()).add(index);
                taskOf.put(endpoint.address(), endpoint.taskId());
                String stack = stacks.get(endpoint.service());
                if (stack != null) {
                    stackOf.putIfAbsent(endpoint.address(), stack);
                }
            }
        }
        // A task asks from whichever of its addresses the route picks: it sees all of its networks.
        taskOf.forEach((address, task) -> networksOf.put(address, networksOfTask.get(task)));
    }

    /** What to answer {@code source} asking for the A record of {@code name} (absolute or not, any case). */
    public Result resolve(String source, String name) {
        List<Integer> networks = networksOf.get(source);
        if (networks == null) {
            return Result.ELSEWHERE;
        }
        String key = name.toLowerCase(Locale.ROOT);
        if (key.endsWith(".")) {
            key = key.substring(0, key.length() - 1);
        }
        boolean inDomain = key.endsWith(suffix) || key.equals(suffix.substring(1));
        Set<String> addresses = new LinkedHashSet<>();
        boolean known = false;
        for (int network : networks) {
            Map<String, List<String>> byStack = names.get(network).get(key);
            if (byStack == null) {
                continue;
            }
            known = true;
            List<String> own = byStack.get(stackOf.getOrDefault(source, ""));
            if (own != null) {
                addresses.addAll(own);
            } else {
                byStack.values().forEach(addresses::addAll);
            }
        }
        if (known) {
            return new Result(Kind.ANSWER, List.copyOf(addresses));
        }
        boolean tasksName = key.startsWith("tasks.") && key.indexOf('.', "tasks.".length()) < 0;
        return inDomain || tasksName || !key.contains(".") ? Result.NXDOMAIN : Result.ELSEWHERE;
    }

    /** Every name the network answers, with its addresses by the answering service's stack ("" outside one). */
    private Map<String, Map<String, List<String>>> index(NetworkEntry network) {
        Map<String, Map<String, List<String>>> index = new HashMap<>();
        for (ServiceEntry service : network.services()) {
            List<String> tasks = new ArrayList<>();
            for (EndpointEntry endpoint : network.endpoints()) {
                if (endpoint.ready() && endpoint.service().equals(service.name())) {
                    tasks.add(endpoint.address());
                    if (service.stateful() && endpoint.slot() > 0) {
                        String slot = service.shortName() + "-" + endpoint.slot() + "." + qualified(service, service.shortName());
                        put(index, slot, service, List.of(endpoint.address()));
                    }
                }
            }
            List<String> answer = service.vip() != null ? List.of(service.vip()) : tasks;
            List<String> labels = new ArrayList<>();
            labels.add(service.shortName());
            labels.addAll(service.aliases());
            for (String label : labels) {
                put(index, qualified(service, label), service, answer);
                put(index, label, service, answer);
            }
            put(index, service.name(), service, answer);
            put(index, "tasks." + qualified(service, service.shortName()), service, tasks);
            put(index, "tasks." + service.shortName(), service, tasks);
            put(index, "tasks." + service.name(), service, tasks);
        }
        return index;
    }

    /** {@code web.shop.flotilla}; {@code web.flotilla} outside a stack. */
    private String qualified(ServiceEntry service, String label) {
        return (service.stack() == null ? label : label + "." + service.stack()).toLowerCase(Locale.ROOT) + suffix;
    }

    private static void put(Map<String, Map<String, List<String>>> index, String name, ServiceEntry service,
                            List<String> addresses) {
        String stack = service.stack() == null ? "" : service.stack();
        List<String> list = index.computeIfAbsent(name.toLowerCase(Locale.ROOT), key -> new HashMap<>())
                .computeIfAbsent(stack, key -> new ArrayList<>());
        for (String address : addresses) {
            if (!list.contains(address)) {
                list.add(address);
            }
        }
    }
}
