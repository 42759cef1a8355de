package io.flotilla.state;

import io.flotilla.model.Network;
import io.flotilla.model.NetworkPool;
import io.flotilla.model.NetworkSpec;
import io.flotilla.model.Task;
import io.flotilla.model.TaskAddress;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.regex.Pattern;
import org.pcollections.HashTreePMap;
import org.pcollections.PMap;
import org.pcollections.TreePSet;

/**
 * The networks of a {@link ClusterState} by name, immutable, with every address they gave: the
 * tasks', the services' virtual addresses and the nodes' own (see {@link NetworkAddresses} and
 * docs/networks.md, "Addresses"). Apply changes it ({@link NetworkFollow} after every command);
 * everything here is a pure function of the log, so every manager holds the same allocations.
 */
public final class NetworkTable {
    /** The first VXLAN id given (Swarm's range, clear of the ids people give by hand). */
    public static final int FIRST_VNI = 4096;
    /** The last valid VXLAN id (24 bits). */
    public static final int LAST_VNI = (1 << 24) - 1;
    /** Docker's rule for network names. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");

    static final NetworkTable EMPTY = new NetworkTable(HashTreePMap.empty());

    private final PMap<String, NetworkAddresses> networks;

    private NetworkTable(PMap<String, NetworkAddresses> networks) {
        this.networks = networks;
    }

    /** A task's address on one of its networks, or a node's own, with the node it is on. */
    public record Endpoint(String address, String nodeId, String taskId) {}

    // ---- queries ----

    /** The networks, by name, without those being removed (whose last tasks are still ending). */
    public List<Network> all() {
        return networks.values().stream().filter(n -> !n.removing()).map(NetworkAddresses::network)
                .sorted(Comparator.comparing(Network::name)).toList();
    }

    /** A network by name; empty for one being removed. */
    public Optional<Network> get(String name) {
        NetworkAddresses entry = networks.get(name);
        return entry == null || entry.removing() ? Optional.empty() : Optional.of(entry.network());
    }

    /**
     * A network by name, one being removed included: its last tasks still hold their addresses on
     * it, and their nodes keep its data plane until they end.
     */
    public Optional<Network> network(String name) {
        NetworkAddresses entry = networks.get(name);
        return entry == null ? Optional.empty() : Optional.of(entry.network());
    }

    /** True when the name is taken by a network, including one being removed. */
    public boolean holdsName(String name) {
        return networks.containsKey(name);
    }

    boolean isEmpty() {
        return networks.isEmpty();
    }

    Set<String> names() {
        return networks.keySet();
    }

    NetworkAddresses entry(String name) {
        return networks.get(name);
    }

    /** A task's addresses, in the order of its template's networks (those it holds: see {@link #missingAddress}). */
    public List<TaskAddress> addressesOf(Task task) {
        List<TaskAddress> result = new ArrayList<>(task.spec().networks().size());
        for (String name : task.spec().networkNames()) {
            NetworkAddresses entry = networks.get(name);
            String address = entry == null ? null : entry.addressOf(NetworkAddresses.TASK + task.id());
            if (address != null) {
                result.add(new TaskAddress(name, address));
            }
        }
        return result;
    }

    /**
     * Why the task cannot run yet for want of an address (the scheduler's pending reason), or
     * null when it holds one on each network of its template.
     */
    public String missingAddress(Task task) {
        for (String name : task.spec().networkNames()) {
            NetworkAddresses entry = networks.get(name);
            if (entry == null) {
                return "network " + name + " does not exist";
            }
            if (entry.addressOf(NetworkAddresses.TASK + task.id()) == null) {
                return entry.removing() ? "network " + name + " is being removed"
                        : "no free address on network " + name + " (subnet " + entry.network().subnet()
                        + "): waiting for a task on it to end";
            }
        }
        return null;
    }

    /** A service's virtual addresses, network name → address (none in endpoint mode dnsrr). */
    public Map<String, String> virtualAddressesOf(String serviceId) {
        return holdings(NetworkAddresses.SERVICE + serviceId);
    }

    /** A node's own addresses (its source on the mesh), network name → address. */
    public Map<String, String> nodeAddresses(String nodeId) {
        return holdings(NetworkAddresses.NODE + nodeId);
    }

    /** The networks on which node {@code nodeId} has a task that holds an address, sorted. */
    public Set<String> networksOnNode(String nodeId) {
        Set<String> result = new TreeSet<>();
        networks.forEach((name, entry) -> {
            if (entry.tasksPerNode().containsKey(nodeId)) {
                result.add(name);
            }
        });
        return result;
    }

