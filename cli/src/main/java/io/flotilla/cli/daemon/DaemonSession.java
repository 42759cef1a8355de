package io.flotilla.cli.daemon;

import java.io.BufferedInputStream;
import java.io.BufferedOutputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * One command from a launcher: {@code TOKEN\n}, {@code COUNT\n}, then COUNT arguments, each ended
 * by a NUL byte (what {@code printf '%s\0' "$@"} writes). A wrong token closes the connection
 * without a word. The command runs as {@code flotilla ARGS} would ({@code Main.run}), its output sent back in frames
 * ({@link FrameWriter}); when the launcher goes away (Ctrl-C), the command is interrupted.
 */
final class DaemonSession {
    static final int MAX_ARGUMENTS = 4096;
    static final int MAX_REQUEST_BYTES = 1 << 20;
    /** A launcher writes its request at once: a connection that does not is closed after this long. */
    static final int REQUEST_TIMEOUT_MILLIS = 10_000;

    private final Socket socket;
    private final String token;
    private final DaemonState state;
    private final ScheduledExecutorService ticker;
    private final Runnable onStale;
    private final ToIntFunction<String[]> runner;
    private final int requestTimeoutMillis;

    DaemonSession(Socket socket, String token, DaemonState state, ScheduledExecutorService ticker, Runnable onStale,
            ToIntFunction<String[]> runner) {
        this(socket, token, state, ticker, onStale, runner, REQUEST_TIMEOUT_MILLIS);
    }

    DaemonSession(Socket socket, String token, DaemonState state, ScheduledExecutorService ticker, Runnable onStale,
            ToIntFunction<String[]> runner, int requestTimeoutMillis) {
        this.runner = runner;
        this.requestTimeoutMillis = requestTimeoutMillis;
        this.socket = socket;
        this.token = token;
        this.state = state;
        this.ticker = ticker;
        this.onStale = onStale;
    }

    /** What a session ran. */
    record Served(List<String> args, int status, long nanos) {}

    /** Serves the connection; what it ran, or null when it ran nothing. */
    Served serve() throws IOException {
        try (socket) {
            InputStream in = new BufferedInputStream(socket.getInputStream());
            // a connection that sends nothing (or dribbles) must not hold a thread for ever
            socket.setSoTimeout(requestTimeoutMillis);
            String presented;
            List<String> args;
            try {
                presented = readUntil(in, '\n', 128);
                // the whole request before the verdict: closing on unread bytes would reset the
                // connection under a launcher still writing (it would die of SIGPIPE, not fall back)
                args = presented == null ? null : readArguments(in);
            } catch (SocketTimeoutException e) {
                return null;
            }
            if (args == null || !MessageDigest.isEqual(presented.getBytes(StandardCharsets.US_ASCII),
                    token.getBytes(StandardCharsets.US_ASCII))) {
                return null;
            }
            socket.setSoTimeout(0); // the command's own time is its own: the watcher waits for the launcher to go
            FrameWriter frames = new FrameWriter(new BufferedOutputStream(socket.getOutputStream()));
            if (state.stale()) {
                // withdraw first: the launcher that reads the frame starts a new daemon, whose state
                // file a late withdrawal could otherwise race with
                onStale.run();
                frames.stale();
                return null;
            }
            long start = System.nanoTime();
            int status = run(args, in, frames);
            frames.exit(status);
            return new Served(args, status, System.nanoTime() - start);
        }
    }

    private int run(List<String> args, InputStream in, FrameWriter frames) {
        Thread command = Thread.currentThread();
        boolean[] done = {false};
        Thread.ofVirtual().start(() -> {
            try {
                while (in.read() >= 0) {
                    // the launcher sends nothing more: this only waits for it to go away
                }
            } catch (IOException e) {
                // closed: either by the launcher or by us at the end
            }
            synchronized (done) {
                if (!done[0]) {
                    command.interrupt();
                }
            }
        });
        ScheduledFuture<?> tick = ticker.scheduleAtFixedRate(frames::tick, FrameWriter.LINGER_NANOS,
                FrameWriter.LINGER_NANOS, TimeUnit.NANOSECONDS);
        RoutedOutput.route(frames.stdout(), frames.stderr());
        int status;
        try {
            status = runner.applyAsInt(args.toArray(String[]::new));
        } catch (RuntimeException | Error e) {
            System.err.println("Error: " + e);
            status = 1;
        } finally {
            System.out.flush();
            System.err.flush();
            RoutedOutput.route(null, null);
            tick.cancel(false);
            synchronized (done) {
                done[0] = true;
            }
            Thread.interrupted(); // an interrupt that came too late for the command is not ours
        }
        // the watcher ends when the connection closes; interrupting it would close the socket
        // at once (a virtual thread's socket read), before the exit status is sent
        return status;
    }

    private static List<String> readArguments(InputStream in) throws IOException {
        String countLine = readUntil(in, '\n', 8);
        int count;
        try {
            count = countLine == null ? -1 : Integer.parseInt(countLine);
        } catch (NumberFormatException e) {
            return null;
        }
        if (count < 0 || count > MAX_ARGUMENTS) {
            return null;
        }
        List<String> args = new ArrayList<>(count);
        int budget = MAX_REQUEST_BYTES;
        for (int i = 0; i < count; i++) {
            String arg = readUntil(in, 0, budget);
            if (arg == null) {
                return null;
            }
            budget -= arg.getBytes(StandardCharsets.UTF_8).length + 1;
            args.add(arg);
        }
        return args;
    }

    /** The UTF-8 text before {@code end}; null at the end of the stream or past {@code limit} bytes. */
    static String readUntil(InputStream in, int end, int limit) throws IOException {
        ByteArrayOutputStream bytes = new ByteArrayOutputStream();
        for (int b = in.read(); b != end; b = in.read()) {
            if (b < 0 || bytes.size() >= limit) {
                return null;
            }
            bytes.write(b);
        }
        return bytes.toString(StandardCharsets.UTF_8);
    }
}
