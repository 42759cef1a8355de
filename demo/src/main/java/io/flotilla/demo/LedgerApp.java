package io.flotilla.demo;

import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;

/**
 * The stateful demo: a writer that must never run twice. It appends {@code <n> <task id> <iso time>}
 * to {@code <dir>/ledger.log} every interval (fsync each), continuing after the file's last
 * number, and exits {@value #EXIT_FOREIGN_WRITER} (EX_TEMPFAIL) the moment it sees another
 * writer's line or finds the file taken over by a newer copy ({@link LedgerFile}). So a fencing
 * failure shows as a non-zero exit, a line from two task ids interleaved, or a number written
 * twice — and a failover that lost data as a gap.
 *
 * <p>{@code GET /} answers the last number written, {@code GET /health} 200. SIGTERM stops it
 * between two appends (never in the middle of one). {@code --print-script} prints the same app as
 * a busybox shell script, for the container image of the tests, which has no JVM.
 */
@Command(name = "ledger", description = {
        "Appends '<n> <task id> <time>' to <dir>/ledger.log every interval (fsync), continuing after the file's last number;",
        "exits 75 if another writer appended. GET / answers the last number, GET /health 200."})
final class LedgerApp implements Callable<Integer> {
    /** Exit status when another writer appended: EX_TEMPFAIL of sysexits.h. */
    static final int EXIT_FOREIGN_WRITER = 75;
    static final String FILE_NAME = "ledger.log";
    /** Set by the agent for a fenced task: the node's lease file (decimal epoch ms). */
    static final String LEASE_FILE_VARIABLE = "FLOTILLA_LEASE_FILE";

    /**
     * The writer's own lease check, for a fenced task (with {@code FLOTILLA_LEASE_FILE}): before
     * each append, the clock is compared with the deadline read <em>before</em> the sleep, as the
     * agent's watchdog does. When the whole node was frozen (VM paused, every process SIGSTOPped)
     * and wakes up at once, the watchdog may need a round to kill the task while the task is
     * already due to write: this check is what keeps that one late write out. Without the
     * variable (not fenced) nothing expires. A missing or unreadable file counts as expired.
     */
    record Lease(Path file) {
        static Lease of(String path) {
            return new Lease(path == null || path.isBlank() ? null : Path.of(path));
        }

        long read() {
            if (file == null) {
                return Long.MAX_VALUE;
            }
            try {
                return Long.parseLong(java.nio.file.Files.readString(file).strip());
            } catch (IOException | NumberFormatException e) {
                return 0;
            }
        }

        boolean expired(long nowMillis, long deadline) {
            return file != null && nowMillis > deadline;
        }
    }

    @Option(names = "--dir", paramLabel = "DIR", description = "Directory of ledger.log (default: $LEDGER_DIR, else /data).")
    String dir;

    @Option(names = "--port", paramLabel = "PORT", description = "HTTP port (default: $PORT, else 8080).")
    Integer port;

    @Option(names = "--interval-ms", paramLabel = "MS", description = "Milliseconds between appends (default: $LEDGER_INTERVAL_MS, else 100).")
    Long intervalMillis;

    @Option(names = "--print-script", description = "Print the busybox sh version of this app (for a container without a JVM) and exit.")
    boolean printScript;

