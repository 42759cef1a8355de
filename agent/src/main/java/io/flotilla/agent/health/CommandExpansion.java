package io.flotilla.agent.health;

import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Expands {@code ${NAME}} in the arguments of a {@code CMD} healthcheck from the task's
 * environment (an unknown name expands to nothing). Docker runs {@code CMD} without any
 * expansion; Flotilla expands so that a check such as {@code ["CMD", "curl", "-f",
 * "http://localhost:$${PORT}/health"]} (compose turns {@code $$} into {@code $}) reaches the host
 * port the agent picked. Only the braced form is expanded; {@code $NAME} stays as written.
 */
public final class CommandExpansion {
    private static final Pattern REFERENCE = Pattern.compile("\\$\\{([A-Za-z_][A-Za-z0-9_]*)}");

    private CommandExpansion() {}

    public static String expand(String argument, Map<String, String> environment) {
        Matcher matcher = REFERENCE.matcher(argument);
        StringBuilder out = new StringBuilder();
        while (matcher.find()) {
            matcher.appendReplacement(out, Matcher.quoteReplacement(environment.getOrDefault(matcher.group(1), "")));
        }
        matcher.appendTail(out);
        return out.toString();
    }

    public static List<String> expand(List<String> arguments, Map<String, String> environment) {
        return arguments.stream().map(argument -> expand(argument, environment)).toList();
    }
}
