package io.flotilla.compose;

import java.util.Map;
import java.util.function.Consumer;

/**
 * Compose's variable substitution in one string: {@code $VAR}, {@code ${VAR}},
 * {@code ${VAR:-default}} (unset or empty), {@code ${VAR-default}} (unset),
 * {@code ${VAR:?message}} and {@code ${VAR?message}} (required), {@code ${VAR:+alternative}} and
 * {@code ${VAR+alternative}} (when set), and {@code $$} for a literal dollar. Defaults,
 * messages and alternatives may themselves contain substitutions. A dollar followed by anything
 * else is an error, as in Compose, so that a forgotten {@code $$} is caught before deploying.
 *
 * <p>Nesting ({@link #MAX_DEPTH}) and each result's length ({@link #MAX_LENGTH}) are bounded: the
 * file comes from whoever deploys, and 12 KB of {@code ${A:-${A:-...}}} overflowed the stack,
 * while {@code $BIG} written many times multiplies a large variable (security issue 17).
 */
final class Interpolator {
    /** Deeper than any default anyone writes by hand. */
    static final int MAX_DEPTH = 32;
    /** Characters in one substituted value: far above any real environment value or command. */
    static final int MAX_LENGTH = 1024 * 1024;

    /** A substitution that cannot be made: a required variable is unset, or the syntax is wrong. */
    static final class InterpolationException extends Exception {
        InterpolationException(String message) {
            super(message);
        }
    }

    private final Map<String, String> variables;
    private final Consumer<String> unsetVariables;

    /**
     * @param variables      the values to substitute
     * @param unsetVariables told the name of each variable used without a value or default
     */
    Interpolator(Map<String, String> variables, Consumer<String> unsetVariables) {
        this.variables = variables;
        this.unsetVariables = unsetVariables;
    }

    static String unsetWarning(String name) {
        return "The \"" + name + "\" variable is not set. Defaulting to a blank string.";
    }

    String interpolate(String text) throws InterpolationException {
        return interpolate(text, 0);
    }

    private String interpolate(String text, int depth) throws InterpolationException {
        if (text.indexOf('$') < 0) {
            return text;
        }
        if (depth > MAX_DEPTH) {
            throw new InterpolationException("substitutions nested more than " + MAX_DEPTH + " deep");
        }
        StringBuilder out = new StringBuilder(text.length());
        int i = 0;
        while (i < text.length()) {
            char c = text.charAt(i);
            if (c != '$') {
                out.append(c);
                i++;
                continue;
            }
            if (i + 1 >= text.length()) {
                throw invalid(text);
            }
            char next = text.charAt(i + 1);
            if (next == '$') {
                out.append('$');
                i += 2;
            } else if (next == '{') {
                int end = matchingBrace(text, i + 2);
                if (end < 0) {
                    throw invalid(text);
                }
                out.append(braced(text.substring(i + 2, end), text, depth));
                i = end + 1;
            } else if (isNameStart(next)) {
                int end = i + 1;
                while (end < text.length() && isNamePart(text.charAt(end))) {
                    end++;
                }
                out.append(value(text.substring(i + 1, end)));
                i = end;
            } else {
                throw invalid(text);
            }
            if (out.length() > MAX_LENGTH) {
                throw new InterpolationException("the value after substitution is longer than " + MAX_LENGTH
                        + " characters");
            }
        }
        return out.toString();
    }

    private String braced(String content, String whole, int depth) throws InterpolationException {
        int nameEnd = 0;
        if (content.isEmpty() || !isNameStart(content.charAt(0))) {
            throw invalid(whole);
        }
        while (nameEnd < content.length() && isNamePart(content.charAt(nameEnd))) {
            nameEnd++;
        }
        String name = content.substring(0, nameEnd);
        if (nameEnd == content.length()) {
            return value(name);
        }
        String rest = content.substring(nameEnd);
        boolean colon = rest.startsWith(":");
        String operatorAndArgument = colon ? rest.substring(1) : rest;
        if (operatorAndArgument.isEmpty()) {
            throw invalid(whole);
        }
        char operator = operatorAndArgument.charAt(0);
        String argument = operatorAndArgument.substring(1);
        String current = variables.get(name);
        boolean present = colon ? current != null && !current.isEmpty() : current != null;
        return switch (operator) {
            case '-' -> present ? current : interpolate(argument, depth + 1);
            case '+' -> present ? interpolate(argument, depth + 1) : "";
            case '?' -> {
                if (!present) {
                    String message = interpolate(argument, depth + 1);
                    throw new InterpolationException("required variable " + name + " is missing a value"
                            + (message.isEmpty() ? "" : ": " + message));
                }
                yield current;
            }
            default -> throw invalid(whole);
        };
    }

    private String value(String name) {
        String current = variables.get(name);
        if (current == null) {
            unsetVariables.accept(name);
            return "";
        }
        return current;
    }

    /** The index of the brace closing the one opened just before {@code start}, or -1. */
    private static int matchingBrace(String text, int start) {
        int depth = 1;
        for (int i = start; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '$') {
                i++;
            } else if (c == '$' && i + 1 < text.length() && text.charAt(i + 1) == '{') {
                depth++;
                i++;
            } else if (c == '}') {
                depth--;
                if (depth == 0) {
                    return i;
                }
            }
        }
        return -1;
    }

    private static InterpolationException invalid(String text) {
        return new InterpolationException("invalid interpolation format in \"" + text
                + "\"; you may need to escape any $ with another $");
    }

    private static boolean isNameStart(char c) {
        return c == '_' || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    }

    private static boolean isNamePart(char c) {
        return isNameStart(c) || (c >= '0' && c <= '9');
    }
}