    @Override
    public Integer call() throws Exception {
        if (printScript) {
            System.out.print(script());
            return 0;
        }
        Map<String, String> env = System.getenv();
        Settings settings = Settings.of(dir, port, intervalMillis, env);
        LedgerFile ledger = LedgerFile.open(settings.file(), settings.writer());
        AtomicLong last = new AtomicLong(ledger.lastNumber());
        HttpServer server = HttpServer.create(new InetSocketAddress(env.getOrDefault("FLOTILLA_ADDRESS", "0.0.0.0"),
                settings.port()), 128);
        server.setExecutor(Executors.newVirtualThreadPerTaskExecutor());
        server.createContext("/health", exchange -> DemoAppCommand.answer(exchange, 200, "ok\n"));
        server.createContext("/", exchange -> DemoAppCommand.answer(exchange, 200, last.get() + "\n"));
        CountDownLatch stop = new CountDownLatch(1);
        CountDownLatch stopped = new CountDownLatch(1);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            stop.countDown();
            try {
                stopped.await(2, TimeUnit.SECONDS); // let an append in progress finish its line
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
        }));
        server.start();
        System.out.println("ledger " + settings.writer() + " writing " + settings.file() + " from " + (ledger.lastNumber() + 1)
                + " every " + settings.intervalMillis() + " ms; listening on " + server.getAddress());
        Lease lease = Lease.of(env.get(LEASE_FILE_VARIABLE));
        try (ledger) {
            long deadline = lease.read();
            while (!stop.await(settings.intervalMillis(), TimeUnit.MILLISECONDS)) {
                long before = deadline;
                try {
                    // The lease is checked last, with the clock read the line carries, right before the
                    // write: a copy frozen any earlier finds it expired on waking.
                    ledger.append(() -> {
                        long now = System.currentTimeMillis();
                        if (lease.expired(now, before)) {
                            throw new LeaseExpired();
                        }
                        return Instant.ofEpochMilli(now).truncatedTo(ChronoUnit.MILLIS);
                    });
                } catch (LeaseExpired e) {
                    return leaseExpired(lease, deadline);
                } catch (LedgerFile.ForeignWriterException e) {
                    // taken over, or the file changed (a copy frozen after its takeover check and
                    // before it read the file's end sees the replacement's lines): fenced in time if
                    // this copy's lease had passed
                    if (lease.expired(System.currentTimeMillis(), before)) {
                        return leaseExpired(lease, before);
                    }
                    throw e; // while this copy still held its lease (or had none): two copies ran
                }
                last.set(ledger.lastNumber());
                if (lease.expired(System.currentTimeMillis(), deadline)) {
                    return leaseExpired(lease, deadline); // frozen since the append: never renew an expired lease
                }
                deadline = lease.read(); // read before the sleep: compared after it (see Lease)
            }
            System.out.println("ledger stopping at " + last.get());
            return 0;
        } catch (LedgerFile.ForeignWriterException e) {
            System.err.println("ledger: " + e.getMessage() + " Exiting " + EXIT_FOREIGN_WRITER + ".");
            return EXIT_FOREIGN_WRITER;
        } finally {
            server.stop(0);
            stopped.countDown();
        }
    }

    private static int leaseExpired(Lease lease, long deadline) {
        System.err.println("ledger: this node's lease with the managers expired at " + Instant.ofEpochMilli(deadline)
                + " (" + lease.file() + "): another copy may run now; stopping this one without writing. Exiting "
                + EXIT_FOREIGN_WRITER + ".");
        return EXIT_FOREIGN_WRITER;
    }

    /** Thrown from the line's clock when the lease has passed: the line is not written. */
    private static final class LeaseExpired extends RuntimeException {
        LeaseExpired() {
            super("lease expired", null, false, false);
        }
    }

    /** Where and how often to write, from the flags, else the environment, else the defaults. */
    record Settings(Path file, int port, long intervalMillis, String writer) {
        static Settings of(String dir, Integer port, Long intervalMillis, Map<String, String> env) {
            String directory = dir != null ? dir : env.getOrDefault("LEDGER_DIR", "/data");
            int chosenPort = port != null ? port : parse(env.get("PORT"), 8080, "PORT");
            long interval = intervalMillis != null ? intervalMillis : parse(env.get("LEDGER_INTERVAL_MS"), 100, "LEDGER_INTERVAL_MS");
            if (chosenPort < 0 || chosenPort > 65535) {
                throw new IllegalArgumentException("port must be 0-65535, got " + chosenPort);
            }
            if (interval < 1) {
                throw new IllegalArgumentException("interval must be at least 1 ms, got " + interval);
            }
            String task = env.get("FLOTILLA_TASK_ID");
            String writer = task == null || task.isBlank() ? "pid-" + ProcessHandle.current().pid() : task;
            return new Settings(Path.of(directory, FILE_NAME), chosenPort, interval, writer);
        }

        private static int parse(String value, int fallback, String name) {
            if (value == null || value.isBlank()) {
                return fallback;
            }
            try {
                return Integer.parseInt(value.strip());
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException(name + " must be a number, got '" + value + "'");
            }
        }
    }

    /** The busybox sh version (a resource next to this class). */
    static String script() throws IOException {
        try (InputStream in = LedgerApp.class.getResourceAsStream("ledger.sh")) {
            if (in == null) {
                throw new IOException("ledger.sh is missing from the flotilla-demo jar");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        }
    }
}
