package io.flotilla.compose;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Reads {@code .env} and {@code env_file} files as Compose does: {@code KEY=VALUE} lines,
 * optional {@code export }, {@code #} comments, single-quoted (literal) and double-quoted
 * (escapes, may span lines) values, and a bare {@code KEY} that takes its value from the
 * environment. Unquoted and double-quoted values may use {@code ${VAR}} of earlier lines or of
 * the environment.
 */
final class DotEnvParser {
    private static final Pattern KEY = Pattern.compile("(?:export\\s+)?([A-Za-z_][A-Za-z0-9_.\\-]*)\\s*(=?)");

    private DotEnvParser() {}

    static Map<String, String> read(Path file, Map<String, String> environment) throws ComposeException {
        String text;
        try {
            text = Files.readString(file);
        } catch (IOException e) {
            throw new ComposeException(file, 0, 0, "", "cannot read env file: " + e.getMessage());
        }
        return parse(file, text, environment);
    }

    /**
     * An env file in Compose's {@code raw} format: {@code KEY=VALUE} lines whose value is everything
     * after the first {@code =}, quotes and {@code $} included; blank lines and {@code #} comments
     * are skipped.
     */
    static Map<String, String> readRaw(Path file) throws ComposeException {
        List<String> lines;
        try {
            lines = Files.readAllLines(file);
        } catch (IOException e) {
            throw new ComposeException(file, 0, 0, "", "cannot read env file: " + e.getMessage());
        }
        Map<String, String> result = new LinkedHashMap<>();
        for (int i = 0; i < lines.size(); i++) {
            String line = lines.get(i);
            if (line.isBlank() || line.strip().startsWith("#")) {
                continue;
            }
            int equals = line.indexOf('=');
            if (equals <= 0) {
                throw new ComposeException(file, i + 1, 1, "", "invalid line in raw env file (KEY=VALUE): " + line);
            }
            result.put(line.substring(0, equals).strip(), line.substring(equals + 1));
        }
        return result;
    }

    static Map<String, String> parse(Path file, String text, Map<String, String> environment) throws ComposeException {
        Map<String, String> result = new LinkedHashMap<>();
        int position = 0;
        int line = 1;
        while (position < text.length()) {
            int lineEnd = endOfLine(text, position);
            String content = text.substring(position, lineEnd).strip();
            int lineOfEntry = line;
            if (content.isEmpty() || content.startsWith("#")) {
                line++;
                position = lineEnd + 1;
                continue;
            }
            int start = position + (text.substring(position, lineEnd).length()
                    - text.substring(position, lineEnd).stripLeading().length());
            Matcher key = KEY.matcher(text).region(start, lineEnd);
            if (!key.lookingAt()) {
                throw new ComposeException(file, lineOfEntry, 1, "", "invalid line in env file: " + content);
            }
            String name = key.group(1);
            if (key.group(2).isEmpty()) {
                if (!text.substring(key.end(), lineEnd).isBlank()) {
                    throw new ComposeException(file, lineOfEntry, 1, "", "invalid line in env file: " + content);
                }
                String inherited = environment.get(name);
                if (inherited != null) {
                    result.put(name, inherited);
                }
                line++;
                position = lineEnd + 1;
                continue;
            }
            int valueStart = key.end();
            while (valueStart < lineEnd && (text.charAt(valueStart) == ' ' || text.charAt(valueStart) == '\t')) {
                valueStart++;
            }
            char quote = valueStart < text.length() ? text.charAt(valueStart) : 0;
            String value;
            int next;
            if (quote == '\'' || quote == '"') {
                int close = closingQuote(text, valueStart + 1, quote);
                if (close < 0) {
                    throw new ComposeException(file, lineOfEntry, valueStart - position + 1, name,
                            "unterminated quoted value in env file");
                }
                String raw = text.substring(valueStart + 1, close);
                value = quote == '\'' ? raw : interpolate(unescape(raw), result, environment);
                line += countNewlines(raw);
                next = endOfLine(text, close) + 1;
            } else {
                String raw = text.substring(valueStart, lineEnd);
                int comment = raw.indexOf(" #");
                if (comment >= 0) {
                    raw = raw.substring(0, comment);
                }
                value = interpolate(raw.strip(), result, environment);
                next = lineEnd + 1;
            }
            result.put(name, value);
            line++;
            position = next;
        }
        return result;
    }

    private static int endOfLine(String text, int from) {
        int end = text.indexOf('\n', from);
        return end < 0 ? text.length() : end;
    }

    private static int closingQuote(String text, int from, char quote) {
        for (int i = from; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c == '\\' && quote == '"') {
                i++;
            } else if (c == quote) {
                return i;
            }
        }
        return -1;
    }

    private static int countNewlines(String text) {
        return (int) text.chars().filter(c -> c == '\n').count();
    }

    private static String unescape(String raw) {
        StringBuilder out = new StringBuilder(raw.length());
        for (int i = 0; i < raw.length(); i++) {
            char c = raw.charAt(i);
            if (c == '\\' && i + 1 < raw.length()) {
                char escaped = raw.charAt(++i);
                switch (escaped) {
                    case 'n' -> out.append('\n');
                    case 't' -> out.append('\t');
                    case 'r' -> out.append('\r');
                    case '"', '\\' -> out.append(escaped);
                    case '$' -> out.append("$$");
                    default -> out.append('\\').append(escaped);
                }
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    /** Substitutes earlier keys and the environment; a value that does not parse is kept as written. */
    private static String interpolate(String value, Map<String, String> earlier, Map<String, String> environment) {
        if (value.indexOf('$') < 0) {
            return value;
        }
        Map<String, String> variables = new HashMap<>(environment);
        variables.putAll(earlier);
        try {
            return new Interpolator(variables, name -> { }).interpolate(value);
        } catch (Interpolator.InterpolationException e) {
            return value;
        }
    }
}
