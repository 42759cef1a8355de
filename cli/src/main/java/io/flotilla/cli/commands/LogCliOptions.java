package io.flotilla.cli.commands;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.Logger;
import ch.qos.logback.classic.LoggerContext;
import ch.qos.logback.classic.encoder.PatternLayoutEncoder;
import ch.qos.logback.classic.filter.ThresholdFilter;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.core.ConsoleAppender;
import ch.qos.logback.core.FileAppender;
import ch.qos.logback.core.OutputStreamAppender;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Locale;
import org.slf4j.LoggerFactory;
import picocli.CommandLine.Option;

/**
 * {@code --log-level LEVEL} and {@code --log-file PATH}: where a node's log goes. A node a person
 * runs in the foreground ({@code dev}, {@code demo}) always writes its log to a file it names on
 * its first line, and the terminal gets only the progress lines and the warnings and errors, as a
 * level and a message (no timestamps, no logger names): the 38 INFO lines of a clean start buried
 * the 30 lines a person needs. A node under a service manager ({@code init}, {@code join}) logs to
 * stderr as before (the journal keeps it) unless given {@code --log-file}. Always the same choice,
 * not by whether stderr is a terminal, so that what a person sees and what a test checks agree.
 * Without {@code --log-level} the level is {@code FLOTILLA_LOG_LEVEL}, else INFO.
 */
public final class LogCliOptions {
    static final String DEFAULT_FILE = "flotilla.log";
    private static final String FILE_PATTERN = "%d{yyyy-MM-dd HH:mm:ss.SSS} %-5level [%thread] %logger{30} - %msg%n";
    private static final String SERVICE_PATTERN = "%d{HH:mm:ss.SSS} %-5level %logger{20} - %msg%n";
    private static final String TERMINAL_PATTERN = "%level: %msg%n";

    @Option(names = "--log-level", paramLabel = "LEVEL",
            description = "Log level: error, warn, info, debug or trace (default: FLOTILLA_LOG_LEVEL, else info).")
    String level;

    @Option(names = "--log-file", paramLabel = "PATH",
            description = "Write the log to this file (appended). dev and demo default to DATA/flotilla.log;"
                    + " init and join log to stderr without it.")
    Path file;

    /** The level to log at; a bad value is refused before the node does anything. */
    Level level() {
        String name = level != null ? level : System.getenv().getOrDefault("FLOTILLA_LOG_LEVEL", "INFO");
        Level parsed = Level.toLevel(name.strip().toUpperCase(Locale.ROOT), null);
        if (parsed == null || parsed == Level.ALL || parsed == Level.OFF) {
            throw new IllegalArgumentException((level != null ? "--log-level" : "FLOTILLA_LOG_LEVEL")
                    + " must be one of error, warn, info, debug, trace: " + name);
        }
        return parsed;
    }

    /**
     * A node in the foreground: the log to {@code --log-file} or {@code DATA/flotilla.log}, warnings
     * and errors also to stderr. Returns the file, which the command names on its first line.
     */
    Path foreground(Path data) throws IOException {
        Level parsed = level();
        Path target = (file != null ? file : data.resolve(DEFAULT_FILE)).toAbsolutePath().normalize();
        LoggerContext context = reset(parsed);
        root(context).addAppender(fileAppender(context, target));
        ConsoleAppender<ILoggingEvent> terminal = new ConsoleAppender<>();
        terminal.setTarget("System.err");
        ThresholdFilter warnings = new ThresholdFilter();
        warnings.setLevel(Level.WARN.levelStr);
        warnings.start();
        terminal.addFilter(warnings);
        root(context).addAppender(started(context, terminal, TERMINAL_PATTERN));
        return target;
    }

    /** A node under a service manager: stderr as before, or only the file when {@code --log-file} is given. */
    void service() throws IOException {
        Level parsed = level();
        LoggerContext context = reset(parsed);
        if (file != null) {
            root(context).addAppender(fileAppender(context, file.toAbsolutePath().normalize()));
        } else {
            ConsoleAppender<ILoggingEvent> stderr = new ConsoleAppender<>();
            stderr.setTarget("System.err");
            root(context).addAppender(started(context, stderr, SERVICE_PATTERN));
        }
    }

    private static LoggerContext reset(Level level) {
        LoggerContext context = (LoggerContext) LoggerFactory.getILoggerFactory();
        context.reset();
        root(context).setLevel(level);
        // Ratis and gRPC are very talkative below WARN (as in logback.xml); DEBUG of flotilla's own code is what helps.
        for (String chatty : new String[] {"org.apache.ratis", "io.grpc", "org.apache.ratis.thirdparty"}) {
            context.getLogger(chatty).setLevel(level.isGreaterOrEqual(Level.WARN) ? level : Level.WARN);
        }
        return context;
    }

    private static Logger root(LoggerContext context) {
        return context.getLogger(org.slf4j.Logger.ROOT_LOGGER_NAME);
    }

    private static FileAppender<ILoggingEvent> fileAppender(LoggerContext context, Path target) throws IOException {
        if (target.getParent() != null) {
            Files.createDirectories(target.getParent());
        }
        if (Files.isDirectory(target)) {
            throw new IllegalArgumentException("--log-file is a directory: " + target);
        }
        FileAppender<ILoggingEvent> appender = new FileAppender<>();
        appender.setFile(target.toString());
        appender.setAppend(true);
        return started(context, appender, FILE_PATTERN);
    }

    private static <A extends OutputStreamAppender<ILoggingEvent>> A started(LoggerContext context, A appender,
                                                                             String pattern) {
        PatternLayoutEncoder encoder = new PatternLayoutEncoder();
        encoder.setContext(context);
        encoder.setPattern(pattern);
        encoder.start();
        appender.setContext(context);
        appender.setEncoder(encoder);
        appender.start();
        return appender;
    }
}
