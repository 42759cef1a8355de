package io.flotilla.compose;

import io.flotilla.model.NetworkSpec;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Pattern;

/**
 * The top-level {@code networks:} of a stack file, as {@code docker stack deploy} reads them: each
 * entry becomes a {@link NetworkSpec} named {@code <stack>_<key>} (or its {@code name:}), or, with
 * {@code external: true}, a reference to a network made with {@code flotilla network create}. Every
 * Flotilla network is an overlay across the cluster's nodes, so other drivers and options that have
 * no meaning here are named in a warning; an option that promises protection Flotilla does not give
 * ({@code driver_opts: {encrypted: …}}) is refused, never ignored. The key {@code default} configures
 * the stack's default network, which exists without being declared.
 */
final class NetworkDeclarations {
    /** Docker's rule for network names. */
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    /** Options that an external network takes from its own declaration, never from the stack file. */
    private static final List<String> NOT_WITH_EXTERNAL = List.of("driver", "driver_opts", "ipam", "internal",
            "attachable", "labels", "enable_ipv6", "enable_ipv4");

    /**
     * One declared network.
     *
     * @param key  its key in the file
     * @param name its cluster-wide name
     * @param spec what the stack makes; null for an external network
     * @param at   where it is declared (to name it in a warning)
     */
    record Declared(String key, String name, NetworkSpec spec, ComposeNode at) {
        boolean external() {
            return spec == null;
        }
    }

    private NetworkDeclarations() {}

    /** The declared networks by key, in file order, and {@code default} (declared or not), last when not declared. */
    static Map<String, Declared> read(ComposeNode networks, String stackName, MappingContext context)
            throws ComposeException {
        Map<String, Declared> declared = new LinkedHashMap<>();
        for (Map.Entry<String, ComposeNode> entry : networks.fields().entrySet()) {
            declared.put(entry.getKey(), declaration(entry.getKey(), entry.getValue(), stackName, context));
        }
        if (!declared.containsKey("default")) {
            String name = NetworkSpec.defaultName(stackName);
            declared.put("default", new Declared("default", name, new NetworkSpec(name, stackName, false, false,
                    Map.of(), null, null), networks.get("default")));
        }
        return declared;
    }

    private static Declared declaration(String key, ComposeNode node, String stackName, MappingContext context)
            throws ComposeException {
        String where = node.path().key();
        if (!node.isPresent()) {
            String name = NetworkSpec.fullName(stackName, key);
            return new Declared(key, checkedName(node, name), new NetworkSpec(name, stackName, false, false, Map.of(),
                    null, null), node);
        }
        if (!node.isObject()) {
            throw node.error("network " + key + " must be a mapping (or empty)");
        }
        ComposeNode nameNode = node.get("name");
        String name = nameNode.textOrNull();
        ComposeNode externalNode = node.get("external");
        boolean external;
        if (externalNode.isObject()) {
            external = true;
            String legacyName = externalNode.get("name").textOrNull();
            if (legacyName != null) {
                nameNode = externalNode.get("name");
                name = legacyName;
            }
        } else {
            external = externalNode.booleanOr(false);
        }
        if (external) {
            for (String option : NOT_WITH_EXTERNAL) {
                if (node.get(option).isPresent()) {
                    throw node.get(option).keyError("network " + key + " is external: it is configured where it was"
                            + " made (flotilla network create), not with " + option + " here");
                }
            }
            return new Declared(key, checkedName(nameNode.isPresent() ? nameNode : node, name != null ? name : key),
                    null, node);
        }
        String fullName = name != null ? name : NetworkSpec.fullName(stackName, key);
        checkedName(nameNode.isPresent() ? nameNode : node, fullName);
        driver(node.get("driver"), key, where, context);
        driverOptions(node.get("driver_opts"), where, context);
        if (node.get("enable_ipv6").booleanOr(false)) {
            context.warn(where + ".enable_ipv6: IPv6 is not supported; network " + key + " is IPv4 only");
        }
        if (!node.get("enable_ipv4").booleanOr(true)) {
            throw node.get("enable_ipv4").error("network " + key + ": enable_ipv4 false is not supported"
                    + " (Flotilla networks are IPv4)");
        }
        String[] ipam = ipam(node.get("ipam"), where, context);
        return new Declared(key, fullName, new NetworkSpec(fullName, stackName, node.get("internal").booleanOr(false),
                node.get("attachable").booleanOr(false), EnvironmentResolver.keyValues(node.get("labels"), null),
                ipam[0], ipam[1]), node);
    }

