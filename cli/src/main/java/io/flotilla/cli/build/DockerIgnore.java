package io.flotilla.cli.build;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Pattern;

/**
 * A build context's {@code .dockerignore}, matched as the Docker CLI matches it (moby's
 * patternmatcher): one pattern a line, {@code #} comments, {@code *} and {@code ?} within one path
 * element, {@code **} across any number of them, {@code !} re-includes, the last matching line
 * wins, and a pattern that matches a directory matches everything under it. The content tag is a
 * digest of exactly the files the daemon receives, so both must agree on what is ignored.
 */
public final class DockerIgnore {
    private record Rule(Pattern pattern, boolean exclusion) {}

    private final List<Rule> rules;

    private DockerIgnore(List<Rule> rules) {
        this.rules = rules;
    }

    /** The rules of {@code context/.dockerignore}, or none when there is no such file. */
    public static DockerIgnore read(Path context) throws IOException {
        Path file = context.resolve(".dockerignore");
        return Files.isRegularFile(file) ? parse(Files.readAllLines(file)) : new DockerIgnore(List.of());
    }

    public static DockerIgnore parse(List<String> lines) {
        List<Rule> rules = new ArrayList<>();
        for (String raw : lines) {
            String line = raw.strip();
            if (line.isEmpty() || line.startsWith("#")) {
                continue;
            }
            boolean exclusion = line.startsWith("!");
            if (exclusion) {
                line = line.substring(1).strip();
            }
            String cleaned = clean(line);
            if (!cleaned.isEmpty()) {
                rules.add(new Rule(Pattern.compile(regex(cleaned)), exclusion));
            }
        }
        return new DockerIgnore(List.copyOf(rules));
    }

    /** True when some {@code !} rule exists: an ignored directory may then hold files that are not. */
    public boolean hasExclusions() {
        return rules.stream().anyMatch(Rule::exclusion);
    }

    /** Whether {@code path} (relative to the context, with {@code /}) is left out of the context. */
    public boolean ignored(String path) {
        List<String> candidates = new ArrayList<>();
        int slash = -1;
        while ((slash = path.indexOf('/', slash + 1)) >= 0) {
            candidates.add(path.substring(0, slash));
        }
        candidates.add(path);
        boolean ignored = false;
        for (Rule rule : rules) {
            for (String candidate : candidates) {
                if (rule.pattern().matcher(candidate).matches()) {
                    ignored = !rule.exclusion();
                    break;
                }
            }
        }
        return ignored;
    }

    /** Go's filepath.Clean for a relative pattern, a leading {@code /} dropped. */
    private static String clean(String pattern) {
        List<String> parts = new ArrayList<>();
        for (String part : pattern.split("/")) {
            if (part.isEmpty() || part.equals(".")) {
                continue;
            }
            if (part.equals("..") && !parts.isEmpty() && !parts.getLast().equals("..")) {
                parts.removeLast();
            } else {
                parts.add(part);
            }
        }
        return String.join("/", parts);
    }

    private static String regex(String pattern) {
        StringBuilder regex = new StringBuilder();
        for (int i = 0; i < pattern.length(); i++) {
            char c = pattern.charAt(i);
            if (c == '*' && i + 1 < pattern.length() && pattern.charAt(i + 1) == '*') {
                i++;
                if (i + 1 < pattern.length() && pattern.charAt(i + 1) == '/') {
                    i++;
                    regex.append("(.*/)?"); // **/ : zero or more directories
                } else {
                    regex.append(".*");
                }
            } else if (c == '*') {
                regex.append("[^/]*");
            } else if (c == '?') {
                regex.append("[^/]");
            } else if (c == '[') {
                int end = pattern.indexOf(']', i + 1);
                if (end < 0) {
                    regex.append("\\[");
                } else {
                    String set = pattern.substring(i + 1, end);
                    regex.append('[').append(set.startsWith("^") || set.startsWith("!") ? "^" + set.substring(1) : set)
                            .append(']');
                    i = end;
                }
            } else {
                regex.append(Pattern.quote(String.valueOf(c)));
            }
        }
        return regex.toString();
    }
}
