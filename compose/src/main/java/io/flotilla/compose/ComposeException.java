package io.flotilla.compose;

import java.nio.file.Path;
import java.util.List;

/**
 * A compose file that cannot be deployed. The message starts with {@code file:line:column: key: }
 * so that an editor can jump to the place; when several problems were found (schema validation),
 * the first one gives {@link #line()}, {@link #column()} and {@link #key()} and the message lists
 * every problem, one per line.
 */
public final class ComposeException extends Exception {
    private final transient Path file;
    private final int line;
    private final int column;
    private final String key;

    public ComposeException(Path file, int line, int column, String key, String detail) {
        super(format(file, line, column, key, detail));
        this.file = file;
        this.line = line;
        this.column = column;
        this.key = key == null ? "" : key;
    }

    private ComposeException(Problem first, String message) {
        super(message);
        this.file = first.file();
        this.line = first.line();
        this.column = first.column();
        this.key = first.key() == null ? "" : first.key();
    }

    /** One problem at one place; {@code line} and {@code column} are 1-based, 0 when unknown. */
    public record Problem(Path file, int line, int column, String key, String detail) {
        @Override
        public String toString() {
            return format(file, line, column, key, detail);
        }
    }

    /** An exception listing several problems, positioned at the first. */
    public static ComposeException of(List<Problem> problems) {
        if (problems.isEmpty()) {
            throw new IllegalArgumentException("no problems");
        }
        StringBuilder message = new StringBuilder();
        for (Problem problem : problems) {
            if (!message.isEmpty()) {
                message.append('\n');
            }
            message.append(problem);
        }
        return new ComposeException(problems.getFirst(), message.toString());
    }

    static String format(Path file, int line, int column, String key, String detail) {
        StringBuilder text = new StringBuilder();
        if (file != null) {
            text.append(file);
            if (line > 0) {
                text.append(':').append(line);
                if (column > 0) {
                    text.append(':').append(column);
                }
            }
            text.append(": ");
        }
        if (key != null && !key.isEmpty()) {
            text.append(key).append(": ");
        }
        return text.append(detail).toString();
    }

    public Path file() {
        return file;
    }

    public int line() {
        return line;
    }

    public int column() {
        return column;
    }

    /** The dotted path of the offending key, such as {@code services.web.deploy.replicas}; empty if none. */
    public String key() {
        return key;
    }
}
