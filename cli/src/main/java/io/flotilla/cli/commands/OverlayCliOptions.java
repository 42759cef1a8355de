package io.flotilla.cli.commands;

import io.flotilla.node.LocalNode;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import picocli.CommandLine.Option;

/**
 * The node's overlay networks: {@code --overlay[=auto|on|off]} (or {@code FLOTILLA_OVERLAY}).
 *
 * <p>{@code auto}, the default, turns them on wherever they can work: the node runs as root (the
 * data plane changes the kernel's bridges, VXLAN devices and iptables), {@code ip} and
 * {@code iptables} are installed, and the advertise address is not a loopback one. A node on
 * 127.0.0.x is one of several nodes sharing a machine's network namespace (the loopback test
 * clusters, a developer's cluster on a laptop), where their bridges would collide and 127.0.0.x
 * carries no VXLAN to another host; it runs its tasks as before networks, and says so at start.
 * {@code on} insists (a node that cannot is refused at start with the reason), {@code off}
 * declines.
 */
public final class OverlayCliOptions {
    @Option(names = "--overlay", defaultValue = "${env:FLOTILLA_OVERLAY:-auto}", arity = "0..1",
            paramLabel = "auto|on|off", parameterConsumer = ModeConsumer.class,
            description = "The overlay networks' data plane on this node (bridges, VXLAN on UDP 4789 from the advertise"
                    + " address, iptables; needs root) and DNS on each network's gateway. auto (default): on when the"
                    + " node runs as root with ip and iptables and advertises a non-loopback address (env FLOTILLA_OVERLAY).")
    String mode = "auto";

    private static final java.util.Set<String> MODES = java.util.Set.of("auto", "on", "off", "true", "false", "1", "0",
            "yes", "no");

    /**
     * Takes the next argument as the mode unless it is an option or looks like an address (a dot,
     * a colon or a bracket: {@code --overlay 10.0.0.1:4780} on {@code join} leaves the manager's
     * address to the positional), and {@code on} then. A word that is no mode is taken, so that
     * {@link #resolve} refuses it by name.
     */
    static final class ModeConsumer implements picocli.CommandLine.IParameterConsumer {
        @Override
        public void consumeParameters(java.util.Stack<String> args, picocli.CommandLine.Model.ArgSpec argSpec,
                                      picocli.CommandLine.Model.CommandSpec commandSpec) {
            String next = args.isEmpty() ? null : args.peek().strip();
            if (next != null && (MODES.contains(next.toLowerCase(Locale.ROOT))
                    || !next.startsWith("-") && !next.contains(".") && !next.contains(":") && !next.contains("["))) {
                argSpec.setValue(args.pop());
            } else {
                argSpec.setValue("on");
            }
        }
    }

    /** Whether the overlay runs, decided once by {@link #resolve}. */
    boolean on;
    private String why = "";

    /**
     * Decides from the mode and this machine; call before the node starts (its agent needs to know).
     *
     * @throws IllegalArgumentException an unknown mode, or {@code on} where the overlay cannot run
     */
    public boolean resolve(String advertise) {
        String reason = cannotRun(advertise);
        switch (mode == null ? "auto" : mode.strip().toLowerCase(Locale.ROOT)) {
            case "on", "true", "1", "yes" -> {
                if (reason != null && !reason.startsWith("the advertise address")) {
                    throw new IllegalArgumentException("--overlay=on: " + reason);
                }
                on = true;
            }
            case "off", "false", "0", "no" -> {
                on = false;
                why = "off (--overlay=off)";
            }
            case "auto", "" -> {
                on = reason == null;
                why = on ? "" : "off: " + reason + "; --overlay=on to insist";
            }
            default -> throw new IllegalArgumentException("--overlay takes auto, on or off, not '" + mode + "'");
        }
        return on;
    }

    /** Why the overlay cannot run here, or null when it can. */
    static String cannotRun(String advertise) {
        if (!isRoot()) {
            return "the node is not running as root (bridges, VXLAN and iptables need CAP_NET_ADMIN)";
        }
        for (String tool : List.of("ip", "iptables")) {
            if (!onPath(tool)) {
                return tool + " is not installed (apt-get install iproute2 iptables)";
            }
        }
        if (isLoopback(advertise)) {
            return "the advertise address " + advertise + " is a loopback one (nodes sharing this host's network"
                    + " would share its bridges; VXLAN needs an address other hosts reach)";
        }
        return null;
    }

    static boolean isLoopback(String advertise) {
        try {
            return advertise == null || InetAddress.getByName(advertise.replace("[", "").replace("]", "")).isLoopbackAddress();
        } catch (UnknownHostException e) {
            return false;
        }
    }

    private static boolean isRoot() {
        try {
            for (String line : Files.readAllLines(Path.of("/proc/self/status"))) {
                if (line.startsWith("Uid:")) {
                    return line.split("\\s+")[2].equals("0"); // the effective uid
                }
            }
        } catch (java.io.IOException | RuntimeException e) {
            return false;
        }
        return false;
    }

    private static boolean onPath(String tool) {
        String path = System.getenv().getOrDefault("PATH", "/usr/sbin:/usr/bin:/sbin:/bin") + ":/usr/sbin:/sbin";
        for (String dir : path.split(":")) {
            if (!dir.isEmpty() && Files.isExecutable(Path.of(dir, tool))) {
                return true;
            }
        }
        return false;
    }

    /** Starts following the node's overlay networks when they are on, and says which way it went. */
    public void start(LocalNode node, String advertise, String domain) {
        if (!on) {
            System.out.println("  Overlay: " + why + " (tasks run without networks)");
            return;
        }
        node.startNetworks(advertise, domain);
        System.out.println("  Overlay: VXLAN from " + advertise + ", DNS on each network's gateway (port 53)");
    }
}