    private static String checkedName(ComposeNode at, String name) throws ComposeException {
        if (!NAME.matcher(name).matches()) {
            throw at.error("invalid network name \"" + name + "\": letters, digits, _ . - (starting with a letter or"
                    + " digit)");
        }
        return name;
    }

    private static void driver(ComposeNode node, String key, String where, MappingContext context)
            throws ComposeException {
        String driver = node.textOrNull();
        if (driver == null || driver.equals(NetworkSpec.OVERLAY)) {
            return;
        }
        if (driver.equals("bridge")) {
            context.warn(where + ".driver: bridge runs as an overlay across the cluster's nodes (Flotilla's only"
                    + " network driver)");
        } else {
            context.warn(where + ".driver: " + driver + " is not supported; network " + key
                    + " runs as an overlay across the cluster's nodes");
        }
    }

    /** {@code encrypted} is refused: an unencrypted overlay under an option that says otherwise would mislead. */
    private static void driverOptions(ComposeNode node, String where, MappingContext context) throws ComposeException {
        for (Map.Entry<String, ComposeNode> option : node.fields().entrySet()) {
            if (option.getKey().equals("encrypted")) {
                throw option.getValue().keyError("Flotilla does not encrypt overlay traffic yet: refusing"
                        + " driver_opts.encrypted rather than running the network unencrypted (remove the option to"
                        + " deploy without encryption)");
            }
            context.warn(where + ".driver_opts." + option.getKey() + " is not supported; ignored");
        }
    }

    /** The subnet and gateway of the first IPv4 {@code ipam.config} entry; every other entry is named in a warning. */
    private static String[] ipam(ComposeNode ipam, String where, MappingContext context) throws ComposeException {
        String[] chosen = new String[2];
        if (!ipam.isPresent()) {
            return chosen;
        }
        String driver = ipam.get("driver").textOrNull();
        if (driver != null && !driver.equals("default")) {
            context.warn(where + ".ipam.driver: " + driver + " is not supported; the managers allocate addresses");
        }
        if (ipam.get("options").isPresent()) {
            context.warn(where + ".ipam.options is not supported; ignored");
        }
        for (ComposeNode config : ipam.get("config").items()) {
            String entry = config.path().key();
            ComposeNode subnetNode = config.get("subnet");
            String subnet = subnetNode.textOrNull();
            if (subnet != null && subnet.contains(":")) {
                context.warn(entry + ": IPv6 subnet " + subnet + " is not supported; ignored");
                continue;
            }
            if (chosen[0] != null) {
                context.warn(entry + " is ignored: a Flotilla network has one subnet (" + chosen[0] + ")");
                continue;
            }
            if (subnet == null) {
                if (config.get("gateway").isPresent()) {
                    throw config.get("gateway").keyError("a gateway needs a subnet in the same ipam.config entry");
                }
                continue;
            }
            String problem = Ipv4.problem(subnet);
            if (problem != null) {
                throw subnetNode.error(problem);
            }
            chosen[0] = subnet;
            chosen[1] = gateway(config.get("gateway"), Ipv4.subnet(subnet));
            for (String option : List.of("ip_range", "aux_addresses")) {
                if (config.get(option).isPresent()) {
                    context.warn(entry + "." + option + " is not supported; ignored");
                }
            }
        }
        return chosen;
    }

    private static String gateway(ComposeNode node, Ipv4.Subnet subnet) throws ComposeException {
        String gateway = node.textOrNull();
        if (gateway == null) {
            return null;
        }
        Integer address = Ipv4.address(gateway);
        if (address == null) {
            throw node.error("gateway must be an IPv4 address, not \"" + gateway + "\"");
        }
        if (!subnet.contains(address) || subnet.isReserved(address)) {
            throw node.error("gateway " + gateway + " must be a host address of subnet " + subnet);
        }
        return gateway;
    }
}
