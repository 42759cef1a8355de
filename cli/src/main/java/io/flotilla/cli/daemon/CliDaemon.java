package io.flotilla.cli.daemon;

import io.flotilla.cli.Main;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.time.Duration;
import java.util.HexFormat;
import java.util.List;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.ToIntFunction;

/**
 * A resident JVM that runs client commands for the {@code ./flotilla} launcher (scripts/cli-daemon.sh),
 * as Gradle's daemon does for builds: starting a JVM, loading ~4,000 classes and making a TLS
 * connection was nearly all of what {@code flotilla service ls} took; here the classes are loaded,
 * compiled, and the HTTP/2 connection to the API is kept between commands.
 *
 * <p>One daemon serves one working directory with one environment (the launcher keys its file by
 * both), so a command sees what it would see as its own process: relative paths, {@code
 * FLOTILLA_HOST}, the variables a Compose file interpolates. It listens on the loopback only and
 * runs a command only for a connection that presents the token of its state file (owner-only). It
 * exits when idle for {@code FLOTILLA_CLI_DAEMON_IDLE} seconds (default 900), when a jar of its
 * distribution changes, or when a newer daemon took over its file.
 *
 * <p>Usage (by the launcher): {@code CliDaemon STATE_FILE LIB_DIR}.
 */
public final class CliDaemon {
    private static final Duration DEFAULT_IDLE = Duration.ofMinutes(15);

    private final DaemonState state;
    private final Duration idle;
    private final String token = newToken();
    private final AtomicInteger running = new AtomicInteger();
    private final AtomicLong lastUsed = new AtomicLong(System.nanoTime());
    private final AtomicLong served = new AtomicLong();
    private final ScheduledExecutorService ticker = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread thread = new Thread(runnable, "cli-daemon-ticker");
        thread.setDaemon(true);
        return thread;
    });
    private final ToIntFunction<String[]> runner;
    private volatile ServerSocket server;
    private volatile int requestTimeoutMillis = DaemonSession.REQUEST_TIMEOUT_MILLIS;

    CliDaemon(DaemonState state, Duration idle, ToIntFunction<String[]> runner) {
        this.state = state;
        this.idle = idle;
        this.runner = runner;
    }

    public static void main(String[] args) throws IOException {
        if (args.length != 2) {
            System.err.println("usage: CliDaemon STATE_FILE LIB_DIR");
            System.exit(2);
        }
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.WARNING);
        RoutedOutput.install();
        CliDaemon daemon = new CliDaemon(new DaemonState(Path.of(args[0]), Path.of(args[1])), idle(System.getenv("FLOTILLA_CLI_DAEMON_IDLE")), Main::run);
        daemon.start();
        Files.deleteIfExists(Path.of(args[0] + ".starting")); // the launcher's mark: one start at a time
        daemon.serve();
        System.exit(0);
    }

    static Duration idle(String seconds) {
        try {
            return seconds == null || seconds.isBlank() ? DEFAULT_IDLE : Duration.ofSeconds(Long.parseLong(seconds.trim()));
        } catch (NumberFormatException e) {
            return DEFAULT_IDLE;
        }
    }

    /** Binds a loopback port, warms up, and publishes the state file. */
    void start() throws IOException {
        server = new ServerSocket();
        server.bind(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 64);
        warmUp();
        state.publish(server.getLocalPort(), token);
        ticker.scheduleAtFixedRate(this::checkRetirement, 1, 1, TimeUnit.SECONDS);
    }

    int port() {
        return server.getLocalPort();
    }

    String token() {
        return token;
    }

    /** How long a connection may take to send its request (tests shorten it). */
    void requestTimeout(Duration timeout) {
        requestTimeoutMillis = Math.toIntExact(timeout.toMillis());
    }

    long served() {
        return served.get();
    }

    /** Accepts launchers until {@link #stop}. */
    void serve() {
        while (!server.isClosed()) {
            Socket socket;
            try {
                socket = server.accept();
                socket.setTcpNoDelay(true);
            } catch (IOException e) {
                break; // closed by stop()
            }
            running.incrementAndGet();
            Thread.ofVirtual().name("cli-daemon-command").start(() -> {
                try {
                    DaemonSession.Served ran = new DaemonSession(socket, token, state, ticker, this::stop, runner,
                            requestTimeoutMillis).serve();
                    if (ran != null) {
                        served.incrementAndGet();
                        log(ran);
                    }
                } catch (IOException e) {
                    // the launcher went away
                } finally {
                    lastUsed.set(System.nanoTime());
                    running.decrementAndGet();
                }
            });
        }
    }

    /** Stops accepting and withdraws the state file; commands running finish on their threads. */
    void stop() {
        state.withdraw(token);
        try {
            server.close();
        } catch (IOException e) {
            // closing: nothing to do
        }
        ticker.shutdown();
    }

    private void checkRetirement() {
        boolean idleTooLong = running.get() == 0 && System.nanoTime() - lastUsed.get() > idle.toNanos();
        if (idleTooLong || !state.stillOurs(token) || (running.get() == 0 && state.stale())) {
            stop();
        }
    }

    /**
     * One line per command in the daemon's log: its first two words only (an argument may hold
     * a value the user would not want in a file), the exit status and the time it took.
     */
    private static void log(DaemonSession.Served ran) {
        System.err.printf("%s served: %s -> exit %d in %d ms%n", java.time.Instant.now(),
                String.join(" ", ran.args().subList(0, Math.min(2, ran.args().size()))), ran.status(),
                ran.nanos() / 1_000_000);
    }

    /** Loads picocli and the commands users run most, output discarded. */
    private void warmUp() {
        RoutedOutput.route(OutputStream.nullOutputStream(), OutputStream.nullOutputStream());
        try {
            for (String command : List.of("service", "stack", "node")) {
                runner.applyAsInt(new String[] {command, "--help"});
            }
        } finally {
            RoutedOutput.route(null, null);
        }
    }

    private static String newToken() {
        byte[] bytes = new byte[32];
        new SecureRandom().nextBytes(bytes);
        return HexFormat.of().formatHex(bytes);
    }
}