    /**
     * Every address of the network that lives on a node: each assigned task's, and each node's own
     * ({@code taskId} null), by address. Virtual addresses live on every node: see {@link #virtualAddressesOf}.
     */
    public List<Endpoint> endpoints(String network) {
        NetworkAddresses entry = networks.get(network);
        if (entry == null) {
            return List.of();
        }
        List<Endpoint> result = new ArrayList<>();
        new TreeMap<>(entry.holders()).forEach((address, holder) -> {
            if (holder.startsWith(NetworkAddresses.NODE)) {
                result.add(new Endpoint(Ipv4.format(address), holder.substring(2), null));
            } else if (holder.startsWith(NetworkAddresses.TASK)) {
                String taskId = holder.substring(2);
                String nodeId = entry.taskNodes().get(taskId);
                if (nodeId != null) {
                    result.add(new Endpoint(Ipv4.format(address), nodeId, taskId));
                }
            }
        });
        return result;
    }

    /** Every task that holds an address on the network (assigned or not), task id → address, by address. */
    public Map<String, String> taskAddressesOn(String network) {
        NetworkAddresses entry = networks.get(network);
        Map<String, String> result = new LinkedHashMap<>();
        if (entry != null) {
            new TreeMap<>(entry.holders()).forEach((address, holder) -> {
                if (holder.startsWith(NetworkAddresses.TASK)) {
                    result.put(holder.substring(2), Ipv4.format(address));
                }
            });
        }
        return result;
    }

    private Map<String, String> holdings(String holder) {
        Map<String, String> result = new LinkedHashMap<>();
        new TreeMap<>(networks).forEach((name, entry) -> {
            String address = entry.addressOf(holder);
            if (address != null) {
                result.put(name, address);
            }
        });
        return result;
    }

    // ---- rules ----

    /**
     * Why {@code spec} cannot be made now (a message for a 400 or 409), or null: the name (Docker's
     * rule, not taken), the subnet (IPv4 CIDR, at most /30, overlapping no network's) and the gateway
     * (a host address of the subnet). Apply checks the same and makes nothing when it fails.
     */
    public String refusal(NetworkSpec spec) {
        if (!NAME.matcher(spec.name()).matches()) {
            return "invalid network name " + spec.name() + ": use letters, digits, '_', '.' and '-', starting with a"
                    + " letter or digit";
        }
        if (networks.containsKey(spec.name())) {
            return "network " + spec.name() + " already exists" + (networks.get(spec.name()).removing()
                    ? " (being removed: its last tasks are still ending)" : "");
        }
        if (spec.subnet() == null) {
            return spec.gateway() == null ? null : "network " + spec.name() + ": a gateway needs a subnet";
        }
        Ipv4.Cidr subnet;
        try {
            subnet = Ipv4.parseCidr(spec.subnet());
            if (spec.gateway() != null) {
                long gateway = Ipv4.parse(spec.gateway());
                if (!subnet.isHost(gateway)) {
                    return "network " + spec.name() + ": gateway " + spec.gateway() + " is not a host address of "
                            + spec.subnet();
                }
            }
        } catch (IllegalArgumentException e) {
            return "network " + spec.name() + ": " + e.getMessage();
        }
        if (subnet.prefix() > 30) {
            return "network " + spec.name() + ": subnet " + spec.subnet() + " is too small (at most /30)";
        }
        for (NetworkAddresses entry : networks.values()) {
            if (entry.subnet().overlaps(subnet)) {
                return "network " + spec.name() + ": subnet " + spec.subnet() + " overlaps network "
                        + entry.network().name() + " (" + entry.network().subnet() + ")";
            }
        }
        return null;
    }

    /** Why two specs made together (one stack's) cannot both be made: overlapping subnets, or null. */
    public static String refusal(NetworkSpec first, NetworkSpec second) {
        if (first.name().equals(second.name())) {
            return "network " + first.name() + " is listed twice";
        }
        try {
            if (first.subnet() != null && second.subnet() != null
                    && Ipv4.parseCidr(first.subnet()).overlaps(Ipv4.parseCidr(second.subnet()))) {
                return "network " + first.name() + ": subnet " + first.subnet() + " overlaps network "
                        + second.name() + " (" + second.subnet() + ")";
            }
        } catch (IllegalArgumentException e) {
            return e.getMessage();
        }
        return null;
    }

    // ---- changes, for apply ----

