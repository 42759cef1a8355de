package io.flotilla.compose;

import io.flotilla.model.DiscoverySpec;
import io.flotilla.model.DiscoverySpec.OnDependencyChange;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.regex.Pattern;

/**
 * Reads the discovery part of a service's {@code x-flotilla}: what it requires besides
 * {@code depends_on}, and what happens to a running task when a dependency's endpoints change.
 *
 * <pre>
 * x-flotilla:
 *   requires: [billing_api, ledger.billing]     # stack_service, or service.stack
 *   on_dependency_change: restart               # ignore (default) | restart | signal:SIGHUP
 *                                                # | {signal: SIGUSR1} | {exec: [reload, --now]}
 * </pre>
 */
final class DiscoveryMapper {
    static final List<String> KEYS = List.of("requires", "on_dependency_change");
    private static final Pattern NAME = Pattern.compile("[a-zA-Z0-9][a-zA-Z0-9_.-]*");
    private static final Pattern SIGNAL = Pattern.compile("(SIG)?[A-Z][A-Z0-9]*");

    private DiscoveryMapper() {}

    static DiscoverySpec map(ComposeNode flotilla) throws ComposeException {
        if (!flotilla.isPresent()) {
            return DiscoverySpec.NONE;
        }
        List<String> requires = requires(flotilla.get("requires"));
        OnDependencyChange onChange = onChange(flotilla.get("on_dependency_change"));
        return requires.isEmpty() && onChange instanceof OnDependencyChange.Ignore ? DiscoverySpec.NONE
                : new DiscoverySpec(requires, onChange);
    }

    private static List<String> requires(ComposeNode node) throws ComposeException {
        if (!node.isPresent()) {
            return List.of();
        }
        if (!node.isArray()) {
            throw node.error("requires must be a list of services of other stacks, such as [billing_api]");
        }
        List<String> names = new ArrayList<>();
        for (ComposeNode item : node.items()) {
            String name = item.text();
            if (!NAME.matcher(name).matches()) {
                throw item.error("\"" + name + "\" is not a service name (stack_service or service.stack)");
            }
            String full = fullName(name);
            if (!names.contains(full)) {
                names.add(full);
            }
        }
        return names;
    }

    /** {@code api.billing} → {@code billing_api}; {@code billing_api} stays. */
    static String fullName(String name) {
        int dot = name.lastIndexOf('.');
        return dot > 0 && dot < name.length() - 1 ? name.substring(dot + 1) + "_" + name.substring(0, dot) : name;
    }

    private static OnDependencyChange onChange(ComposeNode node) throws ComposeException {
        if (!node.isPresent()) {
            return new OnDependencyChange.Ignore();
        }
        if (node.isObject()) {
            var fields = node.fields();
            if (fields.size() != 1) {
                throw node.error("on_dependency_change takes one of {signal: SIGHUP} or {exec: [command, args...]}");
            }
            var entry = fields.entrySet().iterator().next();
            return switch (entry.getKey()) {
                case "signal" -> new OnDependencyChange.Signal(signal(entry.getValue(), entry.getValue().text()));
                case "exec" -> {
                    List<String> command = ServiceMapper.commandLine(entry.getValue());
                    if (command.isEmpty()) {
                        throw entry.getValue().error("exec needs a command, such as [./reload, --now]");
                    }
                    yield new OnDependencyChange.Exec(command);
                }
                default -> throw entry.getValue().keyError("on_dependency_change has no \"" + entry.getKey()
                        + "\"; use signal or exec");
            };
        }
        String text = node.text();
        if (text.equals("ignore")) {
            return new OnDependencyChange.Ignore();
        }
        if (text.equals("restart")) {
            return new OnDependencyChange.Restart();
        }
        if (text.equals("signal")) {
            return new OnDependencyChange.Signal("SIGHUP");
        }
        if (text.startsWith("signal:")) {
            return new OnDependencyChange.Signal(signal(node, text.substring("signal:".length())));
        }
        throw node.error("on_dependency_change must be ignore, restart, signal:SIGNAL, {signal: SIGNAL} or"
                + " {exec: [command, args...]}, not " + node.describeValue());
    }

    private static String signal(ComposeNode at, String value) throws ComposeException {
        String name = value.trim().toUpperCase(Locale.ROOT);
        if (!SIGNAL.matcher(name).matches()) {
            throw at.error("\"" + value + "\" is not a signal name such as SIGHUP");
        }
        return name.startsWith("SIG") ? name : "SIG" + name;
    }
}
