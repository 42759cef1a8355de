package io.flotilla.cli.daemon;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.charset.StandardCharsets;

/**
 * What the daemon sends a launcher, in frames a shell reads with {@code read} and {@code head -c}:
 * {@code O <length>\n<bytes>} for standard output, {@code E <length>\n<bytes>} for standard error,
 * and last {@code X <exit status>\n}; or only {@code S 0\n} when the daemon is stale (the launcher
 * then runs the command itself). Output is buffered and sent at most every {@link #LINGER_NANOS}
 * (a fork of {@code head} per frame costs the shell a millisecond), at once past
 * {@link #MAX_BUFFER} bytes, and at the end.
 */
final class FrameWriter {
    static final long LINGER_NANOS = 50_000_000L;
    static final int MAX_BUFFER = 64 * 1024;

    private final OutputStream socket;
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteArrayOutputStream err = new ByteArrayOutputStream();
    private long lastSent = System.nanoTime();
    private boolean broken;

    FrameWriter(OutputStream socket) {
        this.socket = socket;
    }

    /** The command's standard output. */
    OutputStream stdout() {
        return new Channel(out);
    }

    /** The command's standard error. */
    OutputStream stderr() {
        return new Channel(err);
    }

    /** Sends what is buffered when it has waited long enough (called by a timer). */
    synchronized void tick() {
        if (System.nanoTime() - lastSent >= LINGER_NANOS) {
            sendBuffered();
        }
    }

    /** Sends what is buffered, then the exit status. */
    synchronized void exit(int status) throws IOException {
        sendBuffered();
        if (broken) {
            throw new IOException("the launcher went away");
        }
        socket.write(("X " + status + "\n").getBytes(StandardCharsets.US_ASCII));
        socket.flush();
    }

    /** Tells the launcher this daemon is stale: it runs the command itself. */
    synchronized void stale() throws IOException {
        socket.write("S 0\n".getBytes(StandardCharsets.US_ASCII));
        socket.flush();
    }

    private void sendBuffered() {
        // within each stream the order is kept; across them, stdout first: an error is usually
        // the last thing a command writes
        send('O', out);
        send('E', err);
        lastSent = System.nanoTime();
    }

    private void send(char kind, ByteArrayOutputStream buffer) {
        if (buffer.size() == 0 || broken) {
            buffer.reset();
            return;
        }
        try {
            socket.write((kind + " " + buffer.size() + "\n").getBytes(StandardCharsets.US_ASCII));
            buffer.writeTo(socket);
            socket.flush();
        } catch (IOException e) {
            broken = true; // the launcher is gone (Ctrl-C): the session interrupts the command
        }
        buffer.reset();
    }

    private final class Channel extends OutputStream {
        private final ByteArrayOutputStream buffer;

        Channel(ByteArrayOutputStream buffer) {
            this.buffer = buffer;
        }

        @Override
        public void write(int b) {
            synchronized (FrameWriter.this) {
                buffer.write(b);
                full();
            }
        }

        @Override
        public void write(byte[] bytes, int offset, int length) {
            synchronized (FrameWriter.this) {
                buffer.write(bytes, offset, length);
                full();
            }
        }

        private void full() {
            if (buffer.size() >= MAX_BUFFER) {
                sendBuffered();
            }
        }
    }
}