    /**
     * With the network {@code spec} made: the lowest free VXLAN id from {@link #FIRST_VNI}, the
     * spec's subnet or the pool's first free block; this same table when it is refused
     * ({@link #refusal}) or the pool is exhausted.
     */
    NetworkTable create(String id, NetworkSpec spec, Instant at, NetworkPool pool) {
        if (refusal(spec) != null) {
            return this;
        }
        String subnet = spec.subnet() != null ? Ipv4.parseCidr(spec.subnet()).toString() : poolSubnet(pool);
        int vni = freeVni();
        if (subnet == null || vni < 0) {
            return this;
        }
        String gateway = spec.gateway() != null ? spec.gateway()
                : Ipv4.format(Ipv4.parseCidr(subnet).firstHost());
        Network network = new Network(id, spec, vni, subnet, gateway, at);
        return new NetworkTable(networks.plus(spec.name(), NetworkAddresses.of(network)));
    }

    /** A removed network of {@code stack} deployed again while its last tasks end: it stays, in use again. */
    NetworkTable revive(String name) {
        NetworkAddresses entry = networks.get(name);
        return entry == null || !entry.removing() ? this : put(entry.markRemoving(false));
    }

    /** Without the network: at once when no task holds an address on it, else once the last one ends. */
    NetworkTable remove(String name) {
        NetworkAddresses entry = networks.get(name);
        if (entry == null) {
            return this;
        }
        return entry.hasTasks() ? put(entry.markRemoving(true)) : new NetworkTable(networks.minus(name));
    }

    NetworkTable put(NetworkAddresses entry) {
        return networks.get(entry.network().name()) == entry ? this
                : new NetworkTable(networks.plus(entry.network().name(), entry));
    }

    private int freeVni() {
        Set<Integer> used = new HashSet<>();
        networks.values().forEach(entry -> used.add(entry.network().vni()));
        for (int vni = FIRST_VNI; vni <= LAST_VNI; vni++) {
            if (!used.contains(vni)) {
                return vni;
            }
        }
        return -1;
    }

    /** The first {@code /size} block of the pool's ranges, in order, that overlaps no network's subnet. */
    private String poolSubnet(NetworkPool pool) {
        List<Ipv4.Cidr> taken = networks.values().stream().map(NetworkAddresses::subnet)
                .sorted(Comparator.comparingLong(Ipv4.Cidr::base)).toList();
        for (String range : pool.pools()) {
            Ipv4.Cidr cidr = Ipv4.parseCidr(range);
            int size = Math.max(pool.size(), cidr.prefix());
            long step = 1L << (32 - size);
            long candidate = cidr.base();
            while (candidate + step - 1 <= cidr.last()) {
                Ipv4.Cidr block = new Ipv4.Cidr(candidate, size);
                Ipv4.Cidr overlapping = taken.stream().filter(block::overlaps).findFirst().orElse(null);
                if (overlapping == null) {
                    return block.toString();
                }
                long after = overlapping.last() + 1; // skip past it, to the next aligned block
                candidate = (after + step - 1) / step * step;
            }
        }
        return null;
    }

    // ---- the snapshot form ----

    /** One network as a snapshot holds it: the network, its cursor, and who holds what. */
    public record Saved(Network network, String cursor, boolean removing, List<Holding> holdings, List<String> waiting) {}

    /** One address: its holder key ({@code n:}, {@code s:} or {@code t:} and an id) and a task's node. */
    public record Holding(String holder, String address, String nodeId) {}

    List<Saved> saved() {
        List<Saved> result = new ArrayList<>();
        new TreeMap<>(networks).forEach((name, entry) -> {
            List<Holding> holdings = new ArrayList<>();
            new TreeMap<>(entry.holders()).forEach((address, holder) -> holdings.add(new Holding(holder,
                    Ipv4.format(address), holder.startsWith(NetworkAddresses.TASK)
                            ? entry.taskNodes().get(holder.substring(2)) : null)));
            result.add(new Saved(entry.network(), Ipv4.format(entry.cursor()), entry.removing(), holdings,
                    List.copyOf(entry.waiting())));
        });
        return result;
    }

    static NetworkTable of(Collection<Saved> saved) {
        NetworkTable table = EMPTY;
        for (Saved s : saved) {
            PMap<Long, String> holders = HashTreePMap.empty();
            PMap<String, Long> addresses = HashTreePMap.empty();
            for (Holding h : s.holdings()) {
                long address = Ipv4.parse(h.address());
                holders = holders.plus(address, h.holder());
                addresses = addresses.plus(h.holder(), address);
            }
            NetworkAddresses entry = new NetworkAddresses(s.network(), holders, addresses, HashTreePMap.empty(),
                    HashTreePMap.empty(), Ipv4.parse(s.cursor()),
                    TreePSet.from(s.waiting() == null ? List.of() : s.waiting()), s.removing());
            for (Holding h : s.holdings()) {
                if (h.nodeId() != null) {
                    entry = entry.withTaskNode(h.holder().substring(2), h.nodeId());
                }
            }
            table = table.put(entry);
        }
        return table;
    }
}
