package io.flotilla.scheduler;

import io.flotilla.model.Node;
import java.util.Locale;

/**
 * One placement constraint in Swarm's syntax: {@code node.id==x}, {@code node.hostname!=y},
 * {@code node.role==manager}, {@code node.labels.zone==a}. Comparison ignores case (as
 * SwarmKit's). A label the node lacks never equals anything, so {@code node.labels.zone!=a}
 * matches a node without a zone label (Swarm's behaviour). A constraint that cannot be parsed
 * matches no node and says why in {@link #problem()}, so a typo shows up as a pending reason.
 */
record Constraint(String text, String key, boolean equal, String value, String problem) {

    static Constraint parse(String text) {
        String trimmed = text == null ? "" : text.strip();
        int eq = trimmed.indexOf("==");
        int ne = trimmed.indexOf("!=");
        int at;
        boolean equal;
        if (eq >= 0 && (ne < 0 || eq < ne)) {
            at = eq;
            equal = true;
        } else if (ne >= 0) {
            at = ne;
            equal = false;
        } else {
            return invalid(trimmed, "expected key==value or key!=value");
        }
        String key = trimmed.substring(0, at).strip();
        String value = trimmed.substring(at + 2).strip();
        if (key.isEmpty() || value.isEmpty()) {
            return invalid(trimmed, "empty key or value");
        }
        String lower = key.toLowerCase(Locale.ROOT);
        boolean known = lower.equals("node.id") || lower.equals("node.hostname") || lower.equals("node.role")
                || (lower.startsWith("node.labels.") && lower.length() > "node.labels.".length());
        if (!known) {
            return invalid(trimmed, "unknown key " + key
                    + " (use node.id, node.hostname, node.role or node.labels.<name>)");
        }
        return new Constraint(trimmed, key, equal, value, null);
    }

    private static Constraint invalid(String text, String problem) {
        return new Constraint(text, null, false, null, "invalid constraint \"" + text + "\": " + problem);
    }

    boolean valid() {
        return problem == null;
    }

    boolean matches(Node node) {
        if (!valid()) {
            return false;
        }
        String actual = actual(node);
        boolean same = actual != null && actual.equalsIgnoreCase(value);
        return equal == same;
    }

    private String actual(Node node) {
        String lower = key.toLowerCase(Locale.ROOT);
        return switch (lower) {
            case "node.id" -> node.id();
            case "node.hostname" -> node.status().hostname();
            case "node.role" -> node.spec().role().name();
            default -> node.spec().labels().get(key.substring("node.labels.".length()));
        };
    }
}
